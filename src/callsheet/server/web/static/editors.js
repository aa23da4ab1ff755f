// Callsheet field editors: one editor per ShotGrid data type, shared by the grid and detail pages.
//
// API
//   const editor = window.CallsheetEditors.open(cellElement, {
//     entityType: "Shot",              // the entity's type
//     entityId: 12,                    // optional: the entity being edited
//     field: "sg_status_list",         // the field's system name
//     fieldSchema: {...},              // see below
//     value: <current value as the API reads it>,
//     projectId: 3,                    // optional: entity pickers search this project first
//     onSave: async (newValue) => {},  // write it (e.g. Callsheet.rpc("update", ...)); may throw
//     onCancel: () => {},              // optional: called when the edit is abandoned
//   });
//   editor.close();                    // abandon from outside (calls onCancel)
//   CallsheetEditors.isEditable(fieldSchema) -> bool   // has an inline editor and is editable
//   CallsheetEditors.toWireValue / fromInputValue are internal.
//
// fieldSchema is either the page's normalised shape
//   {name, data_type, display_name, editable, valid_values: [...], valid_types: [...],
//    value_labels: {code: label}, value_colors: {code: "r,g,b"}}
// or a raw schema_field_read entry ({data_type: {value}, properties: {valid_values: {value}}, ...});
// both are accepted.
//
// Behaviour: the editor floats over the cell (appended to <body>, so grids that clip overflow
// do not cut pickers). Enter saves, Escape cancels, Tab saves; clicking outside saves a typed
// value and abandons a picker. While onSave runs the editor is disabled; when onSave throws, the
// message is shown as an error toast, the editor closes and the caller keeps the old value.
// Entity pickers search through POST /web/grid/search ({types, text, project_id}).
// Values given to onSave are in the API's write shapes: text, numbers, booleans, "YYYY-MM-DD",
// "YYYY-MM-DDTHH:MM:SSZ" (UTC), list codes, {type, id, name} dicts (the engine ignores `name`),
// lists of them, lists of tag names.
"use strict";
(function () {
  const INTEGER_TYPES = new Set(["number", "integer", "duration", "percent", "timecode"]);
  const FLOAT_TYPES = new Set(["float", "currency"]);
  const EDITABLE_TYPES = new Set([
    "text", "number", "integer", "duration", "percent", "timecode", "float", "currency",
    "checkbox", "date", "date_time", "list", "status_list", "entity", "multi_entity",
    "tag_list", "color", "entity_type", "footage",
  ]);
  const LONG_TEXT_FIELDS = new Set(["description", "sg_description", "content", "reply_content"]);

  // Either schema shape -> {name, data_type, editable, valid_values, valid_types, ...}.
  function normalise(schema, field) {
    if (!schema) return { name: field, data_type: "text", editable: true, valid_values: [], valid_types: [] };
    const plain = (v) => (v && typeof v === "object" && "value" in v ? v.value : v);
    const props = schema.properties || {};
    return {
      name: schema.name || field,
      data_type: plain(schema.data_type) || "text",
      display_name: plain(schema.display_name) || field,
      editable: plain(schema.editable) !== false,
      valid_values: schema.valid_values || plain(props.valid_values) || [],
      valid_types: schema.valid_types || plain(props.valid_types) || [],
      value_labels: schema.value_labels || {},
      value_colors: schema.value_colors || {},
      display_name_fields: schema.display_name_fields || {},
    };
  }

  function isEditable(schema, field) {
    const s = normalise(schema, field);
    return s.editable && EDITABLE_TYPES.has(s.data_type);
  }

  const el = Callsheet.el;

  const pad = (n) => String(n).padStart(2, "0");
  // "2024-05-01T10:00:00Z" -> "2024-05-01T12:00" in the browser's time zone (datetime-local).
  function utcToLocalInput(value) {
    if (!value) return "";
    const d = new Date(value);
    if (isNaN(d)) return "";
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  function localInputToUtc(text) {
    if (!text) return null;
    const d = new Date(text);
    if (isNaN(d)) throw new Error(`"${text}" is not a date and time.`);
    return d.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  const entityLabel = (e) => (e && (e.name || e.code || e.content)) || (e ? `${e.type} #${e.id}` : "");
  const sameEntity = (a, b) => a && b && a.type === b.type && Number(a.id) === Number(b.id);

  // Where the floating editor goes: over the cell, at least as wide as a comfortable input.
  // Inside a modal <dialog> (the top layer) the editor must live in the dialog to be reachable.
  const hostOf = (cell) => cell.closest("dialog[open]") || document.body;
  function place(box, cell, minWidth) {
    const rect = cell.getBoundingClientRect();
    const host = hostOf(cell);
    if (host === document.body) {
      box.style.left = `${Math.max(4, rect.left + window.scrollX)}px`;
      box.style.top = `${rect.top + window.scrollY}px`;
    } else {
      const base = host.getBoundingClientRect();
      box.style.left = `${rect.left - base.left + host.scrollLeft}px`;
      box.style.top = `${rect.top - base.top + host.scrollTop}px`;
    }
    box.style.minWidth = `${Math.max(rect.width, minWidth)}px`;
    box.style.minHeight = `${rect.height}px`;
  }

  let current = null; // one editor at a time

  function open(cell, options) {
    if (current) current.close();
    const schema = normalise(options.fieldSchema, options.field);
    const type = schema.data_type;
    const box = el("div", { class: `cs-editor cs-editor-${type}`, role: "dialog", "aria-label": `Edit ${schema.display_name}` });
    box.dataset.field = options.field;
    let finished = false;
    let build;

    const handle = {
      element: box,
      close() { finish(null); },
    };

    function teardown() {
      document.removeEventListener("mousedown", outside, true);
      window.removeEventListener("resize", reposition);
      box.remove();
      cell.classList.remove("cs-editing");
      if (current === handle) current = null;
    }

    // result null -> cancelled; {value} -> save it
    async function finish(result) {
      if (finished) return;
      if (result === null) {
        finished = true;
        teardown();
        if (options.onCancel) options.onCancel();
        return;
      }
      finished = true;
      box.classList.add("cs-busy");
      for (const input of box.querySelectorAll("input, button, select, textarea")) input.disabled = true;
      try {
        await options.onSave(result.value);
      } catch (error) {
        if (window.Callsheet) window.Callsheet.toast(error.message || String(error), "error");
        if (options.onCancel) options.onCancel(error);
      } finally {
        teardown();
      }
    }

    function save() {
      try {
        const value = build.read();
        if (build.unchanged && build.unchanged(value)) return finish(null);
        return finish({ value });
      } catch (error) {
        if (window.Callsheet) window.Callsheet.toast(error.message, "error");
        return undefined;
      }
    }

    function outside(event) {
      if (box.contains(event.target)) return;
      if (build.saveOnOutside) save(); else finish(null);
    }
    function reposition() { place(box, cell, build.minWidth || 160); }

    const context = { box, schema, options, save, finish, cell };
    const factory = EDITORS[type] || (INTEGER_TYPES.has(type) || FLOAT_TYPES.has(type) ? numberEditor : textEditor);
    build = factory(context);

    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); finish(null); }
      else if (event.key === "Enter" && !event.shiftKey && !build.ownsEnter) { event.preventDefault(); event.stopPropagation(); save(); }
      else if (event.key === "Tab" && !build.ownsTab) { event.preventDefault(); save(); }
      event.stopPropagation(); // the grid's own keys stay out of the editor
    });
    // keep clicks inside the editor from reaching the grid underneath
    box.addEventListener("click", (event) => event.stopPropagation());
    box.addEventListener("contextmenu", (event) => event.stopPropagation());

    cell.classList.add("cs-editing");
    hostOf(cell).appendChild(box);
    reposition();
    current = handle;
    // defer so the click that opened the editor does not close it
    setTimeout(() => {
      if (!finished) document.addEventListener("mousedown", outside, true);
    }, 0);
    window.addEventListener("resize", reposition);
    if (build.focus) build.focus();
    return handle;
  }

  // -- scalar editors ----------------------------------------------------------------------

  function textEditor({ box, schema, options }) {
    const long = LONG_TEXT_FIELDS.has(schema.name) || /\n/.test(options.value || "");
    const input = long ? el("textarea", { rows: 4, class: "cs-input" }) : el("input", { type: "text", class: "cs-input" });
    input.value = options.value ?? "";
    box.append(input);
    if (long) box.append(el("div", { class: "cs-hint", text: "Enter saves · Shift+Enter new line · Esc cancels" }));
    return {
      minWidth: long ? 320 : 180,
      saveOnOutside: true,
      read: () => (input.value === "" ? null : input.value),
      unchanged: (v) => (v ?? null) === (options.value ?? null),
      focus: () => { input.focus(); input.select(); },
    };
  }

  function numberEditor({ box, schema, options }) {
    const integer = INTEGER_TYPES.has(schema.data_type);
    const input = el("input", { type: "number", class: "cs-input", step: integer ? "1" : "any" });
    input.value = options.value ?? "";
    box.append(input);
    return {
      saveOnOutside: true,
      read: () => {
        const text = input.value.trim();
        if (text === "") {
          if (input.validity && input.validity.badInput) throw new Error(`${schema.display_name} takes a number.`);
          return null;
        }
        const number = Number(text);
        if (!Number.isFinite(number)) throw new Error(`${schema.display_name} takes a number, not "${text}".`);
        if (integer && !Number.isInteger(number)) throw new Error(`${schema.display_name} takes a whole number, not ${text}.`);
        return number;
      },
      unchanged: (v) => v === (options.value ?? null),
      focus: () => { input.focus(); input.select(); },
    };
  }

  function checkboxEditor({ box, options }) {
    const input = el("input", { type: "checkbox", class: "cs-check" });
    input.checked = Boolean(options.value);
    box.append(el("label", { class: "cs-check-label" }, input, document.createTextNode(" Yes")));
    return {
      saveOnOutside: true,
      read: () => input.checked,
      unchanged: (v) => v === Boolean(options.value),
      focus: () => input.focus(),
    };
  }

  function dateEditor({ box, options }) {
    const input = el("input", { type: "date", class: "cs-input" });
    input.value = options.value || "";
    const clear = el("button", { type: "button", class: "cs-clear", text: "Clear" });
    clear.addEventListener("click", () => { input.value = ""; input.focus(); });
    box.append(input, clear);
    return {
      minWidth: 200,
      saveOnOutside: true,
      read: () => input.value || null,
      unchanged: (v) => v === (options.value || null),
      focus: () => input.focus(),
    };
  }

  function dateTimeEditor({ box, options }) {
    const input = el("input", { type: "datetime-local", class: "cs-input" });
    input.value = utcToLocalInput(options.value);
    const initial = input.value;
    const clear = el("button", { type: "button", class: "cs-clear", text: "Clear" });
    clear.addEventListener("click", () => { input.value = ""; input.focus(); });
    box.append(input, clear);
    return {
      minWidth: 260,
      saveOnOutside: true,
      read: () => localInputToUtc(input.value),
      unchanged: () => input.value === initial,
      focus: () => input.focus(),
    };
  }

  // -- pickers -----------------------------------------------------------------------------

  // A filterable option list with keyboard navigation; `choose(option)` is called on pick.
  function optionList(box, { placeholder, choose, render }) {
    const search = el("input", { type: "search", class: "cs-input cs-search", placeholder, "aria-label": placeholder, autocomplete: "off" });
    const list = el("ul", { class: "cs-options", role: "listbox" });
    box.append(search, list);
    let options = [];
    let active = -1;

    function show(items, preferred = 0) {
      options = items;
      list.replaceChildren();
      items.forEach((item, index) => {
        const li = el("li", { role: "option", "data-index": index });
        li.append(render(item));
        li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(item); });
        list.append(li);
      });
      if (!items.length) list.append(el("li", { class: "cs-none", text: "No matches" }));
      highlight(items.length ? Math.max(0, Math.min(preferred, items.length - 1)) : -1);
    }
    function highlight(index) {
      active = index;
      list.querySelectorAll("li[role=option]").forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
      const node = list.querySelector(`li[data-index="${index}"]`);
      if (node) node.scrollIntoView({ block: "nearest" });
    }
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, options.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        event.stopPropagation();
        if (active >= 0 && options[active] !== undefined) choose(options[active]);
      }
    });
    return { search, list, show, activeOption: () => options[active] };
  }

  function swatch(color) {
    const dot = el("span", { class: "cs-swatch" });
    if (color) dot.style.background = `rgb(${color})`;
    return dot;
  }

  function listEditor({ box, schema, options, finish }) {
    const labels = schema.value_labels || {};
    const colors = schema.value_colors || {};
    const values = [null, ...schema.valid_values];
    const label = (code) => (code === null ? "— none —" : labels[code] ? `${labels[code]} (${code})` : code);
    const picker = optionList(box, {
      placeholder: `Find ${schema.display_name.toLowerCase()}…`,
      choose: (code) => (code === (options.value ?? null) ? finish(null) : finish({ value: code })),
      render: (code) => {
        const row = el("span", { class: "cs-option" });
        if (schema.data_type === "status_list" && code !== null) row.append(swatch(colors[code]));
        row.append(document.createTextNode(label(code)));
        if (code === (options.value ?? null)) row.classList.add("cs-current");
        return row;
      },
    });
    const filter = () => {
      const text = picker.search.value.trim().toLowerCase();
      const shown = values.filter((code) => !text || label(code).toLowerCase().includes(text));
      // with nothing typed, the current value is highlighted (Enter keeps it)
      picker.show(shown, text ? 0 : shown.indexOf(options.value ?? null));
    };
    picker.search.addEventListener("input", filter);
    filter();
    return {
      minWidth: 220,
      ownsEnter: true,
      read: () => picker.activeOption() ?? null,
      focus: () => picker.search.focus(),
    };
  }

  // Search entities of the field's valid types (server side; see grid.py `search`).
  async function searchEntities(schema, options, text) {
    if (!window.Callsheet) return [];
    return window.Callsheet.post("/web/grid/search", {
      types: schema.valid_types,
      text,
      project_id: options.projectId ?? null,
      entity_type: options.entityType,
      field: options.field,
    });
  }

  function entityRow(entity) {
    const row = el("span", { class: "cs-option" });
    row.append(el("span", { class: "cs-entity-type", text: entity.type }), document.createTextNode(" " + entityLabel(entity)));
    return row;
  }

  function searcher(picker, schema, options, exclude) {
    let serial = 0;
    let timer = null;
    async function run() {
      const mine = ++serial;
      try {
        const found = await searchEntities(schema, options, picker.search.value.trim());
        if (mine !== serial) return;
        picker.show(found.filter((e) => !exclude().some((x) => sameEntity(x, e))));
      } catch (error) {
        if (window.Callsheet) window.Callsheet.toast(error.message, "error");
      }
    }
    picker.search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
    });
    return run;
  }

  function entityEditor({ box, schema, options, finish }) {
    const currentValue = options.value || null;
    const head = el("div", { class: "cs-entity-current" });
    head.append(el("span", { class: "muted", text: currentValue ? entityLabel(currentValue) : "Not set" }));
    if (currentValue) {
      const clear = el("button", { type: "button", class: "cs-clear", text: "Clear" });
      clear.addEventListener("click", () => finish({ value: null }));
      head.append(clear);
    }
    box.append(head);
    const picker = optionList(box, {
      placeholder: `Search ${schema.valid_types.join(", ") || "entities"}…`,
      choose: (entity) => (sameEntity(entity, currentValue) ? finish(null) : finish({ value: { type: entity.type, id: entity.id, name: entity.name } })),
      render: entityRow,
    });
    const run = searcher(picker, schema, options, () => []);
    run();
    return {
      minWidth: 300,
      ownsEnter: true,
      read: () => { const e = picker.activeOption(); return e ? { type: e.type, id: e.id, name: e.name } : currentValue; },
      focus: () => picker.search.focus(),
    };
  }

  // Chips for the chosen items, with a remove button each.
  function chips(container, items, labelOf, onRemove) {
    container.replaceChildren();
    items.forEach((item, index) => {
      const chip = el("span", { class: "cs-chip" }, document.createTextNode(labelOf(item)));
      const remove = el("button", { type: "button", class: "cs-chip-remove", "aria-label": `Remove ${labelOf(item)}`, text: "×" });
      remove.addEventListener("click", () => onRemove(index));
      chip.append(remove);
      container.append(chip);
    });
    if (!items.length) container.append(el("span", { class: "muted", text: "None" }));
  }

  function saveBar(box, save, cancel) {
    const bar = el("div", { class: "cs-actions" });
    const ok = el("button", { type: "button", class: "primary cs-save", text: "Save" });
    const no = el("button", { type: "button", class: "cs-cancel", text: "Cancel" });
    ok.addEventListener("click", save);
    no.addEventListener("click", cancel);
    bar.append(ok, no);
    box.append(bar);
  }

  function multiEntityEditor({ box, schema, options, save, finish }) {
    const chosen = [...(options.value || [])];
    const initial = JSON.stringify(chosen.map((e) => [e.type, e.id]));
    const chipBox = el("div", { class: "cs-chips" });
    box.append(chipBox);
    const redraw = () => chips(chipBox, chosen, entityLabel, (i) => { chosen.splice(i, 1); redraw(); run(); });
    const picker = optionList(box, {
      placeholder: `Add ${schema.valid_types.join(", ") || "entities"}…`,
      choose: (entity) => { chosen.push(entity); redraw(); picker.search.value = ""; run(); picker.search.focus(); },
      render: entityRow,
    });
    const run = searcher(picker, schema, options, () => chosen);
    redraw();
    run();
    saveBar(box, save, () => finish(null));
    // Enter on an empty search saves the list; on a search it adds the highlighted match.
    picker.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !picker.search.value.trim()) { event.preventDefault(); save(); }
    }, true);
    return {
      minWidth: 320,
      ownsEnter: true,
      read: () => chosen.map((e) => ({ type: e.type, id: e.id, name: entityLabel(e) })),
      unchanged: (v) => JSON.stringify(v.map((e) => [e.type, e.id])) === initial,
      focus: () => picker.search.focus(),
    };
  }

  function tagListEditor({ box, options, save, finish }) {
    const tags = [...(options.value || [])];
    const initial = JSON.stringify(tags);
    const chipBox = el("div", { class: "cs-chips" });
    const input = el("input", { type: "text", class: "cs-input", placeholder: "Add a tag, Enter", "aria-label": "Add a tag" });
    box.append(chipBox, input);
    const redraw = () => chips(chipBox, tags, (t) => t, (i) => { tags.splice(i, 1); redraw(); });
    redraw();
    saveBar(box, save, () => finish(null));
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey) return;
      event.preventDefault();
      event.stopPropagation();
      const tag = input.value.trim().replace(/,$/, "");
      if (!tag) { save(); return; }
      if (!tags.includes(tag)) tags.push(tag);
      input.value = "";
      redraw();
    });
    return {
      minWidth: 280,
      ownsEnter: true,
      read: () => {
        const pending = input.value.trim();
        if (pending && !tags.includes(pending)) tags.push(pending);
        return tags;
      },
      unchanged: (v) => JSON.stringify(v) === initial,
      focus: () => input.focus(),
    };
  }

  const EDITORS = {
    text: textEditor,
    color: textEditor,
    entity_type: textEditor,
    footage: textEditor,
    checkbox: checkboxEditor,
    date: dateEditor,
    date_time: dateTimeEditor,
    list: listEditor,
    status_list: listEditor,
    entity: entityEditor,
    multi_entity: multiEntityEditor,
    tag_list: tagListEditor,
  };

  window.CallsheetEditors = { open, isEditable, normalise, entityLabel, utcToLocalInput, localInputToUtc };
})();
