// The DOM and form kit every page is built with: elements from DOM calls
// (never HTML strings from data), labelled fields with their error slots,
// the API's problem details shown next to the field they name, links that
// navigate without reloading, and uploads with progress.

import { ApiError } from "./api.js";
import { hasText, language, t } from "./i18n.js";

export const main = document.getElementById("main");

/** `h("p", {class: "x"}, "text", child)`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

/** Tells screen readers what just happened. */
export function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  setTimeout(() => { status.textContent = message; }, 50);
}

let turn = 0;

/**
 * Starts a new page (the router does, once per navigation), given to the
 * page's module: `page.show(title, ...content)` replaces the page and moves
 * focus to its heading, for screen readers and keyboards, until another
 * page starts. From then on it does nothing, so a page still loading (a
 * slow answer, a module on its first visit) never covers the one the
 * person went to next; `page.current()` says whether it is still the one.
 */
export function startPage() {
  const mine = ++turn;
  const current = () => mine === turn;
  const show = (title, ...content) => {
    if (!current()) return;
    document.title = `${title} · ${t("brand")}`;
    const heading = h("h1", { tabindex: "-1" }, title);
    main.replaceChildren(heading, ...content.filter((part) => part !== null && part !== undefined));
    heading.focus();
  };
  return { show, current };
}

// --- navigation ----------------------------------------------------------------

// The router (app.js) registers itself here, so a page can navigate and
// redraw the navigation bar without importing the router that loads it.
let router = { route: async () => {}, renderNav: () => {} };

export function useRouter(routes) {
  router = routes;
}

/** Shows the page at `path`, as a link does. */
export function go(path) {
  history.pushState(null, "", path);
  return router.route();
}

/** Shows the current page again (after a change of language). */
export function reroute() {
  return router.route();
}

/** Redraws the navigation bar (after signing in or out, or a change of language). */
export function renderNav() {
  router.renderNav();
}

/**
 * What a module that could not be loaded means to the person: most often
 * the network (a failing module also lands here: its error is logged).
 */
export function unloaded(cause) {
  console.error(cause);
  throw new ApiError(0, {});
}

export function link(path, text, attrs = {}) {
  return h("a", { href: path, ...attrs, onclick: (event) => { event.preventDefault(); go(path); } }, text);
}

// --- forms -------------------------------------------------------------------

let fieldCount = 0;

/** A labelled input, select or textarea with its error slot. */
export function field(name, label, control, { required = false, hint = null } = {}) {
  const id = `f-${name}-${++fieldCount}`;
  control.id = id;
  control.name = name;
  if (required) control.required = true;
  const error = h("p", { class: "error", id: `${id}-error`, hidden: true });
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field", "data-field": name },
    h("label", { for: id }, label, required ? h("span", { class: "visually-hidden" }, ` ${t("required")}`) : null),
    hint ? h("p", { class: "when" }, hint) : null,
    control, error);
}

/** A select of `[value, text]` options with `value` chosen. */
export function select(options, value) {
  return h("select", {}, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

export function passwordInput(autocomplete) {
  return h("input", { type: "password", autocomplete, minlength: "10", maxlength: "128" });
}

/**
 * What to tell the person about a failed call. The API explains in English;
 * in other languages, problems that name no field are told by their kind
 * (status) from the catalog, as are answers that carry no explanation.
 */
export function errorMessage(error) {
  if (!(error instanceof ApiError)) return error.message;
  if (error.status === 0) return t("error.network");
  // A common reason for refusing a field is worded by the catalog, in every language.
  if (error.reason && hasText(`reason.${error.reason}`)) return t(`reason.${error.reason}`, { limit: error.limit });
  const kind = `error.${error.status >= 500 ? 503 : error.status}`;
  const byKind = hasText(kind) && !error.field && (language() !== "en" || !error.detail);
  return byKind ? t(kind, { seconds: error.retryAfter ?? 60 }) : error.message;
}

/** Shows an API error: next to its field when it names one, else above the form. */
export function showError(form, error) {
  for (const slot of form.querySelectorAll(".error")) slot.hidden = true;
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  const message = errorMessage(error);
  const holder = error.field && form.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
  if (holder) {
    const control = holder.querySelector("input, select, textarea");
    const slot = holder.querySelector(".error");
    slot.textContent = message;
    slot.hidden = false;
    control.setAttribute("aria-invalid", "true");
    control.focus();
  } else {
    let banner = form.querySelector(".notice.problem");
    if (!banner) {
      banner = h("p", { class: "notice problem", role: "alert", tabindex: "-1" });
      form.prepend(banner);
    }
    banner.textContent = t("error.generic", { detail: message });
    banner.focus();
  }
}

export function values(form) {
  const data = {};
  for (const [name, value] of new FormData(form)) data[name] = value;
  return data;
}

/** Submits with `action(values, form, submitter)`, showing errors where they belong. */
export function onSubmit(action) {
  return async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action(values(form), form, event.submitter);
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  };
}

/**
 * A table of `headings` (catalog keys) whose `row(cells)` labels each cell
 * with its column, so phones can show each row as a card. Explicit roles
 * keep it a table for screen readers when the cards replace the layout.
 */
export function cardTable(headings) {
  const body = h("tbody", { role: "rowgroup" });
  const table = h("table", { role: "table" }, h("thead", { role: "rowgroup" }, h("tr", { role: "row" },
    headings.map((k) => h("th", { scope: "col", role: "columnheader" }, t(k))))), body);
  const row = (cells) => h("tr", { role: "row" }, cells.map((cell, i) => h("td", { role: "cell", "data-label": t(headings[i]) }, cell)));
  return { table, body, row };
}

/** 128 random bits as hex (crypto.randomUUID needs a secure context; this does not). */
export function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The secret of an emailed link, from the fragment (never sent to servers), removed from the address bar. */
export function linkToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}

/** PUTs `file` to a presigned request, reporting progress in percent. */
export function upload(request, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    for (const [name, value] of request.headers) {
      // The browser sets Content-Length itself; it must not be set by script.
      if (name.toLowerCase() !== "content-length") xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100)); };
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(xhr.responseText.trim() || `HTTP ${xhr.status}`)));
    xhr.onerror = () => reject(new ApiError(0, { detail: "network" }));
    xhr.send(file);
  });
}
