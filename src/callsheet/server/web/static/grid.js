// Callsheet entity page: the grid of one entity type (a Page record).
//
// Server-side paging, sorting, filtering and counting (POST /web/grid/rows); inline edits and
// "+ Add" through /web/rpc as the signed-in person (so the event log has this window's
// session_uuid). For the Action Menu Items module:
//   window.CallsheetGrid.state()        -> {entity_type, page_id, project, title, view, columns,
//                                          sorts, filters, selected_ids, all_ids_count}
//   window.CallsheetGrid.refreshRows(ids) re-reads those rows (rows that are gone disappear)
//   window.CallsheetGrid.allIds()         -> Promise of every matching id (the payload's `ids`)
//   window.CallsheetGrid.reload()         re-reads the page
// Right-clicking a row dispatches `callsheet:contextmenu` on document with
// {x, y, source: "grid", state, builtins}; without window.CallsheetMenu the grid shows its own
// small menu of the builtins.
"use strict";
(function () {
  const data = Callsheet.pageData("grid-data");
  if (!data) return;
  const Editors = window.CallsheetEditors;
  const fields = data.fields;
  const entityType = data.entity_type;
  const project = data.project;
  const nameField = data.display_name_field;
  const storeKey = (what) => `callsheet.grid.${data.page_id}.${what}`;
  const $ = (id) => document.getElementById(id);

  const el = Callsheet.el;

  function remembered(what, fallback) {
    try {
      const value = JSON.parse(localStorage.getItem(storeKey(what)));
      return value ?? fallback;
    } catch { return fallback; }
  }
  const remember = (what, value) => { try { localStorage.setItem(storeKey(what), JSON.stringify(value)); } catch { /* private mode */ } };

  // -- state --------------------------------------------------------------------------------
  const state = {
    columns: remembered("columns", data.default_columns).filter((f) => fields[f]),
    sorts: remembered("sorts", nameField ? [{ field: nameField, direction: "asc" }] : [])
      .filter((s) => fields[s.field] && fields[s.field].sortable),
    filters: { logical_operator: "and", conditions: [] },
    quick: "",
    page: 1,
    perPage: remembered("per_page", 50),
    rows: [],
    total: 0,
    selected: new Set(),
    anchor: null,   // index of the last plainly clicked row (shift-click ranges start here)
    cursor: null,   // index of the keyboard cursor
    loading: 0,
  };
  if (!data.page_sizes.includes(state.perPage)) state.perPage = 50;
  if (!state.columns.length) state.columns = [...data.default_columns];

  const table = $("grid-table");
  const thead = table.tHead.rows[0];
  const tbody = table.tBodies[0];
  const scroller = $("grid-scroll");

  // -- values -------------------------------------------------------------------------------
  const entityLabel = (e) => (e && (e.name || e.code || e.content)) || (e ? `${e.type} #${e.id}` : "");
  const detailUrl = (e) => `/detail/${encodeURIComponent(e.type)}/${Number(e.id)}`;
  const pad = (n) => String(n).padStart(2, "0");
  function localDateTime(text) {
    const d = new Date(text);
    if (isNaN(d)) return String(text);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function entityLink(value) {
    return el("a", { href: detailUrl(value), class: "entity-link", "data-type": value.type, text: entityLabel(value) });
  }

  // The content of one cell: a node (links, swatches, thumbnails) for a field's value.
  function renderValue(field, value, row) {
    const f = fields[field] || { data_type: "text" };
    if (field === nameField && value !== null && value !== undefined && value !== "") {
      return el("a", { href: detailUrl(row), class: "entity-link name-link", text: String(value) });
    }
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
      if (f.data_type === "image") return el("span", { class: "thumb-sm thumb-empty", "aria-hidden": "true" });
      return document.createTextNode("");
    }
    switch (f.data_type) {
      case "image":
        return typeof value === "string" ? el("img", { class: "thumb-sm grid-thumb", src: value, alt: "", loading: "lazy" }) : el("span", { class: "thumb-sm thumb-empty" });
      case "entity":
        return typeof value === "object" ? entityLink(value) : document.createTextNode(String(value));
      case "multi_entity": {
        const box = el("span", { class: "multi" });
        value.forEach((item, i) => { if (i) box.append(", "); box.append(entityLink(item)); });
        return box;
      }
      case "status_list": {
        const label = (f.value_labels || {})[value] || value;
        const node = el("span", { class: "status", title: label, text: value });
        const color = (f.value_colors || {})[value];
        if (color) node.style.setProperty("--swatch", color);
        return node;
      }
      case "checkbox":
        return el("span", { class: value ? "check on" : "check", "aria-label": value ? "Yes" : "No", text: value ? "✓" : "" });
      case "date_time":
        return document.createTextNode(localDateTime(value));
      case "tag_list": {
        const box = el("span", { class: "tags" });
        for (const tag of value) box.append(el("span", { class: "tag", text: tag }));
        return box;
      }
      case "url":
        if (typeof value === "object" && (value.url || value.name)) {
          const href = Callsheet.safeHref(value.url);
          return href ? el("a", { href, target: "_blank", rel: "noopener", text: value.name || value.url }) : document.createTextNode(value.name || value.url);
        }
        return document.createTextNode(String(value));
      case "float":
      case "currency":
        return document.createTextNode(typeof value === "number" ? String(Math.round(value * 1e6) / 1e6) : String(value));
      case "color":
        if (/^\d+,\d+,\d+$/.test(value)) {
          const swatch = el("span", { class: "color-swatch" });
          swatch.style.background = `rgb(${value})`;
          return el("span", { class: "color" }, swatch, document.createTextNode(value));
        }
        return document.createTextNode(String(value));
      default:
        if (typeof value === "object") return document.createTextNode(Array.isArray(value) ? value.map((v) => entityLabel(v) || v).join(", ") : JSON.stringify(value));
        return document.createTextNode(String(value));
    }
  }

  // -- header -------------------------------------------------------------------------------
  function renderHeader() {
    thead.replaceChildren();
    const all = el("input", { type: "checkbox", id: "grid-select-all", "aria-label": "Select all rows on this page" });
    all.addEventListener("change", () => {
      state.selected = all.checked ? new Set(state.rows.map((r) => r.id)) : new Set();
      paintSelection();
    });
    thead.append(el("th", { class: "col-select" }, all));
    for (const field of state.columns) {
      const f = fields[field];
      const sortIndex = state.sorts.findIndex((s) => s.field === field);
      const th = el("th", { "data-field": field, class: `col-${f.data_type}` + (f.sortable ? " sortable" : ""), scope: "col" });
      const label = el("span", { class: "col-label", text: f.display_name });
      th.append(label);
      if (sortIndex >= 0) {
        const sort = state.sorts[sortIndex];
        th.setAttribute("aria-sort", sort.direction === "asc" ? "ascending" : "descending");
        th.append(el("span", { class: "sort-mark", text: (sort.direction === "asc" ? "▲" : "▼") + (state.sorts.length > 1 ? sortIndex + 1 : "") }));
      }
      if (f.sortable) {
        th.title = "Click to sort; Shift+click adds a second sort";
        th.addEventListener("click", (event) => sortBy(field, event.shiftKey));
      }
      thead.append(th);
    }
  }

  function sortBy(field, add) {
    const existing = state.sorts.find((s) => s.field === field);
    if (add) {
      if (existing) existing.direction = existing.direction === "asc" ? "desc" : "asc";
      else state.sorts.push({ field, direction: "asc" });
      state.sorts = state.sorts.slice(-3);
    } else {
      const direction = existing && state.sorts.length === 1 && existing.direction === "asc" ? "desc" : "asc";
      state.sorts = [{ field, direction }];
    }
    remember("sorts", state.sorts);
    state.page = 1;
    renderHeader();
    load();
  }

  // -- rows ---------------------------------------------------------------------------------
  function renderRow(row) {
    const tr = el("tr", { "data-id": row.id, "aria-selected": "false" });
    const box = el("input", { type: "checkbox", class: "row-check", "aria-label": `Select ${entityLabel({ ...row, name: row[nameField] })}` });
    tr.append(el("td", { class: "col-select" }, box));
    for (const field of state.columns) {
      const f = fields[field];
      const td = el("td", { "data-field": field, class: `col-${f.data_type}` + (f.editable ? " editable" : "") });
      td.append(renderValue(field, row[field], row));
      tr.append(td);
    }
    return tr;
  }

  function renderRows() {
    tbody.replaceChildren(...state.rows.map(renderRow));
    $("grid-empty").hidden = state.rows.length > 0 || state.loading > 0;
    paintSelection();
    renderFooter();
  }

  function paintSelection() {
    state.rows.forEach((row, index) => {
      const tr = tbody.rows[index];
      if (!tr) return;
      const on = state.selected.has(row.id);
      tr.setAttribute("aria-selected", String(on));
      tr.classList.toggle("selected", on);
      tr.classList.toggle("cursor", index === state.cursor);
      tr.querySelector(".row-check").checked = on;
    });
    const all = $("grid-select-all");
    if (all) {
      const count = state.rows.filter((r) => state.selected.has(r.id)).length;
      all.checked = count > 0 && count === state.rows.length;
      all.indeterminate = count > 0 && count < state.rows.length;
    }
    const n = state.selected.size;
    $("grid-status").textContent = n ? `${n} selected` : "";
  }

  function renderFooter() {
    const pages = Math.max(1, Math.ceil(state.total / state.perPage));
    const first = state.total ? (state.page - 1) * state.perPage + 1 : 0;
    const last = Math.min(state.total, state.page * state.perPage);
    const noun = state.total === 1 ? data.entity_display_name : data.title;
    $("grid-count").textContent = `${first.toLocaleString()}–${last.toLocaleString()} of ${state.total.toLocaleString()} ${noun}`;
    $("grid-count").dataset.total = String(state.total);
    $("page-label").textContent = `Page ${state.page} of ${pages}`;
    $("page-first").disabled = $("page-prev").disabled = state.page <= 1;
    $("page-next").disabled = $("page-last").disabled = state.page >= pages;
  }

  // The filters as the wire takes them: the filter bar's conditions plus the quick search.
  function effectiveFilters() {
    const conditions = [...state.filters.conditions];
    if (state.quick && nameField) {
      if (!conditions.length || state.filters.logical_operator === "and") {
        conditions.push({ path: nameField, relation: "contains", values: [state.quick] });
        return { logical_operator: "and", conditions };
      }
      return { logical_operator: "and", conditions: [{ path: nameField, relation: "contains", values: [state.quick] }, state.filters] };
    }
    return { logical_operator: state.filters.logical_operator, conditions };
  }

  const request = () => ({
    entity_type: entityType,
    project_id: project ? project.id : null,
    columns: state.columns,
    sorts: state.sorts,
    filters: effectiveFilters(),
  });

  let serial = 0;
  async function load({ keepSelection = false } = {}) {
    const mine = ++serial;
    state.loading++;
    table.classList.add("loading");
    try {
      const answer = await Callsheet.post("/web/grid/rows", { ...request(), page: state.page, per_page: state.perPage });
      if (mine !== serial) return;
      const pages = Math.max(1, Math.ceil(answer.total / state.perPage));
      if (state.page > pages && answer.total > 0) { state.page = pages; state.loading--; load({ keepSelection }); return; }
      state.rows = answer.rows;
      state.total = answer.total;
      const visible = new Set(state.rows.map((r) => r.id));
      state.selected = keepSelection ? new Set([...state.selected].filter((id) => visible.has(id))) : new Set();
      if (!keepSelection) { state.anchor = null; state.cursor = null; }
      if (state.cursor !== null && state.cursor >= state.rows.length) state.cursor = state.rows.length ? state.rows.length - 1 : null;
    } catch (error) {
      if (mine === serial) Callsheet.toast(error.message, "error");
    } finally {
      state.loading--;
      if (mine === serial) {
        table.classList.remove("loading");
        renderRows();
      }
    }
  }

  // Re-read some rows in place (after an edit, or when a script changed them).
  async function refreshRows(ids) {
    const wanted = [...new Set((ids || []).map(Number))].filter((id) => state.rows.some((r) => r.id === id));
    if (!wanted.length) return;
    const answer = await Callsheet.post("/web/grid/refresh", { entity_type: entityType, ids: wanted, columns: state.columns });
    const fresh = new Map(answer.rows.map((r) => [r.id, r]));
    let removed = false;
    const next = [];
    state.rows.forEach((row, index) => {
      if (!wanted.includes(row.id)) { next.push(row); return; }
      const update = fresh.get(row.id);
      if (!update) { removed = true; state.selected.delete(row.id); return; }
      next.push(update);
      const tr = tbody.rows[index];
      if (tr && !removed) tr.replaceWith(renderRow(update));
    });
    state.rows = next;
    if (removed) { state.total = Math.max(0, state.total - (wanted.length - fresh.size)); renderRows(); }
    else paintSelection();
  }

  // -- selection ----------------------------------------------------------------------------
  const rowIndexOf = (tr) => state.rows.findIndex((r) => r.id === Number(tr.dataset.id));

  function selectOnly(index) {
    state.selected = new Set(index === null ? [] : [state.rows[index].id]);
    state.anchor = index;
    state.cursor = index;
  }
  function selectRange(from, to) {
    const [a, b] = from <= to ? [from, to] : [to, from];
    state.selected = new Set(state.rows.slice(a, b + 1).map((r) => r.id));
    state.cursor = to;
  }
  function toggle(index) {
    const id = state.rows[index].id;
    if (state.selected.has(id)) state.selected.delete(id); else state.selected.add(id);
    state.anchor = index;
    state.cursor = index;
  }

  tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr");
    if (!tr) return;
    const index = rowIndexOf(tr);
    if (index < 0) return;
    if (event.target.closest("a")) return; // links navigate
    if (event.target.classList.contains("row-check")) {
      toggle(index);
    } else if (event.shiftKey && state.anchor !== null) {
      selectRange(state.anchor, index);
    } else if (event.ctrlKey || event.metaKey) {
      toggle(index);
    } else {
      selectOnly(index);
    }
    paintSelection();
    scroller.focus({ preventScroll: true });
  });
  // shift-click would otherwise select the page's text
  tbody.addEventListener("mousedown", (event) => { if (event.shiftKey) event.preventDefault(); });

  tbody.addEventListener("dblclick", (event) => {
    const td = event.target.closest("td[data-field]");
    if (!td || event.target.closest("a")) return;
    const tr = td.parentElement;
    editCell(rowIndexOf(tr), td.dataset.field);
  });

  function moveCursor(delta, extend) {
    if (!state.rows.length) return;
    let next = state.cursor === null ? (delta > 0 ? 0 : state.rows.length - 1) : state.cursor + delta;
    next = Math.max(0, Math.min(state.rows.length - 1, next));
    if (extend) {
      if (state.anchor === null) state.anchor = state.cursor ?? next;
      selectRange(state.anchor, next);
    } else {
      selectOnly(next);
    }
    paintSelection();
    tbody.rows[next]?.scrollIntoView({ block: "nearest" });
  }

  scroller.addEventListener("keydown", (event) => {
    if (event.target !== scroller) return;
    const key = event.key;
    if (key === "ArrowDown" || key === "ArrowUp") { event.preventDefault(); moveCursor(key === "ArrowDown" ? 1 : -1, event.shiftKey); }
    else if (key === "Home") { event.preventDefault(); moveCursor(-state.rows.length, event.shiftKey); }
    else if (key === "End") { event.preventDefault(); moveCursor(state.rows.length, event.shiftKey); }
    else if (key === " ") {
      event.preventDefault();
      if (state.cursor === null && state.rows.length) state.cursor = 0;
      if (state.cursor !== null) { toggle(state.cursor); paintSelection(); }
    } else if (key === "Enter") {
      if (state.cursor !== null) { event.preventDefault(); location.href = detailUrl(state.rows[state.cursor]); }
    } else if ((key === "a" || key === "A") && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      state.selected = new Set(state.rows.map((r) => r.id));
      paintSelection();
    } else if (key === "Escape") {
      selectOnly(null); paintSelection();
    } else if (key === "F2" && state.cursor !== null) {
      event.preventDefault();
      const field = state.columns.find((c) => fields[c].editable);
      if (field) editCell(state.cursor, field);
    }
  });

  // -- editing ------------------------------------------------------------------------------
  const withoutNames = (value) => {
    if (Array.isArray(value)) return value.map(withoutNames);
    if (value && typeof value === "object" && "type" in value && "id" in value) return { type: value.type, id: value.id };
    return value;
  };

  async function writeField(ids, field, value) {
    const wire = withoutNames(value);
    if (ids.length === 1) {
      await Callsheet.rpc("update", { type: entityType, id: ids[0], fields: [{ field_name: field, value: wire }] });
    } else {
      await Callsheet.rpc("batch", ids.map((id) => ({ request_type: "update", type: entityType, id, fields: [{ field_name: field, value: wire }] })));
    }
  }

  function editCell(index, field, ids = null) {
    if (index < 0 || index === null || !fields[field]) return;
    const f = fields[field];
    if (!f.editable || !Editors.isEditable(f)) {
      Callsheet.toast(f.data_type === "image" ? "Upload a thumbnail on the detail page." : `${f.display_name} can't be edited here.`, "");
      return;
    }
    const row = state.rows[index];
    const td = tbody.rows[index]?.querySelector(`td[data-field="${CSS.escape(field)}"]`);
    const anchor = td || tbody.rows[index] || scroller;
    const targets = ids || [row.id];
    Editors.open(anchor, {
      entityType,
      entityId: row.id,
      field,
      fieldSchema: f,
      value: row[field],
      projectId: project ? project.id : (row.project ? row.project.id : null),
      onSave: async (value) => {
        await writeField(targets, field, value);
        await refreshRows(targets);
        Callsheet.toast(targets.length > 1 ? `${f.display_name} set on ${targets.length} ${data.title.toLowerCase()}.` : `${f.display_name} saved.`, "ok");
      },
      onCancel: () => scroller.focus({ preventScroll: true }),
    });
  }

  // -- built-in actions and the context menu ------------------------------------------------
  const selectedIds = () => state.rows.filter((r) => state.selected.has(r.id)).map((r) => r.id);

  function chooseField(x, y, then) {
    const editable = Object.values(fields).filter((f) => f.editable && Editors.isEditable(f)).sort((a, b) => a.display_name.localeCompare(b.display_name));
    const menu = popupMenu(x, y, editable.map((f) => ({ label: f.display_name, run: () => then(f.name) })), "Edit which field?");
    menu.classList.add("field-chooser");
  }

  // The built-in actions of the context menu; `at` is where the menu was opened.
  function builtins(clickedField, at) {
    const ids = selectedIds();
    const some = ids.length > 0;
    const clickedEditable = clickedField && fields[clickedField]?.editable && Editors.isEditable(fields[clickedField]);
    const items = [
      {
        label: "Open detail",
        requires_selection: true,
        run: () => { if (ids.length) location.href = detailUrl({ type: entityType, id: ids[0] }); },
      },
      {
        label: clickedEditable ? `Edit ${fields[clickedField].display_name}${ids.length > 1 ? ` on ${ids.length} selected` : ""}…` : "Edit selected field…",
        requires_selection: true,
        run: () => {
          if (!ids.length) return;
          const first = state.rows.findIndex((r) => r.id === ids[0]);
          if (clickedEditable) editCell(first, clickedField, ids);
          else chooseField(at.x, at.y, (field) => editCell(first, field, ids));
        },
      },
      {
        label: some ? `Delete ${ids.length} selected…` : "Delete selected…",
        requires_selection: true,
        run: () => deleteRows(ids),
      },
      { label: "Refresh", requires_selection: false, run: () => load({ keepSelection: true }) },
    ];
    return items;
  }

  async function deleteRows(ids) {
    if (!ids.length) return;
    const noun = ids.length === 1 ? `this ${data.entity_display_name}` : `these ${ids.length} ${data.title}`;
    if (!window.confirm(`Delete ${noun}? They can be revived by an admin.`)) return;
    try {
      await Callsheet.rpc("batch", ids.map((id) => ({ request_type: "delete", type: entityType, id })));
      Callsheet.toast(`Deleted ${ids.length} ${ids.length === 1 ? data.entity_display_name : data.title}.`, "ok");
      await load();
    } catch (error) {
      Callsheet.toast(error.message, "error");
    }
  }

  let openPopup = null;
  function closePopup() { if (openPopup) { openPopup.remove(); openPopup = null; } }
  document.addEventListener("mousedown", (event) => { if (openPopup && !openPopup.contains(event.target)) closePopup(); }, true);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closePopup(); });

  // A small floating menu: items {label, run, disabled}.
  function popupMenu(x, y, items, heading) {
    closePopup();
    const menu = el("div", { class: "grid-popup menu-items", role: "menu" });
    if (heading) menu.append(el("div", { class: "popup-heading", text: heading }));
    for (const item of items) {
      const button = el("button", { type: "button", role: "menuitem", text: item.label, disabled: item.disabled || false });
      button.addEventListener("click", () => { closePopup(); item.run(); });
      menu.append(button);
    }
    document.body.append(menu);
    const rect = menu.getBoundingClientRect();
    menu.style.left = `${Math.min(x, window.innerWidth - rect.width - 8) + window.scrollX}px`;
    menu.style.top = `${Math.min(y, window.innerHeight - rect.height - 8) + window.scrollY}px`;
    openPopup = menu;
    menu.querySelector("button:not([disabled])")?.focus();
    menu.addEventListener("keydown", (event) => {
      const buttons = [...menu.querySelectorAll("button:not([disabled])")];
      const at = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown") { event.preventDefault(); buttons[(at + 1) % buttons.length]?.focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); buttons[(at - 1 + buttons.length) % buttons.length]?.focus(); }
    });
    return menu;
  }

  scroller.addEventListener("contextmenu", (event) => {
    const tr = event.target.closest("tbody tr");
    if (event.target.closest("thead")) return;
    event.preventDefault();
    let clickedField = null;
    if (tr) {
      const index = rowIndexOf(tr);
      if (index >= 0 && !state.selected.has(state.rows[index].id)) { selectOnly(index); }
      clickedField = event.target.closest("td[data-field]")?.dataset.field || null;
    } else {
      selectOnly(null);
    }
    paintSelection();
    const actions = builtins(clickedField, { x: event.clientX, y: event.clientY });
    const detail = { x: event.clientX, y: event.clientY, source: "grid", state: gridState(), builtins: actions };
    document.dispatchEvent(new CustomEvent("callsheet:contextmenu", { detail }));
    if (!window.CallsheetMenu) {
      const some = state.selected.size > 0;
      popupMenu(event.clientX, event.clientY, actions.map((a) => ({ ...a, disabled: a.requires_selection && !some })));
    }
  });

  function gridState() {
    return {
      entity_type: entityType,
      page_id: data.page_id,
      project: project ? { id: project.id, name: project.name } : null,
      title: data.title,
      view: "Default",
      columns: state.columns.map((field) => ({ field, display_name: fields[field].display_name })),
      sorts: state.sorts.map((s) => ({ ...s })),
      filters: effectiveFilters(),
      selected_ids: selectedIds(),
      all_ids_count: state.total,
      rows: state.rows.filter((r) => state.selected.has(r.id)).map((r) => ({ id: r.id, project: r.project || null })),
    };
  }

  async function allIds() {
    const answer = await Callsheet.post("/web/grid/ids", request());
    return answer.ids;
  }

  // -- paging -------------------------------------------------------------------------------
  const goTo = (page) => { state.page = page; load(); };
  $("page-first").addEventListener("click", () => goTo(1));
  $("page-prev").addEventListener("click", () => goTo(Math.max(1, state.page - 1)));
  $("page-next").addEventListener("click", () => goTo(state.page + 1));
  $("page-last").addEventListener("click", () => goTo(Math.max(1, Math.ceil(state.total / state.perPage))));
  $("grid-per-page").value = String(state.perPage);
  $("grid-per-page").addEventListener("change", (event) => {
    state.perPage = Number(event.target.value);
    remember("per_page", state.perPage);
    state.page = 1;
    load();
  });
  $("grid-refresh").addEventListener("click", () => load({ keepSelection: true }));

  let quickTimer = null;
  $("grid-quick").addEventListener("input", (event) => {
    clearTimeout(quickTimer);
    quickTimer = setTimeout(() => { state.quick = event.target.value.trim(); state.page = 1; load(); }, 250);
  });

  // -- panels -------------------------------------------------------------------------------
  function togglePanel(buttonId, panelId, onOpen) {
    const button = $(buttonId);
    const panel = $(panelId);
    button.addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      button.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden && onOpen) onOpen();
    });
  }

  // Column chooser: every field of the type; the choice is remembered for this page.
  function renderColumnChooser() {
    const list = $("columns-list");
    const text = $("columns-search").value.trim().toLowerCase();
    list.replaceChildren();
    const all = Object.values(fields).sort((a, b) => a.display_name.localeCompare(b.display_name));
    for (const f of all) {
      if (text && !f.display_name.toLowerCase().includes(text) && !f.name.includes(text)) continue;
      const box = el("input", { type: "checkbox", value: f.name, "data-field": f.name });
      box.checked = state.columns.includes(f.name);
      box.addEventListener("change", () => {
        if (box.checked && !state.columns.includes(f.name)) state.columns.push(f.name);
        if (!box.checked) state.columns = state.columns.filter((c) => c !== f.name);
        setColumns(state.columns);
      });
      list.append(el("label", { class: "column-option", title: f.name }, box, document.createTextNode(` ${f.display_name}`), el("span", { class: "muted field-type", text: f.data_type })));
    }
  }
  function setColumns(columns) {
    state.columns = [...columns];
    remember("columns", state.columns);
    renderHeader();
    load({ keepSelection: true });
  }
  togglePanel("grid-columns-toggle", "grid-columns", renderColumnChooser);
  $("columns-search").addEventListener("input", renderColumnChooser);
  $("columns-reset").addEventListener("click", () => { setColumns(data.default_columns); renderColumnChooser(); });

  // -- filter bar ---------------------------------------------------------------------------
  const UNITS = ["HOUR", "DAY", "WEEK", "MONTH", "YEAR"];
  const OPERATOR_LABELS = {
    is: "is", is_not: "is not", contains: "contains", not_contains: "does not contain",
    starts_with: "starts with", ends_with: "ends with", in: "is any of", not_in: "is none of",
    less_than: "less than", greater_than: "greater than", between: "between", not_between: "not between",
    in_last: "in the last", not_in_last: "not in the last", in_next: "in the next", not_in_next: "not in the next",
    in_calendar_day: "in calendar day", in_calendar_week: "in calendar week", in_calendar_month: "in calendar month",
    in_calendar_year: "in calendar year", type_is: "type is", type_is_not: "type is not",
    name_contains: "name contains", name_not_contains: "name does not contain", name_is: "name is",
    name_starts_with: "name starts with", name_ends_with: "name ends with", name_id: "tag id is",
  };
  const filterable = Object.values(fields)
    .filter((f) => f.operators.length && f.data_type !== "image")
    .sort((a, b) => a.display_name.localeCompare(b.display_name));

  // One value control for a field and operator; returns {node, read()} with read() giving the
  // condition's `values` list (or throwing a message).
  function valueControl(f, op, initial) {
    const type = f.data_type;
    const number = (value) => {
      const input = el("input", { type: "number", class: "filter-value", step: type === "float" || type === "currency" ? "any" : "1" });
      if (value !== undefined && value !== null) input.value = value;
      return input;
    };
    const readNumber = (input) => {
      if (input.value.trim() === "") throw new Error(`${f.display_name}: enter a number.`);
      return Number(input.value);
    };
    if (["in_last", "not_in_last", "in_next", "not_in_next"].includes(op)) {
      const amount = number(initial?.[0] ?? 1);
      const unit = el("select", { class: "filter-value" }, ...UNITS.map((u) => el("option", { value: u, text: u.toLowerCase() + "s" })));
      unit.value = initial?.[1] || "DAY";
      return { node: el("span", { class: "filter-values" }, amount, unit), read: () => [readNumber(amount), unit.value] };
    }
    if (op.startsWith("in_calendar_")) {
      const offset = el("select", { class: "filter-value" },
        el("option", { value: "-1", text: "previous" }), el("option", { value: "0", text: "current" }), el("option", { value: "1", text: "next" }));
      offset.value = String(initial?.[0] ?? 0);
      return { node: offset, read: () => [Number(offset.value)] };
    }
    if (op === "type_is" || op === "type_is_not") {
      const select = el("select", { class: "filter-value" }, ...f.valid_types.map((t) => el("option", { value: t, text: t })));
      if (initial?.[0]) select.value = initial[0];
      return { node: select, read: () => [select.value] };
    }
    if (op.startsWith("name_")) {
      const input = el("input", { type: op === "name_id" ? "number" : "text", class: "filter-value" });
      input.value = initial?.[0] ?? "";
      return { node: input, read: () => [op === "name_id" ? Number(input.value) : input.value] };
    }
    const pair = op === "between" || op === "not_between";
    const many = op === "in" || op === "not_in";
    if (type === "status_list" || type === "list") {
      const labels = f.value_labels || {};
      const options = [["", "empty"], ...f.valid_values.map((v) => [v, labels[v] ? `${labels[v]} (${v})` : v])];
      if (many) {
        const box = el("span", { class: "filter-values filter-choices" });
        const chosen = new Set(initial || []);
        for (const [value, label] of options.slice(1)) {
          const check = el("input", { type: "checkbox", value });
          check.checked = chosen.has(value);
          box.append(el("label", {}, check, document.createTextNode(" " + label)));
        }
        return { node: box, read: () => [...box.querySelectorAll("input:checked")].map((c) => c.value) };
      }
      const select = el("select", { class: "filter-value" }, ...options.map(([value, label]) => el("option", { value, text: label })));
      select.value = initial?.[0] ?? (f.valid_values[0] || "");
      return { node: select, read: () => [select.value === "" ? null : select.value] };
    }
    if (type === "checkbox") {
      const select = el("select", { class: "filter-value" }, el("option", { value: "true", text: "Yes" }), el("option", { value: "false", text: "No" }));
      select.value = String(initial?.[0] ?? true);
      return { node: select, read: () => [select.value === "true"] };
    }
    if (type === "entity" || type === "multi_entity") {
      const chosen = [...(initial || [])].filter(Boolean);
      const box = el("span", { class: "filter-values filter-entities" });
      const redraw = () => {
        box.replaceChildren();
        chosen.forEach((e, i) => {
          const chip = el("span", { class: "cs-chip" }, document.createTextNode(entityLabel(e)));
          const x = el("button", { type: "button", class: "cs-chip-remove", text: "×", "aria-label": `Remove ${entityLabel(e)}` });
          x.addEventListener("click", () => { chosen.splice(i, 1); redraw(); });
          chip.append(x);
          box.append(chip);
        });
        if (many || !chosen.length) {
          const pick = el("button", { type: "button", class: "filter-pick", text: chosen.length ? "+ Add" : "Choose…" });
          pick.addEventListener("click", () => {
            Editors.open(pick, {
              entityType, field: f.name, fieldSchema: { ...f, data_type: "entity", editable: true }, value: null,
              projectId: project ? project.id : null,
              onSave: async (value) => { if (value) { chosen.push(value); redraw(); } },
            });
          });
          box.append(pick);
        }
      };
      redraw();
      return { node: box, read: () => (many ? chosen.map(withoutNames) : [chosen[0] ? withoutNames(chosen[0]) : null]) };
    }
    const inputType = type === "date" ? "date" : type === "date_time" ? "datetime-local" : (["number", "integer", "float", "currency", "duration", "percent", "timecode"].includes(type) ? "number" : "text");
    const make = (value) => {
      const input = inputType === "number" ? number(value) : el("input", { type: inputType, class: "filter-value" });
      if (inputType !== "number") input.value = inputType === "datetime-local" ? Editors.utcToLocalInput(value) : (value ?? "");
      return input;
    };
    const readOne = (input) => {
      if (input.value.trim() === "") return null;
      if (inputType === "number") return Number(input.value);
      if (inputType === "datetime-local") return Editors.localInputToUtc(input.value);
      return input.value;
    };
    if (pair) {
      const a = make(initial?.[0]);
      const b = make(initial?.[1]);
      return { node: el("span", { class: "filter-values" }, a, el("span", { class: "muted", text: "and" }), b), read: () => [readOne(a), readOne(b)] };
    }
    if (many) {
      const input = el("input", { type: "text", class: "filter-value", placeholder: "comma-separated" });
      input.value = (initial || []).join(", ");
      return {
        node: input,
        read: () => input.value.split(",").map((s) => s.trim()).filter(Boolean).map((s) => (inputType === "number" ? Number(s) : s)),
      };
    }
    const input = make(initial?.[0]);
    return { node: input, read: () => [readOne(input)] };
  }

  function filterRow(condition) {
    const row = el("div", { class: "filter-row" });
    const fieldSelect = el("select", { class: "filter-field", "aria-label": "Field" }, ...filterable.map((f) => el("option", { value: f.name, text: f.display_name })));
    const opSelect = el("select", { class: "filter-op", "aria-label": "Operator" });
    const valueSlot = el("span", { class: "filter-slot" });
    const remove = el("button", { type: "button", class: "filter-remove", "aria-label": "Remove condition", text: "×" });
    let control = null;
    const first = condition?.path && fields[condition.path] ? condition.path : (fields.sg_status_list ? "sg_status_list" : (nameField || filterable[0]?.name));
    fieldSelect.value = first;
    const fillOperators = (selected) => {
      const f = fields[fieldSelect.value];
      opSelect.replaceChildren(...f.operators.map((op) => el("option", { value: op, text: OPERATOR_LABELS[op] || op.replaceAll("_", " ") })));
      opSelect.value = selected && f.operators.includes(selected) ? selected : f.operators[0];
    };
    const fillValue = (initial) => {
      control = valueControl(fields[fieldSelect.value], opSelect.value, initial);
      valueSlot.replaceChildren(control.node);
    };
    fillOperators(condition?.relation);
    fillValue(condition?.values);
    fieldSelect.addEventListener("change", () => { fillOperators(); fillValue(); });
    opSelect.addEventListener("change", () => fillValue());
    remove.addEventListener("click", () => row.remove());
    row.append(fieldSelect, opSelect, valueSlot, remove);
    row.read = () => ({ path: fieldSelect.value, relation: opSelect.value, values: control.read() });
    return row;
  }

  function applyFilters() {
    try {
      const conditions = [...$("filter-rows").children].map((row) => row.read());
      state.filters = { logical_operator: $("filter-match").value, conditions };
    } catch (error) {
      Callsheet.toast(error.message, "error");
      return;
    }
    $("grid-filter-toggle").textContent = state.filters.conditions.length ? `Filter (${state.filters.conditions.length})` : "Filter";
    $("grid-filter-toggle").classList.toggle("active", state.filters.conditions.length > 0);
    state.page = 1;
    load();
  }
  togglePanel("grid-filter-toggle", "grid-filters", () => {
    if (!$("filter-rows").children.length) $("filter-rows").append(filterRow());
  });
  $("filter-add").addEventListener("click", () => $("filter-rows").append(filterRow()));
  $("filter-apply").addEventListener("click", applyFilters);
  $("filter-clear").addEventListener("click", () => { $("filter-rows").replaceChildren(); applyFilters(); });
  $("grid-filters").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("input")) { event.preventDefault(); applyFilters(); }
  });

  // -- "+ Add" ------------------------------------------------------------------------------
  const dialog = $("add-dialog");
  const addValues = new Map();

  function addControl(f) {
    const id = `add-${f.name}`;
    const type = f.data_type;
    const label = el("label", { for: id, text: f.display_name + (f.mandatory || f.name === nameField ? " *" : "") });
    let control;
    if (type === "status_list" || type === "list") {
      control = el("select", { id, name: f.name }, el("option", { value: "", text: "" }),
        ...f.valid_values.map((v) => el("option", { value: v, text: (f.value_labels || {})[v] ? `${f.value_labels[v]} (${v})` : v })));
    } else if (type === "checkbox") {
      control = el("input", { id, name: f.name, type: "checkbox" });
    } else if (type === "entity" || type === "multi_entity" || type === "tag_list") {
      control = el("button", { id, type: "button", class: "add-picker", "data-field": f.name, text: "Choose…" });
      control.addEventListener("click", () => {
        Editors.open(control, {
          entityType, field: f.name, fieldSchema: f, value: addValues.get(f.name) ?? (type === "entity" ? null : []),
          projectId: project ? project.id : (addValues.get("project")?.id ?? null),
          onSave: async (value) => {
            addValues.set(f.name, value);
            const shown = Array.isArray(value) ? value.map((v) => (typeof v === "string" ? v : entityLabel(v))).join(", ") : entityLabel(value);
            control.textContent = shown || "Choose…";
          },
        });
      });
    } else {
      const inputType = type === "date" ? "date" : type === "date_time" ? "datetime-local" : (["number", "integer", "float", "currency", "duration", "percent", "timecode"].includes(type) ? "number" : "text");
      control = f.name === "description" || f.name === "sg_description" ? el("textarea", { id, name: f.name, rows: 3 }) : el("input", { id, name: f.name, type: inputType, step: inputType === "number" && (type === "float" || type === "currency") ? "any" : null });
    }
    return el("div", { class: "add-field", "data-field": f.name }, label, control);
  }

  function readAddForm() {
    const out = [];
    for (const name of data.add_fields) {
      const f = fields[name];
      const type = f.data_type;
      if (["entity", "multi_entity", "tag_list"].includes(type)) {
        if (addValues.has(name)) out.push({ field_name: name, value: withoutNames(addValues.get(name)) });
        continue;
      }
      const control = $(`add-${name}`);
      if (!control) continue;
      if (type === "checkbox") { if (control.checked) out.push({ field_name: name, value: true }); continue; }
      const text = control.value.trim();
      if (text === "") continue;
      let value = text;
      if (control.type === "number") value = Number(text);
      if (type === "date_time") value = Editors.localInputToUtc(text);
      out.push({ field_name: name, value });
    }
    return out;
  }

  $("grid-add").addEventListener("click", () => {
    addValues.clear();
    $("add-error").hidden = true;
    $("add-fields").replaceChildren(...data.add_fields.map((name) => addControl(fields[name])));
    dialog.showModal();
    $("add-fields").querySelector("input, select, textarea")?.focus();
  });
  $("add-cancel").addEventListener("click", () => dialog.close());
  $("add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = $("add-submit");
    try {
      const values = readAddForm();
      if (nameField && !values.some((v) => v.field_name === nameField)) throw new Error(`${fields[nameField].display_name} is required.`);
      if (project) values.push({ field_name: "project", value: { type: "Project", id: project.id } });
      submit.disabled = true;
      const created = await Callsheet.rpc("create", { type: entityType, fields: values, return_fields: [nameField || "id"] });
      dialog.close();
      Callsheet.toast(`Created ${data.entity_display_name} ${entityLabel({ ...created, name: created[nameField] })}.`, "ok");
      await load();
      const index = state.rows.findIndex((r) => r.id === created.id);
      if (index >= 0) { selectOnly(index); paintSelection(); tbody.rows[index].scrollIntoView({ block: "nearest" }); }
    } catch (error) {
      $("add-error").textContent = error.message;
      $("add-error").hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  // -- start --------------------------------------------------------------------------------
  window.CallsheetGrid = {
    state: gridState,
    refreshRows,
    allIds,
    reload: () => load({ keepSelection: true }),
  };
  renderHeader();
  // arrow keys work at once, unless the person already clicked into something
  load().then(() => { if (document.activeElement === document.body) scroller.focus({ preventScroll: true }); });
})();
