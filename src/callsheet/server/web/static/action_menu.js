// Callsheet context menu: the page's built-in actions, then the Action Menu Items (AMIs).
//
// Grid and detail pages dispatch `callsheet:contextmenu` on document with
// {x, y, source: "grid"|"detail", state, builtins: [{label, requires_selection, run}]}.
// The menu lists the builtins, a separator, and the AMIs offered for the page's entity type and
// project (POST /web/action-menu/items, cached per type and project) in list_order, with one
// level of folders; items that need a selection are disabled without one. Arrow keys move,
// Enter runs, Right/Left open and close a folder, Escape closes.
//
// Running an AMI asks the server for its payload (built and signed there: the secret token never
// reaches the browser), then POSTs a hidden form to an http(s) URL in a new tab or a modal
// overlay's iframe, or navigates to a custom protocol's url?query. With poll_for_data_updates the
// page then polls for entities changed by events carrying this window's session_uuid and
// refreshes them (CallsheetGrid.refreshRows / CallsheetDetail.refresh).
"use strict";
(function () {
  const POLL_FIRST_MS = 1000;
  const POLL_MAX_MS = 30000;
  const POLL_FOR_MS = 10 * 60 * 1000;
  const itemsCache = new Map();
  let current = null; // the open menu: {root, detail, restoreFocus}
  let poller = null;

  const el = Callsheet.el;

  function selectedIdsOf(detail) {
    const state = detail.state || {};
    if (detail.source === "detail") return state.id ? [state.id] : [];
    return state.selected_ids || [];
  }

  function projectIdOf(state) {
    return state && state.project && state.project.id ? state.project.id : null;
  }

  // The AMI entries of a page (a promise, cached per entity type and project).
  function itemsFor(entityType, projectId) {
    const key = `${entityType}|${projectId ?? ""}`;
    if (!itemsCache.has(key)) {
      const loading = Callsheet.post("/web/action-menu/items", { entity_type: entityType, project_id: projectId });
      loading.catch(() => itemsCache.delete(key));
      itemsCache.set(key, loading);
    }
    return itemsCache.get(key);
  }

  // -- drawing ------------------------------------------------------------------------------
  function menuButton(label, { disabled = false, folder = false, title = null } = {}) {
    const button = el("button", {
      type: "button",
      role: "menuitem",
      class: "cs-menu-item" + (folder ? " cs-menu-folder-label" : ""),
      disabled,
      "aria-disabled": disabled ? "true" : null,
      "aria-haspopup": folder ? "menu" : null,
      "aria-expanded": folder ? "false" : null,
      title,
    }, el("span", { class: "cs-menu-label", text: label }));
    if (folder) button.append(el("span", { class: "cs-menu-arrow", "aria-hidden": "true", text: "▸" }));
    return button;
  }

  function amiButton(item, detail, hasSelection) {
    const disabled = item.selection_required && !hasSelection;
    const button = menuButton(item.title, {
      disabled,
      title: disabled ? "Select one or more rows first" : null,
    });
    button.dataset.amiId = String(item.id);
    button.classList.add("cs-ami");
    button.addEventListener("click", () => runItem(item, detail));
    return button;
  }

  function folderEntry(entry, detail, hasSelection) {
    const label = menuButton(entry.title, { folder: true });
    const submenu = el("div", { class: "cs-context-menu cs-submenu", role: "menu", "aria-label": entry.title, hidden: true });
    for (const item of entry.items) submenu.append(amiButton(item, detail, hasSelection));
    const wrapper = el("div", { class: "cs-menu-folder", role: "none", "data-folder": entry.title }, label, submenu);
    label.addEventListener("click", (event) => { event.stopPropagation(); openFolder(wrapper, true); });
    wrapper.addEventListener("mouseenter", () => openFolder(wrapper, false));
    wrapper.addEventListener("mouseleave", () => closeFolder(wrapper));
    return wrapper;
  }

  function openFolder(wrapper, focusFirst) {
    if (!current) return;
    for (const other of current.root.querySelectorAll(".cs-menu-folder")) if (other !== wrapper) closeFolder(other);
    const submenu = wrapper.querySelector(".cs-submenu");
    const label = wrapper.querySelector(".cs-menu-folder-label");
    submenu.hidden = false;
    label.setAttribute("aria-expanded", "true");
    // open to the right, or to the left when there is no room
    submenu.classList.remove("cs-submenu-left");
    const rect = submenu.getBoundingClientRect();
    if (rect.right > window.innerWidth - 4) submenu.classList.add("cs-submenu-left");
    const overflow = submenu.getBoundingClientRect().bottom - (window.innerHeight - 4);
    submenu.style.top = overflow > 0 ? `${-overflow}px` : "";
    if (focusFirst) enabledItems(submenu)[0]?.focus();
  }

  function closeFolder(wrapper) {
    const submenu = wrapper.querySelector(".cs-submenu");
    if (submenu.hidden) return;
    submenu.hidden = true;
    wrapper.querySelector(".cs-menu-folder-label").setAttribute("aria-expanded", "false");
  }

  // The enabled items of one menu level (not those inside its folders' submenus).
  function enabledItems(menu) {
    return [...menu.children].flatMap((child) => {
      if (child.matches("button.cs-menu-item")) return child.disabled ? [] : [child];
      if (child.matches(".cs-menu-folder")) return [child.querySelector(".cs-menu-folder-label")];
      if (child.matches(".cs-menu-section")) return enabledItems(child);
      return [];
    });
  }

  function renderAmis(section, entries, detail, hasSelection) {
    section.replaceChildren();
    if (!entries.length) return;
    section.append(el("div", { class: "cs-menu-separator", role: "separator" }));
    for (const entry of entries) {
      section.append(entry.type === "folder" ? folderEntry(entry, detail, hasSelection) : amiButton(entry, detail, hasSelection));
    }
  }

  function place(root, x, y) {
    const rect = root.getBoundingClientRect();
    root.style.left = `${Math.max(4, Math.min(x, window.innerWidth - rect.width - 4))}px`;
    root.style.top = `${Math.max(4, Math.min(y, window.innerHeight - rect.height - 4))}px`;
  }

  function show(detail) {
    close({ restore: false });
    const state = detail.state || {};
    const hasSelection = selectedIdsOf(detail).length > 0;
    const root = el("div", { class: "cs-context-menu", role: "menu", "aria-label": "Actions", id: "cs-context-menu" });
    for (const builtin of detail.builtins || []) {
      const disabled = Boolean(builtin.disabled) || (builtin.requires_selection && !hasSelection);
      const button = menuButton(builtin.label, { disabled });
      button.classList.add("cs-builtin");
      button.addEventListener("click", () => {
        close({ restore: false });
        builtin.run({ x: detail.x, y: detail.y });
      });
      root.append(button);
    }
    // The AMIs come after the builtins, in their own section (filled when they arrive).
    const section = el("div", { class: "cs-menu-section", role: "none" });
    root.append(section);
    document.body.append(root);
    current = { root, detail, restoreFocus: document.activeElement };
    root.addEventListener("keydown", onKeydown);
    place(root, detail.x, detail.y);
    enabledItems(root)[0]?.focus();
    if (!state.entity_type) return;
    const loading = el("div", { class: "cs-menu-loading", role: "none", text: "Loading actions…" });
    section.append(loading);
    const opened = current;
    itemsFor(state.entity_type, projectIdOf(state)).then((entries) => {
      if (current !== opened) return;
      const hadFocus = root.contains(document.activeElement);
      renderAmis(section, entries, detail, hasSelection);
      root.dataset.loaded = "true";
      place(root, detail.x, detail.y);
      if (!hadFocus) enabledItems(root)[0]?.focus();
    }, (error) => {
      if (current !== opened) return;
      section.replaceChildren(el("div", { class: "cs-menu-separator", role: "separator" }),
        el("div", { class: "cs-menu-loading error", role: "none", text: `Actions unavailable: ${error.message}` }));
      root.dataset.loaded = "true";
    });
  }

  function close({ restore = true } = {}) {
    if (!current) return;
    const { root, restoreFocus } = current;
    current = null;
    root.remove();
    if (restore && restoreFocus && document.contains(restoreFocus)) restoreFocus.focus?.();
  }

  function onKeydown(event) {
    const focused = document.activeElement;
    const menu = focused?.closest(".cs-context-menu");
    if (!menu) return;
    // the root's AMIs sit in a section; arrows move over the whole level
    const items = enabledItems(menu);
    const at = items.indexOf(focused);
    const inSubmenu = menu.classList.contains("cs-submenu");
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        items[(at + 1) % items.length]?.focus();
        break;
      case "ArrowUp":
        event.preventDefault();
        items[(at - 1 + items.length) % items.length]?.focus();
        break;
      case "Home":
        event.preventDefault();
        items[0]?.focus();
        break;
      case "End":
        event.preventDefault();
        items[items.length - 1]?.focus();
        break;
      case "ArrowRight":
        if (focused.classList.contains("cs-menu-folder-label")) {
          event.preventDefault();
          openFolder(focused.closest(".cs-menu-folder"), true);
        }
        break;
      case "ArrowLeft":
        if (inSubmenu) {
          event.preventDefault();
          const wrapper = menu.closest(".cs-menu-folder");
          closeFolder(wrapper);
          wrapper.querySelector(".cs-menu-folder-label").focus();
        }
        break;
      case "Escape":
        event.preventDefault();
        event.stopPropagation();
        if (inSubmenu) {
          const wrapper = menu.closest(".cs-menu-folder");
          closeFolder(wrapper);
          wrapper.querySelector(".cs-menu-folder-label").focus();
        } else {
          close();
        }
        break;
      case "Tab":
        event.preventDefault();
        close();
        break;
      default:
        break;
    }
  }

  // -- running an item ----------------------------------------------------------------------
  function windowName() {
    return `callsheet-ami-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  }

  function postForm(url, fields, target) {
    const form = el("form", { method: "post", action: url, target, class: "cs-ami-form", hidden: true });
    form.setAttribute("accept-charset", "utf-8");
    for (const [name, value] of Object.entries(fields)) {
      form.append(el("input", { type: "hidden", name, value: String(value) }));
    }
    document.body.append(form);
    form.submit();
    form.remove();
  }

  function openOverlay(title) {
    closeOverlay();
    const name = windowName();
    const frame = el("iframe", { name, title, class: "cs-ami-frame", referrerpolicy: "no-referrer" });
    const closeButton = el("button", { type: "button", class: "cs-ami-overlay-close", "aria-label": "Close", title: "Close (Esc)", text: "×" });
    const box = el("div", { class: "cs-ami-overlay-box" },
      el("div", { class: "cs-ami-overlay-head" }, el("span", { class: "cs-ami-overlay-title", text: title }), closeButton),
      frame);
    const overlay = el("div", { class: "cs-ami-overlay", role: "dialog", "aria-modal": "true", "aria-label": title, id: "cs-ami-overlay" }, box);
    closeButton.addEventListener("click", closeOverlay);
    overlay.addEventListener("mousedown", (event) => { if (event.target === overlay) closeOverlay(); });
    document.body.append(overlay);
    closeButton.focus();
    return name;
  }

  function closeOverlay() {
    document.getElementById("cs-ami-overlay")?.remove();
  }

  // A custom protocol's handler is an application on this machine; the page stays where it is.
  function navigate(url) {
    window.location.href = url;
  }

  async function runItem(item, detail) {
    close();
    const state = detail.state || {};
    // A new tab must be opened during the click itself or popup blockers refuse it; the form
    // is posted into it once the server has built the payload.
    let tab = null;
    let tabName = null;
    if (item.kind === "http" && item.target === "tab") {
      tabName = windowName();
      tab = window.open("about:blank", tabName);
      // the AMI's page must not be able to steer this one (window.opener.location = ...)
      if (tab) tab.opener = null;
    }
    let answer;
    try {
      answer = await Callsheet.post("/web/action-menu/run", {
        ami_id: item.id,
        source: detail.source,
        state,
        referrer_path: location.pathname,
      });
    } catch (error) {
      tab?.close();
      Callsheet.toast(`${item.title}: ${error.message}`, "error");
      return;
    }
    if (answer.kind === "http") {
      if (answer.target === "overlay") postForm(answer.url, answer.fields, openOverlay(answer.title));
      else postForm(answer.url, answer.fields, tab ? tabName : "_blank");
    } else {
      tab?.close();
      CallsheetMenu.navigate(answer.url);
    }
    if (answer.poll) startPolling(answer.poll.entity_type, answer.poll.after, state);
  }

  // -- polling for the changes an AMI's script made -----------------------------------------
  function startPolling(entityType, after, state) {
    if (poller && poller.entityType === entityType) {
      poller.after = Math.min(poller.after, after);
      poller.delay = POLL_FIRST_MS;
      poller.until = Date.now() + POLL_FOR_MS;
      clearTimeout(poller.timer);
      poller.timer = setTimeout(pollOnce, poller.delay);
      return;
    }
    if (poller) clearTimeout(poller.timer);
    poller = { entityType, after, state, delay: POLL_FIRST_MS, until: Date.now() + POLL_FOR_MS, timer: null };
    poller.timer = setTimeout(pollOnce, poller.delay);
  }

  async function pollOnce() {
    const mine = poller;
    if (!mine) return;
    let changed = [];
    try {
      const answer = await Callsheet.post("/web/action-menu/changes", { entity_type: mine.entityType, after: mine.after });
      mine.after = answer.cursor;
      changed = answer.ids;
    } catch (error) {
      changed = [];
    }
    if (poller !== mine) return;
    if (changed.length) {
      await refresh(mine.entityType, changed, mine.state);
      mine.delay = POLL_FIRST_MS; // the script is at work: look again soon
    } else {
      mine.delay = Math.min(mine.delay * 2, POLL_MAX_MS);
    }
    if (Date.now() + mine.delay > mine.until) { poller = null; return; }
    mine.timer = setTimeout(pollOnce, mine.delay);
  }

  async function refresh(entityType, ids, state) {
    try {
      if (window.CallsheetGrid && window.CallsheetGrid.state().entity_type === entityType) {
        await window.CallsheetGrid.refreshRows(ids);
      }
      if (window.CallsheetDetail && state && ids.includes(state.id) && window.CallsheetDetail.refresh) {
        await window.CallsheetDetail.refresh();
      }
    } catch (error) {
      Callsheet.toast(error.message, "error");
    }
  }

  // -- wiring -------------------------------------------------------------------------------
  document.addEventListener("callsheet:contextmenu", (event) => {
    if (event.detail) show(event.detail);
  });
  document.addEventListener("mousedown", (event) => {
    if (current && !current.root.contains(event.target)) close({ restore: false });
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !current && document.getElementById("cs-ami-overlay")) closeOverlay();
  });
  window.addEventListener("resize", () => close({ restore: false }));
  window.addEventListener("blur", () => close({ restore: false }));

  window.CallsheetMenu = {
    show,
    close,
    navigate,
    closeOverlay,
    // forget the cached AMIs (after the Admin pages change them)
    clearCache: () => itemsCache.clear(),
    isPolling: () => poller !== null,
  };
})();
