// Callsheet web page: the small shared core (API calls, per-window session id, toasts).
// Page-specific behaviour lives in its own file under /static and uses window.Callsheet.
"use strict";
(function () {
  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // One id per browser window: it lands in the event log's session_uuid, so an Action Menu
  // Item's script (and the page's polling) can tell which changes came from this window.
  function sessionUuid() {
    let id = sessionStorage.getItem("callsheet.session_uuid");
    if (!id) {
      id = (crypto.randomUUID ? crypto.randomUUID() :
        ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c) =>
          (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));
      sessionStorage.setItem("callsheet.session_uuid", id);
    }
    return id;
  }

  class ApiError extends Error {
    constructor(message, code) { super(message); this.code = code; }
  }

  // POST JSON to one of the page's endpoints; resolves to `results`, rejects with ApiError.
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": csrfToken(),
        "X-Callsheet-Session-Uuid": sessionUuid(),
      },
      body: JSON.stringify(body ?? {}),
    });
    if (response.status === 401) { location.href = "/signin?next=" + encodeURIComponent(location.pathname + location.search); }
    const answer = await response.json();
    if (answer.exception) throw new ApiError(answer.message, answer.error_code);
    return answer.results;
  }

  // Call an API method as the signed-in person (params in the wire's shapes).
  const rpc = (method, params) => post("/web/rpc", { method, params });

  function toast(message, kind = "") {
    const box = document.createElement("div");
    box.className = "toast " + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = message;
    document.getElementById("toasts").appendChild(box);
    setTimeout(() => box.remove(), kind === "error" ? 8000 : 3000);
  }

  // Data a template hands to the script: <script type="application/json" id="...">.
  function pageData(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Close open <details> menus on outside click or Escape.
  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      for (const menu of document.querySelectorAll("details.menu[open]")) menu.removeAttribute("open");
    }
  });

  // Build an element: el("a", {class: "x", href: "/", text: "Home"}, child, ...).
  // Attributes only (never innerHTML), so values from the database cannot become markup.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
    }
    // false/null/undefined children are skipped, so `cond && el(...)` reads naturally
    for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }

  // A link's target as an href, or null when it must not be one: javascript:, data: and other
  // schemes that run or smuggle content are shown as text (values.py safe_href is the same rule).
  const SAFE_SCHEMES = ["http:", "https:", "mailto:", "ftp:", "tel:", "file:"];
  function safeHref(url) {
    if (typeof url !== "string") return null;
    const plain = url.replace(/[\u0000-\u0020\u007f]/g, "");
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(plain);
    if (!scheme) return url;  // a path on this site, or //host (the page's own scheme)
    return SAFE_SCHEMES.includes(scheme[0].toLowerCase()) ? url : null;
  }

  // A page created on first use (a Page record) opens through its own POST: submit it now.
  for (const form of document.querySelectorAll("form[data-auto-submit]")) form.submit();

  window.Callsheet = { rpc, post, toast, pageData, sessionUuid, csrfToken, ApiError, el, safeHref };
})();
