// Admin menu, Permissions: a role's matrix (entity types x see/create/update/retire/revive),
// its conditions and field rules, and its settings. The page edits a copy of the role and sends
// the whole role on Save; the server checks it and writes it all or nothing.
// Plain ES2020, no inline handlers (the page's CSP allows only our own scripts).
"use strict";
(function () {
  const data = Callsheet.pageData("permissions-role");
  if (!data) return;

  const ACTIONS = ["see", "create", "update", "retire"];
  const COLUMNS = [...ACTIONS, "revive"];
  const ANY = "*";
  const ACTION_LABELS = { see: "See", create: "Create", update: "Update", retire: "Retire", revive: "Revive" };
  const $ = (selector, root = document) => root.querySelector(selector);
  const clone = (value) => JSON.parse(JSON.stringify(value));
  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  const types = data.types;
  const typeByName = new Map(types.map((t) => [t.name, t]));
  const presets = data.presets;
  let saved = clone(data.model);
  let state = clone(data.model);
  const expanded = new Set();
  const pending = new Map(); // "Type action" -> true while "Only some…" is chosen but not applied
  let needle = "";
  let dirty = false;

  // -- small DOM helper ------------------------------------------------------------------------
  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "value") node.value = value;
      else if (key === "checked") node.checked = Boolean(value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // -- the rules being edited ------------------------------------------------------------------
  const isCondition = (rule) => rule !== null && typeof rule === "object";
  const stateOf = (rule) => (rule === true ? "allow" : rule === false ? "deny" : "cond");
  const listed = (type) => type === ANY || has(state.entities, type);
  const rulesOf = (type) => (type === ANY ? state.defaults : state.entities[type] || state.defaults);
  const labelOf = (type) => (type === ANY ? "Every other type" : typeByName.get(type)?.label || type);

  function withoutText(rule) {
    if (!isCondition(rule)) return rule;
    const copy = { when: rule.when };
    if (rule.fields !== undefined && rule.fields !== null) copy.fields = rule.fields;
    return copy;
  }
  const ruleKey = (rule) => JSON.stringify(withoutText(rule));
  const sameRules = (a, b) => ACTIONS.every((action) => ruleKey(a[action]) === ruleKey(b[action]));

  function lockedReason(type, action) {
    if (action === "revive") return "Revive follows Retire";
    if (type === "PermissionRuleSet" && action !== "see") return "Roles change only on this page, never through the API";
    if (type === "EventLogEntry" && action === "see" && !state.flags.may_see_event_log) {
      return "Off while “May see the event log” is off";
    }
    return null;
  }

  function effective(type, action) {
    if (type === "PermissionRuleSet" && action !== "see" && action !== "revive") return false;
    if (type === "EventLogEntry" && action === "see" && !state.flags.may_see_event_log) return false;
    return rulesOf(type)[action === "revive" ? "retire" : action];
  }

  function setRule(type, action, value) {
    if (type === ANY) state.defaults[action] = value;
    else {
      if (!listed(type)) state.entities[type] = clone(state.defaults);
      state.entities[type][action] = value;
    }
    pending.delete(`${type} ${action}`);
    if (type === ANY) renderRows();
    else renderRow(type);
    syncDirty();
  }

  // Field rules: "Type.field" beats "*.field"; without either, a field may be seen and edited.
  const FREE = { see: true, edit: true };
  const inheritedField = (type, name) => (type === ANY ? FREE : state.fields[`*.${name}`] || FREE);
  const fieldRule = (type, name) => state.fields[`${type}.${name}`] || inheritedField(type, name);
  const fieldRuleCount = (type) => Object.keys(state.fields).filter((key) => key.startsWith(`${type}.`)).length;

  function setField(type, name, rule) {
    const key = `${type}.${name}`;
    const base = inheritedField(type, name);
    if (rule.see === base.see && rule.edit === base.edit) delete state.fields[key];
    else state.fields[key] = rule;
    renderRow(type, false);
    syncDirty();
  }

  // -- the matrix ------------------------------------------------------------------------------
  const body = $("#matrix-body");
  const showAll = $("#show-all");
  const rows = new Map(); // type -> [row, detail row or null]

  function visibleTypes() {
    if (needle) {
      return types.filter((t) => t.name.toLowerCase().includes(needle) || t.label.toLowerCase().includes(needle));
    }
    return types.filter((t) => showAll.checked || t.common || listed(t.name) || fieldRuleCount(t.name) > 0);
  }

  function cellButton(type, action, col) {
    const locked = lockedReason(type, action);
    const rule = effective(type, action);
    const kind = stateOf(rule);
    const words = kind === "allow" ? "allowed" : kind === "deny" ? "not allowed" : rule.text || "only some";
    const title = [locked, cap(words)].filter(Boolean).join(" · ");
    return h(
      "button",
      {
        type: "button",
        class: "cell",
        role: "checkbox",
        "aria-checked": kind === "allow" ? "true" : kind === "deny" ? "false" : "mixed",
        "aria-disabled": locked ? "true" : null,
        "aria-label": `${ACTION_LABELS[action]} ${labelOf(type)}: ${words}`,
        title,
        dataset: { state: kind, type, action, col: String(col) },
        onclick: () => cellClick(type, action),
      },
      kind === "allow" ? "✓" : kind === "deny" ? "✕" : "◐",
    );
  }

  const cap = (text) => text.charAt(0).toUpperCase() + text.slice(1);

  function cellClick(type, action) {
    if (lockedReason(type, action)) {
      Callsheet.toast(lockedReason(type, action) + ".");
      return;
    }
    const rule = effective(type, action);
    if (isCondition(rule)) {
      openDetail(type, action);
      return;
    }
    setRule(type, action, !rule);
  }

  function ruleNotes(type) {
    const notes = h("div", { class: "rule-notes" });
    for (const action of ACTIONS) {
      const rule = effective(type, action);
      if (isCondition(rule)) {
        notes.append(h("div", { class: "cond-note" }, h("b", {}, ACTION_LABELS[action]), " ", rule.text || "only some"));
      }
    }
    if (type === "EventLogEntry" && !state.flags.may_see_event_log) {
      notes.append(h("div", { class: "muted" }, "Hidden: “May see the event log” is off."));
    }
    const count = fieldRuleCount(type);
    if (count) notes.append(h("div", { class: "field-note" }, `${count} field rule${count === 1 ? "" : "s"}`));
    if (type !== ANY && !listed(type)) notes.append(h("div", { class: "muted inherits" }, "As every other type"));
    return notes;
  }

  function typeRow(type) {
    const t = typeByName.get(type);
    const open = expanded.has(type);
    const row = h("tr", {
      class: ["type-row", type === ANY ? "any-row" : "", listed(type) ? "" : "inherited"].join(" ").trim(),
      dataset: { type },
    });
    row.append(
      h(
        "th",
        { scope: "row", class: "type-col" },
        h(
          "button",
          {
            type: "button",
            class: "expander",
            "aria-expanded": String(open),
            "aria-label": `Conditions and field rules of ${labelOf(type)}`,
            dataset: { type, col: "-1" },
            onclick: () => toggleDetail(type),
          },
          open ? "▾" : "▸",
        ),
        h("span", { class: "type-label" }, labelOf(type)),
        t && t.label !== t.name ? h("code", { class: "type-code" }, t.name) : null,
        type === ANY ? h("span", { class: "type-code" }, "types without rules of their own") : null,
      ),
    );
    COLUMNS.forEach((action, col) => row.append(h("td", { class: "cell-td" }, cellButton(type, action, col))));
    row.append(h("td", { class: "rules-col" }, ruleNotes(type)));
    return row;
  }

  function renderRows() {
    rememberFocus(() => {
      body.replaceChildren();
      rows.clear();
      const shown = [ANY, ...visibleTypes().map((t) => t.name)];
      for (const type of shown) {
        const row = typeRow(type);
        const detail = expanded.has(type) ? detailRow(type) : null;
        body.append(row);
        if (detail) body.append(detail);
        rows.set(type, [row, detail]);
      }
      $("#matrix-empty").hidden = shown.length > 1 || !needle;
    });
  }

  // Re-draw one type (its detail too unless `withDetail` is false: a field toggle keeps focus).
  function renderRow(type, withDetail = true) {
    const found = rows.get(type);
    if (!found) {
      renderRows();
      return;
    }
    rememberFocus(() => {
      const [row, detail] = found;
      const newRow = typeRow(type);
      row.replaceWith(newRow);
      let newDetail = detail;
      if (withDetail || !expanded.has(type)) {
        newDetail = expanded.has(type) ? detailRow(type) : null;
        if (detail) detail.remove();
        if (newDetail) newRow.after(newDetail);
      }
      rows.set(type, [newRow, newDetail]);
    });
  }

  // Re-drawing replaces the focused control: focus its replacement (same cell or same key).
  function rememberFocus(draw) {
    const active = document.activeElement;
    const inside = active && active !== document.body && body.contains(active);
    const { type, col, focusKey } = (inside && active.dataset) || {};
    draw();
    if (!inside || body.contains(active)) return;
    let target = null;
    if (focusKey) target = body.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    else if (type !== undefined && col !== undefined) {
      target = body.querySelector(`[data-type="${CSS.escape(type)}"][data-col="${CSS.escape(col)}"]`);
    }
    target?.focus();
  }

  function toggleDetail(type) {
    if (expanded.has(type)) expanded.delete(type);
    else expanded.add(type);
    renderRow(type);
  }

  function openDetail(type, action) {
    expanded.add(type);
    renderRow(type);
    const select = body.querySelector(`[data-focus-key="${CSS.escape(`${type}|choice|${action}`)}"]`);
    if (select) {
      select.focus();
      select.scrollIntoView({ block: "nearest" });
    }
  }

  // -- a type's details: conditions and fields -------------------------------------------------
  function detailRow(type) {
    const cell = h("td", { colspan: "7" });
    cell.append(conditionsEditor(type), fieldsEditor(type));
    if (type !== ANY && listed(type)) {
      cell.append(
        h(
          "p",
          { class: "reset-line" },
          h(
            "button",
            {
              type: "button",
              class: "link-button reset-type",
              onclick: () => {
                delete state.entities[type];
                renderRow(type);
                syncDirty();
              },
            },
            "Use the rules of “Every other type” for this type",
          ),
        ),
      );
    }
    return h("tr", { class: "detail-row", dataset: { detailFor: type } }, cell);
  }

  function conditionsEditor(type) {
    const box = h("div", { class: "conditions" }, h("h3", {}, type === ANY ? "Every other type" : `What the role may do with ${labelOf(type)}`));
    for (const action of ACTIONS) {
      if (lockedReason(type, action)) {
        box.append(h("div", { class: "action-editor" }, h("span", { class: "action-name" }, ACTION_LABELS[action]), h("span", { class: "muted" }, lockedReason(type, action))));
        continue;
      }
      box.append(actionEditor(type, action));
    }
    return box;
  }

  function actionEditor(type, action) {
    const rule = effective(type, action);
    const key = `${type} ${action}`;
    const kind = pending.has(key) ? "cond" : stateOf(rule);
    const id = `rule-${type}-${action}`.replace(/[^\w-]/g, "_");
    const choice = h(
      "select",
      {
        id,
        class: "rule-choice",
        dataset: { focusKey: `${type}|choice|${action}`, action },
        onchange: (event) => {
          const value = event.target.value;
          if (value === "cond") {
            pending.set(key, true);
            renderRow(type);
            body.querySelector(`[data-focus-key="${CSS.escape(`${type}|preset|${action}`)}"]`)?.focus();
          } else setRule(type, action, value === "allow");
        },
      },
      h("option", { value: "allow" }, "Allowed"),
      h("option", { value: "deny" }, "Not allowed"),
      type === ANY && !isCondition(rule) ? null : h("option", { value: "cond" }, "Only some (a condition)…"),
    );
    choice.value = kind;
    const editor = h("div", { class: "action-editor", dataset: { action } }, h("label", { class: "action-name", for: id }, ACTION_LABELS[action]), choice);
    if (kind === "cond") editor.append(conditionEditor(type, action, isCondition(rule) ? rule : null));
    return editor;
  }

  function conditionEditor(type, action, rule) {
    const t = typeByName.get(type);
    const available = (t ? t.presets : []).filter((name) => presets[name]);
    const current = rule ? available.find((name) => ruleKey({ when: presets[name].when }) === ruleKey({ when: rule.when })) : "";
    const box = h("div", { class: "cond-editor" });
    const text = h("p", { class: "cond-text" }, rule ? cap(rule.text || "only some") : "Choose a condition, or write a filter.");
    const preset = h(
      "select",
      { class: "preset", dataset: { focusKey: `${type}|preset|${action}` }, "aria-label": `Condition for ${ACTION_LABELS[action]} ${labelOf(type)}` },
      h("option", { value: "" }, "Choose a condition…"),
      available.map((name) => h("option", { value: name }, cap(presets[name].text))),
      h("option", { value: "custom" }, "A filter of my own (JSON)…"),
    );
    preset.value = current || (rule ? "custom" : "");
    const filters = h("textarea", {
      class: "filters",
      rows: "3",
      spellcheck: "false",
      "aria-label": "Filters (a find filter list; $me is the person or script, $my_id their id, $my_role their role)",
      placeholder: '[["created_by", "is", "$me"]]',
      dataset: { focusKey: `${type}|filters|${action}` },
    });
    filters.value = rule ? JSON.stringify(rule.when) : "";
    filters.rows = Math.min(6, Math.max(2, Math.ceil(filters.value.length / 90)));
    const fields = action === "update"
      ? h("input", {
        class: "fields",
        type: "text",
        placeholder: "Only these fields (names, comma-separated); empty: any field",
        "aria-label": "Only these fields may change",
        dataset: { focusKey: `${type}|fields|${action}` },
        value: rule && rule.fields ? rule.fields.join(", ") : "",
      })
      : null;
    const error = h("p", { class: "cond-error", role: "alert", hidden: true });
    const apply = h("button", { type: "button", class: "apply", dataset: { focusKey: `${type}|apply|${action}` } }, "Apply condition");
    const cancel = pending.has(`${type} ${action}`)
      ? h("button", { type: "button", class: "link-button", onclick: () => { pending.delete(`${type} ${action}`); renderRow(type); } }, "Cancel")
      : null;

    async function applyCondition() {
      let when;
      try {
        when = JSON.parse(filters.value || "null");
      } catch (e) {
        showError(`The filters are not valid JSON: ${e.message}`);
        return;
      }
      if (!Array.isArray(when) && !(when && typeof when === "object")) {
        showError('Write the filters as a list, e.g. [["created_by", "is", "$me"]].');
        return;
      }
      const candidate = { when };
      if (fields) {
        const names = fields.value.split(",").map((s) => s.trim()).filter(Boolean);
        if (names.length) candidate.fields = names;
      }
      apply.disabled = true;
      try {
        const results = await Callsheet.post("/admin/permissions/condition", {
          entity_type: type, action, rule: candidate, kind: data.kind,
        });
        setRule(type, action, results.rule);
      } catch (e) {
        showError(e.message);
      } finally {
        apply.disabled = false;
      }
    }
    function showError(message) {
      error.textContent = message;
      error.hidden = false;
    }
    preset.addEventListener("change", () => {
      if (presets[preset.value]) {
        filters.value = JSON.stringify(presets[preset.value].when);
        if (!fields || !fields.value) applyCondition();
      } else if (preset.value === "custom") filters.focus();
    });
    apply.addEventListener("click", applyCondition);
    box.append(text, h("div", { class: "cond-controls" }, preset, filters, fields, h("div", {}, apply, " ", cancel)), error);
    return box;
  }

  function fieldsEditor(type) {
    if (type === ANY) return anyFieldsEditor();
    const t = typeByName.get(type);
    const box = h("div", { class: "fields-editor" });
    const filter = h("input", { type: "search", class: "field-filter", placeholder: `Filter ${t.fields.length} fields…`, "aria-label": `Filter the fields of ${t.label}` });
    const table = h("table", { class: "fields-table" }, h("thead", {}, h("tr", {}, h("th", {}, "Field"), h("th", {}, "See"), h("th", {}, "Edit"), h("th", {}, ""))));
    const tbody = h("tbody");
    for (const [name, label, dataType] of t.fields) tbody.append(fieldRow(type, name, label, dataType, t.secret.includes(name)));
    table.append(tbody);
    filter.addEventListener("input", () => {
      const n = filter.value.trim().toLowerCase();
      for (const row of tbody.rows) row.hidden = n !== "" && !row.dataset.search.includes(n);
    });
    box.append(h("div", { class: "fields-head" }, h("h3", {}, `Fields of ${t.label}`), filter), h("div", { class: "fields-scroll" }, table));
    return box;
  }

  function fieldRow(type, name, label, dataType, secret) {
    const rule = fieldRule(type, name);
    const own = has(state.fields, `${type}.${name}`);
    const fromAny = !own && has(state.fields, `*.${name}`);
    const see = h("input", { type: "checkbox", checked: rule.see && !secret, disabled: secret, "aria-label": `See ${label}`, dataset: { focusKey: `${type}|see|${name}` } });
    const edit = h("input", { type: "checkbox", checked: rule.edit && rule.see && !secret, disabled: secret || !rule.see, "aria-label": `Edit ${label}`, dataset: { focusKey: `${type}|edit|${name}` } });
    const row = h(
      "tr",
      { dataset: { field: name, search: `${label} ${name}`.toLowerCase() }, class: own ? "own-rule" : "" },
      h("td", {}, label, " ", h("code", { class: "muted" }, name), " ", h("span", { class: "muted small" }, dataType)),
      h("td", { class: "center" }, see),
      h("td", { class: "center" }, edit),
      h("td", { class: "muted small" }, secret ? "Never readable (a secret)" : own ? "Own rule" : fromAny ? "From the rule for every type" : ""),
    );
    const update = () => {
      const next = { see: see.checked, edit: see.checked && edit.checked };
      setField(type, name, next);
      const fresh = fieldRow(type, name, label, dataType, secret);
      row.replaceWith(fresh);
      fresh.querySelector(`[data-focus-key="${CSS.escape(document.activeElement === see ? see.dataset.focusKey : edit.dataset.focusKey)}"]`)?.focus();
    };
    see.addEventListener("change", update);
    edit.addEventListener("change", update);
    return row;
  }

  // Field rules for every type ("*.field"): the ones the role has, and a box to add one.
  function anyFieldsEditor() {
    const box = h("div", { class: "fields-editor" }, h("h3", {}, "Field rules for every type"));
    const keys = Object.keys(state.fields).filter((key) => key.startsWith("*.")).sort();
    const tbody = h("tbody");
    for (const key of keys) {
      const name = key.slice(2);
      const rule = state.fields[key];
      const see = h("input", { type: "checkbox", checked: rule.see, "aria-label": `See ${name}` });
      const edit = h("input", { type: "checkbox", checked: rule.edit && rule.see, disabled: !rule.see, "aria-label": `Edit ${name}` });
      const change = () => {
        state.fields[key] = { see: see.checked, edit: see.checked && edit.checked };
        renderRows();
        syncDirty();
      };
      see.addEventListener("change", change);
      edit.addEventListener("change", change);
      const remove = h("button", { type: "button", class: "link-button", onclick: () => { delete state.fields[key]; renderRows(); syncDirty(); } }, "Remove");
      tbody.append(h("tr", {}, h("td", {}, h("code", {}, name)), h("td", { class: "center" }, see), h("td", { class: "center" }, edit), h("td", {}, remove)));
    }
    const table = h("table", { class: "fields-table" }, h("thead", {}, h("tr", {}, h("th", {}, "Field (on any type)"), h("th", {}, "See"), h("th", {}, "Edit"), h("th", {}, ""))), tbody);
    const input = h("input", { type: "text", placeholder: "field name, e.g. sg_budget", "aria-label": "Field name for a rule on every type" });
    const add = h("button", {
      type: "button",
      onclick: () => {
        const name = input.value.trim();
        if (!/^\w+$/.test(name)) {
          Callsheet.toast("A field name is letters, digits and underscores.", "error");
          return;
        }
        state.fields[`*.${name}`] = { see: true, edit: false };
        renderRows();
        syncDirty();
      },
    }, "Add a rule");
    box.append(
      keys.length ? table : h("p", { class: "muted" }, "No field rules for every type."),
      h("p", { class: "inline-form" }, input, add, h("span", { class: "muted small" }, "A rule on a type's own field wins over this one.")),
    );
    return box;
  }

  // -- settings, saving, leaving ---------------------------------------------------------------
  for (const box of document.querySelectorAll("[data-flag]")) {
    box.addEventListener("change", () => {
      state.flags[box.dataset.flag] = box.checked;
      if (box.dataset.flag === "may_see_event_log") renderRow("EventLogEntry");
      syncDirty();
    });
  }
  function syncFlags() {
    for (const box of document.querySelectorAll("[data-flag]")) box.checked = Boolean(state.flags[box.dataset.flag]);
  }

  function documentOf(model) {
    const entities = { [ANY]: Object.fromEntries(ACTIONS.map((a) => [a, withoutText(model.defaults[a])])) };
    for (const type of Object.keys(model.entities).sort()) {
      const rules = model.entities[type];
      if (sameRules(rules, model.defaults)) continue; // the same as every other type: no own rules
      entities[type] = Object.fromEntries(ACTIONS.map((a) => [a, withoutText(rules[a])]));
    }
    const fields = {};
    for (const key of Object.keys(model.fields).sort()) fields[key] = model.fields[key];
    return { ...model.flags, entities, fields };
  }

  const saveButton = $("#save");
  const discardButton = $("#discard");
  const saveState = $("#save-state");
  const saveError = $("#save-error");

  function syncDirty() {
    dirty = JSON.stringify(documentOf(state)) !== JSON.stringify(documentOf(saved));
    $("#save-bar").dataset.dirty = String(dirty);
    saveButton.disabled = !dirty;
    discardButton.disabled = !dirty;
    saveState.textContent = dirty ? "Unsaved changes." : "No unsaved changes.";
  }

  async function save() {
    saveButton.disabled = true;
    saveState.textContent = "Saving…";
    try {
      const results = await Callsheet.post(`/admin/permissions/${data.model.id}/rules`, {
        rules: documentOf(state), version: saved.version,
      });
      saved = clone(results.model);
      state = clone(results.model);
      pending.clear();
      saveError.hidden = true;
      syncFlags();
      renderRows();
      syncDirty();
      saveState.textContent = "Saved.";
      Callsheet.toast(`Saved the rules of ${data.model.name}.`, "ok");
    } catch (error) {
      saveError.textContent = `Not saved: ${error.message}`;
      saveError.hidden = false;
      Callsheet.toast(`Not saved: ${error.message}`, "error");
      syncDirty();
    }
  }
  saveButton.addEventListener("click", save);
  discardButton.addEventListener("click", () => {
    state = clone(saved);
    pending.clear();
    saveError.hidden = true;
    syncFlags();
    renderRows();
    syncDirty();
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (dirty) save();
    }
  });

  // -- filter, show all, keyboard --------------------------------------------------------------
  $("#type-count").textContent = String(types.length);
  $("#type-filter").addEventListener("input", (event) => {
    needle = event.target.value.trim().toLowerCase();
    renderRows();
  });
  showAll.addEventListener("change", renderRows);

  // Arrow keys move between the matrix's cells (the expander is column -1).
  body.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!target.matches("button.cell, button.expander")) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const typeRows = Array.from(body.querySelectorAll("tr.type-row"));
    const rowIndex = typeRows.indexOf(target.closest("tr"));
    const nextRow = typeRows[Math.min(Math.max(rowIndex + move[0], 0), typeRows.length - 1)];
    const col = Math.min(Math.max(Number(target.dataset.col) + move[1], -1), COLUMNS.length - 1);
    nextRow?.querySelector(`[data-col="${col}"]`)?.focus();
  });

  syncFlags();
  if (data.own_role) $("#flag-admin").disabled = true;
  renderRows();
  syncDirty();
})();
