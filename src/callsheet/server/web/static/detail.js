// Detail page of one entity: edit fields in place (shared editors), upload a thumbnail (picker or
// drop), add Notes and Replies, page the history, and offer the Action menu on the header.
"use strict";
(function () {
  const C = window.Callsheet;
  let data = C.pageData("detail-data");
  if (!data) return;
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  // GET one of the page's JSON endpoints; resolves to `results`, throws with the fault's message.
  async function get(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Callsheet-Session-Uuid": C.sessionUuid() },
    });
    if (response.status === 401) location.reload();
    const answer = await response.json();
    if (answer.exception) throw new Error(answer.message);
    return answer.results;
  }

  // ---- state shared with the Action menu ---------------------------------------------------
  function state() {
    return {
      entity_type: data.entity_type,
      id: data.id,
      project: data.project ? { id: data.project.id, name: data.project.name } : null,
      title: data.title,
    };
  }

  // ---- times in the browser's zone ---------------------------------------------------------
  const timeFormat = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
  function localiseTimes(root = document) {
    for (const node of $$("time[datetime]", root)) {
      if (node.dataset.localised) continue;
      const raw = node.getAttribute("datetime");
      const when = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : raw + "Z");
      if (Number.isNaN(when.getTime())) continue;
      node.title = when.toISOString().replace(".000Z", "Z");
      node.textContent = timeFormat.format(when);
      node.dataset.localised = "1";
    }
  }

  // ---- fields: edit in place ---------------------------------------------------------------
  function editable(name) {
    const field = data.fields[name];
    if (!field || !field.editable || !window.CallsheetEditors) return false;
    return window.CallsheetEditors.isEditable(field.schema, name);
  }

  function applySaved(answer) {
    const field = data.fields[answer.field];
    if (field) field.value = answer.value;
    const row = $(`.field-row[data-field="${CSS.escape(answer.field)}"]`);
    if (row) {
      $(".field-value", row).innerHTML = answer.html;
      row.classList.add("saved");
      setTimeout(() => row.classList.remove("saved"), 1200);
      localiseTimes(row);
    }
    if (answer.title && answer.title !== data.title) {
      data.title = answer.title;
      $("#detail-title").textContent = answer.title;
      document.title = document.title.replace(/^[^·]*·/, `${answer.title} ·`);
    }
    if ("status_html" in answer) $("#detail-status").innerHTML = answer.status_html;
  }

  function startEdit(row) {
    const name = row.dataset.field;
    if (!editable(name)) return;
    const cell = $(".field-value", row);
    const field = data.fields[name];
    window.CallsheetEditors.open(cell, {
      entityType: data.entity_type,
      entityId: data.id,
      field: name,
      fieldSchema: field.schema,
      value: field.value,
      projectId: data.project ? data.project.id : undefined,
      // The editors show a thrown error as a toast and keep the old value.
      onSave: async (value) => {
        const answer = await C.post(data.urls.field, { field: name, value });
        applySaved(answer);
        C.toast(`${field.display_name} saved`, "ok");
      },
      onCancel: () => cell.focus(),
    });
  }

  function setUpFields() {
    for (const row of $$(".field-row.editable")) {
      if (!editable(row.dataset.field)) {
        // The shared editors have no inline editor for this data type.
        row.classList.remove("editable");
        const cell = $(".field-value", row);
        cell.removeAttribute("tabindex");
        cell.removeAttribute("role");
        cell.removeAttribute("aria-label");
        continue;
      }
      const cell = $(".field-value", row);
      cell.addEventListener("click", (event) => {
        if (event.target.closest("a")) return; // links inside the value still navigate
        startEdit(row);
      });
      cell.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === "F2") {
          event.preventDefault();
          startEdit(row);
        }
      });
    }
  }

  // ---- thumbnail: picker, drop, and waiting for the resize ----------------------------------
  const thumbForm = () => $("#thumb-form");
  let thumbPoll = null;

  function showThumbnail(url, pending) {
    const img = $("#detail-thumb-img");
    if (!img) return;
    img.src = url;
    img.hidden = false;
    const placeholder = $(".thumb-placeholder", thumbForm());
    if (placeholder) placeholder.remove();
    thumbForm().classList.toggle("pending", Boolean(pending));
  }

  function waitForThumbnail(delay = 500, tries = 0) {
    clearTimeout(thumbPoll);
    if (tries > 60) return; // give up quietly after a minute or so; a reload shows it later
    thumbPoll = setTimeout(async () => {
      try {
        const now = await get(data.urls.thumbnail);
        if (now.pending) waitForThumbnail(Math.min(delay * 1.5, 3000), tries + 1);
        else showThumbnail(now.image, false);
      } catch (error) {
        waitForThumbnail(Math.min(delay * 2, 5000), tries + 1);
      }
    }, delay);
  }

  async function uploadThumbnail(file) {
    if (!file) return;
    if (file.type && !file.type.startsWith("image/")) {
      C.toast(`${file.name} is not an image.`, "error");
      return;
    }
    const body = new FormData();
    body.append("csrf_token", C.csrfToken());
    body.append("thumb_image", file, file.name);
    thumbForm().classList.add("uploading");
    try {
      const response = await fetch(data.urls.thumbnail, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRF-Token": C.csrfToken(),
          "X-Callsheet-Session-Uuid": C.sessionUuid(),
        },
        body,
      });
      const kind = response.headers.get("content-type") || "";
      if (!kind.includes("json")) throw new Error(`The upload was refused (HTTP ${response.status}); reload the page and try again.`);
      const answer = await response.json();
      if (answer.exception) throw new Error(answer.message);
      showThumbnail(answer.results.image, answer.results.pending);
      C.toast("Thumbnail uploaded", "ok");
      if (answer.results.pending) waitForThumbnail();
    } catch (error) {
      C.toast(error.message || String(error), "error");
    } finally {
      thumbForm()?.classList.remove("uploading");
      const input = $("#thumb-file");
      if (input) input.value = "";
    }
  }

  function setUpThumbnail() {
    const form = thumbForm();
    if (!form) return;
    if (data.thumbnail_pending) waitForThumbnail();
    const input = $("#thumb-file");
    if (!input) return; // the person may not change this thumbnail
    input.addEventListener("change", () => uploadThumbnail(input.files[0]));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      uploadThumbnail(input.files[0]);
    });
    let depth = 0;
    form.addEventListener("dragenter", (event) => {
      if (!Array.from(event.dataTransfer?.types || []).includes("Files")) return;
      event.preventDefault();
      depth += 1;
      form.classList.add("dragging");
    });
    form.addEventListener("dragover", (event) => {
      if (!Array.from(event.dataTransfer?.types || []).includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    form.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (!depth) form.classList.remove("dragging");
    });
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      depth = 0;
      form.classList.remove("dragging");
      const file = event.dataTransfer?.files?.[0];
      if (file) uploadThumbnail(file);
    });
  }

  // ---- Notes and Replies -------------------------------------------------------------------
  const people = new Map(); // label -> {type, id}
  let peopleLoaded = false;

  async function loadPeople() {
    if (peopleLoaded) return;
    peopleLoaded = true;
    try {
      const answer = await C.rpc("read", {
        type: "HumanUser",
        filters: { logical_operator: "and", conditions: [{ path: "sg_status_list", relation: "is", values: ["act"] }] },
        return_fields: ["name", "login"],
        sorts: [{ field_name: "name", direction: "asc" }],
        paging: { current_page: 1, entities_per_page: 500 },
      });
      const list = $("#note-people");
      for (const person of answer.entities) {
        const label = person.login && person.name !== person.login ? `${person.name} (${person.login})` : person.name || person.login;
        people.set(label, { type: "HumanUser", id: person.id, name: person.name || person.login });
        const option = document.createElement("option");
        option.value = label;
        list.append(option);
      }
    } catch (error) {
      peopleLoaded = false;
      C.toast(`People could not be loaded: ${error.message}`, "error");
    }
  }

  function addressees() {
    return $$("#note-to-chips .chip").map((chip) => ({ type: chip.dataset.type, id: Number(chip.dataset.id) }));
  }

  function addAddressee(label) {
    const person = people.get(label);
    if (!person) return false;
    if (addressees().some((p) => p.type === person.type && p.id === person.id)) return true;
    const chip = document.createElement("span");
    chip.className = "chip removable";
    chip.dataset.type = person.type;
    chip.dataset.id = person.id;
    chip.textContent = person.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", `Remove ${person.name}`);
    remove.textContent = "×";
    remove.addEventListener("click", () => chip.remove());
    chip.append(remove);
    $("#note-to-chips").append(chip);
    return true;
  }

  function replaceNotes(html) {
    const list = $("#notes-list");
    list.innerHTML = html;
    localiseTimes(list);
    setUpReplies();
  }

  function setUpNoteForm() {
    const form = $("#note-form");
    if (!form) return;
    const toInput = $("#note-to-input");
    toInput.addEventListener("focus", loadPeople);
    const takeAddressee = () => {
      if (addAddressee(toInput.value.trim())) toInput.value = "";
    };
    toInput.addEventListener("change", takeAddressee);
    toInput.addEventListener("input", () => { if (people.has(toInput.value.trim())) takeAddressee(); });
    toInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        takeAddressee();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = $("#note-submit");
      button.disabled = true;
      try {
        const answer = await C.post(data.urls.notes, {
          subject: $("#note-subject").value,
          content: $("#note-content").value,
          addressings_to: addressees(),
        });
        replaceNotes(answer.html);
        form.reset();
        $("#note-to-chips").textContent = "";
        C.toast("Note added", "ok");
      } catch (error) {
        C.toast(error.message, "error");
      } finally {
        button.disabled = false;
      }
    });
    // Ctrl/Cmd+Enter sends, as in most note fields.
    $("#note-content").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
  }

  function setUpReplies() {
    for (const form of $$(".reply-form")) {
      if (form.dataset.ready) continue;
      form.dataset.ready = "1";
      const area = $("textarea", form);
      area.addEventListener("focus", () => form.classList.add("open"));
      area.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const button = $("button", form);
        button.disabled = true;
        try {
          const answer = await C.post(data.urls.replies, { note_id: Number(form.dataset.noteId), content: area.value });
          replaceNotes(answer.html);
          C.toast("Reply added", "ok");
        } catch (error) {
          C.toast(error.message, "error");
          button.disabled = false;
        }
      });
    }
  }

  // ---- history: show more ------------------------------------------------------------------
  function setUpHistory() {
    const more = $("#history-more");
    if (!more) return;
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const answer = await get(`${data.urls.history}?page=${encodeURIComponent(more.dataset.nextPage)}`);
        const list = $("#history-list");
        list.insertAdjacentHTML("beforeend", answer.html);
        localiseTimes(list);
        if (answer.more) more.dataset.nextPage = answer.page + 1;
        else more.remove();
      } catch (error) {
        C.toast(error.message, "error");
      } finally {
        more.disabled = false;
      }
    });
  }

  // ---- linked records: show every row of a section ----------------------------------------
  function setUpLinked() {
    for (const button of $$(".linked-more")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const query = new URLSearchParams({ entity_type: button.dataset.linkedType, field: button.dataset.linkedField });
          const answer = await get(`${data.urls.linked}?${query}`);
          const body = $("tbody", button.closest(".linked-section"));
          body.innerHTML = answer.html;
          localiseTimes(body);
          if (answer.shown >= answer.total) button.remove();
          else button.replaceWith(Object.assign(document.createElement("p"), {
            className: "muted linked-more",
            textContent: `Showing ${answer.shown} of ${answer.total}; open the page for all of them.`,
          }));
        } catch (error) {
          C.toast(error.message, "error");
          button.disabled = false;
        }
      });
    }
  }

  // ---- the Action menu (built by the Action Menu Items code, which listens for the event) ----
  // Built-in actions of the menu: {label, run, requires_selection} as the grid's; on a detail
  // page the entity itself is the selection, so none needs one.
  function builtins() {
    const items = [
      { label: "Copy link", requires_selection: false, run: () => copyText(location.origin + data.urls.page) },
    ];
    if ($("#thumb-file")) items.push({ label: "Upload thumbnail…", requires_selection: false, run: () => $("#thumb-file").click() });
    if ($("#note-form")) items.push({ label: "Add note", requires_selection: false, run: () => { $("#note-content").focus(); } });
    items.push({ label: "Show history", requires_selection: false, run: () => $("#history").scrollIntoView({ behavior: "smooth" }) });
    items.push({ label: "Refresh", requires_selection: false, run: () => location.reload() });
    return items;
  }

  // x, y are viewport coordinates (clientX/clientY), as the grid sends them.
  function openActionMenu(x, y) {
    const items = builtins();
    const detail = { x, y, source: "detail", state: state(), builtins: items };
    document.dispatchEvent(new CustomEvent("callsheet:contextmenu", { detail }));
    // Without the Action Menu Items code on the page, show the built-ins alone.
    if (!window.CallsheetMenu) fallbackMenu(x, y, items);
  }

  let fallback = null;
  function closeFallback() {
    if (fallback) fallback.remove();
    fallback = null;
  }
  function fallbackMenu(x, y, items) {
    closeFallback();
    fallback = document.createElement("div");
    fallback.className = "menu-items detail-fallback-menu";
    fallback.setAttribute("role", "menu");
    for (const item of items) {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.textContent = item.label;
      button.addEventListener("click", () => { closeFallback(); item.run({ x, y }); });
      fallback.append(button);
    }
    document.body.append(fallback);
    const rect = fallback.getBoundingClientRect();
    fallback.style.left = `${Math.min(x, window.innerWidth - rect.width - 8) + window.scrollX}px`;
    fallback.style.top = `${Math.min(y, window.innerHeight - rect.height - 8) + window.scrollY}px`;
    fallback.querySelector("button")?.focus();
    fallback.addEventListener("keydown", (event) => {
      const buttons = $$("button", fallback);
      const at = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown") { event.preventDefault(); buttons[(at + 1) % buttons.length]?.focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); buttons[(at - 1 + buttons.length) % buttons.length]?.focus(); }
    });
  }
  document.addEventListener("mousedown", (event) => { if (fallback && !fallback.contains(event.target)) closeFallback(); }, true);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeFallback(); });

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      C.toast("Copied", "ok");
    } catch (error) {
      C.toast(text);
    }
  }

  function setUpActions() {
    const header = $("#detail-header");
    header.addEventListener("contextmenu", (event) => {
      if (event.target.closest("input, textarea")) return;
      event.preventDefault();
      openActionMenu(event.clientX, event.clientY);
    });
    const button = $("#detail-actions");
    button.addEventListener("click", () => {
      const rect = button.getBoundingClientRect();
      openActionMenu(rect.left, rect.bottom + 4);
    });
    for (const copy of $$(".copy-path")) copy.addEventListener("click", () => copyText(copy.dataset.copy));
  }

  // Element listeners; run again after refresh() swaps the page's content.
  function bindPage() {
    localiseTimes();
    setUpFields();
    setUpThumbnail();
    setUpNoteForm();
    setUpReplies();
    setUpHistory();
    setUpLinked();
    setUpActions();
  }

  // Re-read the page in place (after an Action Menu Item's script changed this entity).
  async function refresh() {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`The page could not be refreshed (HTTP ${response.status}).`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = fresh.getElementById("main");
    const freshData = fresh.getElementById("detail-data");
    if (!main || !freshData) throw new Error("The page could not be refreshed.");
    data = JSON.parse(freshData.textContent);
    people.clear();
    peopleLoaded = false;
    document.getElementById("main").replaceChildren(...main.childNodes);
    bindPage();
  }

  window.CallsheetDetail = { state, refresh };
  bindPage();
})();
