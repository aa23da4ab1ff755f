// Admin pages: confirmations, the copy-once key, checklist filters, the field form, the live
// Event Log. Plain ES2020, no inline handlers (the page's CSP allows only our own scripts).
"use strict";
(function () {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  // Forms that change something hard to undo ask first.
  document.addEventListener("submit", (event) => {
    const message = event.target.dataset?.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Copy a shown-once key: the Clipboard API where the page is a secure context (https or
  // loopback), else select the text and use the older copy command.
  async function copyFrom(button) {
    const input = $(button.dataset.copy);
    if (!input) return;
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(input.value);
        copied = true;
      }
    } catch (_) { /* fall back below */ }
    if (!copied) {
      input.select();
      try { copied = document.execCommand("copy"); } catch (_) { copied = false; }
    }
    input.select();
    Callsheet.toast(copied ? "Copied to the clipboard." : "Press Ctrl+C (⌘C) to copy the selected key.",
      copied ? "ok" : "");
    if (copied) button.textContent = "Copied";
  }
  for (const button of $$("[data-copy]")) button.addEventListener("click", () => copyFrom(button));
  for (const input of $$("input.key[readonly]")) input.addEventListener("focus", () => input.select());

  // A filter box above a long list of checkboxes.
  for (const box of $$("[data-checklist-filter]")) {
    box.addEventListener("input", () => {
      const needle = box.value.trim().toLowerCase();
      for (const label of $$(".checklist-items label", box.closest("[data-checklist]"))) {
        label.hidden = needle !== "" && !label.textContent.toLowerCase().includes(needle);
      }
    });
  }

  // Selects that reload the page when changed (the Fields page's entity type).
  for (const select of $$("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  // Show only the inputs that fit the chosen data type / URL (Fields and Action Menu Items).
  function syncShownFor(control) {
    const value = control.type === "checkbox" ? String(control.checked) : control.value;
    for (const part of $$(`[data-shown-for="${control.id}"]`)) {
      const wanted = part.dataset.shownWhen.split(" ");
      const matches = wanted.some((w) => (w.endsWith("*") ? value.startsWith(w.slice(0, -1)) : value === w));
      const show = part.dataset.shownNot ? !matches : matches;
      part.hidden = !show;
      const inputs = part.matches("input, select, textarea") ? [part] : $$("input, select, textarea", part);
      for (const input of inputs) input.disabled = !show;
    }
  }
  for (const control of $$("[data-controls-shown]")) {
    control.addEventListener("change", () => syncShownFor(control));
    control.addEventListener("input", () => syncShownFor(control));
    syncShownFor(control);
  }

  // Password twice: say so before the round trip when they differ.
  for (const form of $$("form[data-password-form]")) {
    form.addEventListener("submit", (event) => {
      const [first, second] = $$("input[type=password]", form);
      if (first && second && first.value !== second.value) {
        event.preventDefault();
        Callsheet.toast("The two passwords differ.", "error");
        second.focus();
      }
    });
  }

  // The live Event Log: long-poll for entries newer than the newest shown, put them on top.
  const MAX_LIVE_ROWS = 500;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function getJson(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { "X-Callsheet-Session-Uuid": Callsheet.sessionUuid(), Accept: "application/json" },
    });
    if (response.status === 401) {
      location.href = "/signin?next=" + encodeURIComponent(location.pathname + location.search);
      throw new Error("signed out");
    }
    const answer = await response.json();
    if (answer.exception) throw new Callsheet.ApiError(answer.message, answer.error_code);
    return answer.results;
  }

  async function followEventLog(live) {
    const status = $("#live-status");
    const table = $("#events");
    const body = $("tbody", table);
    let after = live.after;
    let backoff = 1000;
    const setState = (state, label) => { if (status) { status.dataset.state = state; status.textContent = label; } };
    setState("live", "Live");
    for (;;) {
      try {
        const params = new URLSearchParams({ ...live.filters, after: String(after) });
        const results = await getJson(`/admin/event-log/poll?${params}`);
        backoff = 1000;
        setState("live", "Live");
        if (results.count) {
          after = results.last_id;
          body.insertAdjacentHTML("afterbegin", results.rows);
          for (const row of $$("tr.event", body).slice(0, results.count)) {
            row.classList.add("fresh");
            setTimeout(() => row.classList.remove("fresh"), 2500);
          }
          $("[data-empty]")?.remove();
          for (const row of $$("tr.event", body).slice(MAX_LIVE_ROWS)) row.remove();
        }
      } catch (error) {
        setState("down", "Reconnecting…");
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 15000);
      }
    }
  }
  const live = Callsheet.pageData("event-log-live");
  if (live) followEventLog(live);
})();
