// The portal's pages: a small router over the History API; every page is
// built with DOM calls (never HTML strings from data), speaks through the
// catalogs in i18n.js and shows the API's problem details next to the field.

import { api, anonymous, currentAccount, restore, signIn, signOut, withAccessKey, ApiError } from "./api.js";
import { formatDate, hasText, language, setLanguage, t } from "./i18n.js";

/** The API path of the ticket the held access key opens. */
const ACCESS_BASE = "/access/ticket";

/** Calls the API with the access key this tab holds. */
function byAccessKey(method, path, body) {
  return withAccessKey(sessionStorage.getItem("sd-access") || "", method, path, body);
}

const main = document.getElementById("main");

/** `h("p", {class: "x"}, "text", child)`: an element with attributes and children. */
function h(tag, attrs = {}, ...children) {
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

function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  setTimeout(() => { status.textContent = message; }, 50);
}

/** Replaces the page and moves focus to its heading, for screen readers and keyboards. */
function show(title, ...content) {
  document.title = `${title} · ${t("brand")}`;
  const heading = h("h1", { tabindex: "-1" }, title);
  main.replaceChildren(heading, ...content.filter((part) => part !== null && part !== undefined));
  heading.focus();
}

export function go(path) {
  history.pushState(null, "", path);
  return route();
}

function link(path, text, attrs = {}) {
  return h("a", { href: path, ...attrs, onclick: (event) => { event.preventDefault(); go(path); } }, text);
}

// --- forms -------------------------------------------------------------------

let fieldCount = 0;

/** A labelled input, select or textarea with its error slot. */
function field(name, label, control, { required = false, hint = null } = {}) {
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

function select(options, value) {
  return h("select", {}, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

/**
 * What to tell the person about a failed call. The API explains in English;
 * in other languages, problems that name no field are told by their kind
 * (status) from the catalog, as are answers that carry no explanation.
 */
function errorMessage(error) {
  if (!(error instanceof ApiError)) return error.message;
  if (error.status === 0) return t("error.network");
  // A common reason for refusing a field is worded by the catalog, in every language.
  if (error.reason && hasText(`reason.${error.reason}`)) return t(`reason.${error.reason}`, { limit: error.limit });
  const kind = `error.${error.status >= 500 ? 503 : error.status}`;
  const byKind = hasText(kind) && !error.field && (language() !== "en" || !error.detail);
  return byKind ? t(kind, { seconds: error.retryAfter ?? 60 }) : error.message;
}

/** Shows an API error: next to its field when it names one, else above the form. */
function showError(form, error) {
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

function values(form) {
  const data = {};
  for (const [name, value] of new FormData(form)) data[name] = value;
  return data;
}

/** Submits with `action(values)`, showing errors where they belong. */
function onSubmit(action) {
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

// --- navigation ----------------------------------------------------------------

function renderNav() {
  const account = currentAccount();
  const items = account
    ? account.role === "agent"
      ? [link("/support", t("nav.support")), link("/profile", t("nav.profile")),
         h("button", { class: "secondary", onclick: doSignOut }, t("nav.signout"))]
      : [link("/", t("nav.home")), link("/my-tickets", t("nav.mine")), link("/new-ticket", t("nav.new")),
         link("/profile", t("nav.profile")), link("/change-password", t("nav.password")),
         h("button", { class: "secondary", onclick: doSignOut }, t("nav.signout"))]
    : [link("/sign-in", t("nav.signin")), link("/guest", t("nav.guest")), link("/access", t("nav.access"))];
  document.getElementById("nav").replaceChildren(h("ul", {}, items.map((item) => h("li", {}, item))));
  document.querySelector(".skip").textContent = t("skip");
  document.querySelector(".brand").textContent = t("brand");
  document.getElementById("lang-label").textContent = t("language");
  document.documentElement.lang = language();
}

async function doSignOut() {
  await signOut();
  supportDirectory = null;
  renderNav();
  go("/sign-in");
  announce(t("signout.done"));
}

// --- people ------------------------------------------------------------------

let supportDirectory = null;

/** Support's agents and organizations, by name in the interface's language (read once per sign-in). */
async function directory() {
  if (!supportDirectory) {
    const { agents, organizations } = await api("GET", "/agent/directory");
    const byName = new Intl.Collator(language()).compare;
    agents.sort((a, b) => byName(a.name, b.name));
    organizations.sort((a, b) => byName(a.name, b.name));
    supportDirectory = { agents, organizations };
  }
  return supportDirectory;
}

/** How a ticket names one of its people: "Sam Agent (Support)", with the address if asked and known (support only). */
function personName(ticket, id, { address = false } = {}) {
  const person = ticket.people?.[id];
  if (!person) return t("person.unknown");
  const name = person.name || t("person.guest");
  const side = person.side === "support" ? ` (${t("person.support")})` : "";
  return address && person.email ? `${name}${side} <${person.email}>` : `${name}${side}`;
}

// --- pages ---------------------------------------------------------------------

/** The current announcements, in the interface's language. */
async function banner() {
  try {
    const { announcements } = await anonymous("GET", "/announcements");
    if (!announcements.length) return null;
    return h("section", { class: "notice", "aria-label": t("home.announcements") },
      announcements.map((a) => h("p", {}, language() === "fr" ? a.message_fr : a.message_en)));
  } catch {
    return null; // The banner is a courtesy: the page works without it.
  }
}

async function homePage() {
  const news = await banner();
  if (!currentAccount()) {
    return show(t("home.title"), news, h("p", {}, t("home.anonymous")),
      h("p", { class: "actions" }, link("/sign-in", t("nav.signin"), { class: "button" }), link("/guest", t("nav.guest"), { class: "button" })));
  }
  show(t("home.title"), news, h("div", { class: "boxes" },
    link("/new-ticket", t("home.create"), { class: "box" }),
    link("/my-tickets", t("home.mine"), { class: "box" }),
    link("/my-tickets?scope=organization&status=all", t("home.search"), { class: "box" })));
}

function signInPage() {
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    await signIn(v.email, v.password);
    renderNav();
    const account = currentAccount();
    go(account.role === "agent" ? "/support" : account.show_landing_page === false ? "/my-tickets" : "/");
    if (account.language && account.language !== language()) {
      setLanguage(account.language);
      renderNav();
      route();
    }
  }) },
  field("email", t("signin.email"), h("input", { type: "email", autocomplete: "username" }), { required: true }),
  field("password", t("signin.password"), h("input", { type: "password", autocomplete: "current-password" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("signin.submit")), link("/forgot-password", t("signin.forgot"))));
  show(t("signin.title"), form);
}

async function listPage() {
  const params = new URLSearchParams(location.search);
  const scope = params.get("scope") || "mine";
  const status = params.get("status") || "open";
  const q = params.get("q") || "";
  const filters = h("form", { onsubmit: (event) => {
    event.preventDefault();
    const v = values(event.currentTarget);
    go(`/my-tickets?${new URLSearchParams({ scope: v.scope, status: v.status, q: v.q })}`);
  } },
  field("scope", t("list.scope"), select([["mine", t("list.mine")], ["organization", t("list.organization")]], scope)),
  field("status", t("list.status"), select([["open", t("list.open")], ["completed", t("list.completed")], ["all", t("list.all")]], status)),
  field("q", t("list.search"), h("input", { type: "search", value: q })),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("list.apply"))));
  const query = new URLSearchParams({ scope, status });
  if (q) query.set("q", q);
  const [table, more, load] = ticketTable(`/tickets?${query}`,
    ["col.created", "col.updated"], (ticket) => [formatDate(ticket.created_at), formatDate(ticket.updated_at)], "list.empty");
  show(t("list.title"), filters, table, more);
  await load(null);
}

/**
 * A table of tickets (number, title, status, then `extra` columns) filled a
 * page at a time from `path`, with a "more" button while there are more.
 * Returns the table, the button's place and the loader (`load(null)` to start).
 */
function ticketTable(path, extraHeadings, extraCells, emptyKey) {
  const { table, body, row } = cardTable(["col.number", "col.title", "col.status", ...extraHeadings]);
  const more = h("div", { class: "actions" });
  const load = async (cursor) => {
    const url = new URL(path, location.origin);
    url.searchParams.set("limit", "25");
    if (cursor) url.searchParams.set("cursor", cursor);
    const page = await api("GET", `${url.pathname}${url.search}`);
    for (const ticket of page.tickets) {
      body.append(row([link(`/ticket/${ticket.number}`, ticket.number), ticket.title, t(`status.${ticket.status}`), ...extraCells(ticket)]));
    }
    if (!body.children.length) body.append(h("tr", { role: "row" }, h("td", { role: "cell", colspan: String(3 + extraHeadings.length) }, t(emptyKey))));
    more.replaceChildren(page.next_cursor ? h("button", { type: "button", onclick: () => load(page.next_cursor) }, t("list.more")) : "");
  };
  return [table, more, load];
}

/**
 * A table of `headings` (catalog keys) whose `row(cells)` labels each cell
 * with its column, so phones can show each row as a card. Explicit roles
 * keep it a table for screen readers when the cards replace the layout.
 */
function cardTable(headings) {
  const body = h("tbody", { role: "rowgroup" });
  const table = h("table", { role: "table" }, h("thead", { role: "rowgroup" }, h("tr", { role: "row" },
    headings.map((k) => h("th", { scope: "col", role: "columnheader" }, t(k))))), body);
  const row = (cells) => h("tr", { role: "row" }, cells.map((cell, i) => h("td", { role: "cell", "data-label": t(headings[i]) }, cell)));
  return { table, body, row };
}

/** 128 random bits as hex (crypto.randomUUID needs a secure context; this does not). */
function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function newTicketPage() {
  const types = ["incident", "helpdesk_support", "question", "feature_request", "general_request"];
  // One key per ticket being written: sending again after a lost answer
  // gets the ticket already opened instead of a second one.
  let attempt = randomKey();
  const form = h("form", { onsubmit: onSubmit(async (v, form, submitter) => {
    const body = { request_type: v.request_type, priority: v.priority, title: v.title, description: v.description,
      product: v.product || null, serial_number: v.serial_number || null, visibility: v.visibility };
    let ticket;
    try {
      ticket = await api("POST", "/tickets", body, { "idempotency-key": attempt });
    } catch (error) {
      // The first send opened a ticket (its answer was lost) and the form
      // changed since: say so, and let the next send be a new ticket.
      if (error instanceof ApiError && error.field === "Idempotency-Key") {
        attempt = randomKey();
        throw new Error(t("new.alreadyOpened"));
      }
      throw error;
    }
    attempt = randomKey();
    const files = [...form.querySelector("input[type=file]").files];
    const bars = form.querySelector(".uploads");
    // The ticket exists now: a refused file must not leave the person on this
    // form, where saving again would open a second ticket.
    const refused = [];
    for (const file of files) {
      const bar = h("progress", { max: "100", value: "0", "aria-label": t("attach.progress", { name: file.name }) });
      bars.append(h("p", {}, file.name, " ", bar));
      try {
        const grant = await api("POST", `/tickets/${ticket.number}/attachments`, { file_name: file.name, content_type: file.type || "application/octet-stream", size: file.size });
        await upload(grant.upload, file, (done) => { bar.value = done; });
      } catch (error) {
        refused.push(t("new.fileRefused", { name: file.name, why: errorMessage(error) }));
      }
    }
    announce(t("new.saved", { number: ticket.number }));
    if (refused.length || !submitter || submitter.value !== "another") {
      await go(`/ticket/${ticket.number}`);
      if (refused.length) main.querySelector("h1").after(h("div", { class: "notice problem", role: "alert" }, refused.map((line) => h("p", {}, line))));
    } else {
      form.reset();
      bars.replaceChildren();
      form.querySelector("select").focus();
    }
  }) },
  field("request_type", t("new.type"), select(types.map((k) => [k, t(`type.${k}`)]), "incident"), { required: true }),
  field("priority", t("new.priority"), select(["low", "normal", "high", "urgent"].map((k) => [k, t(`priority.${k}`)]), "normal")),
  field("title", t("new.subject"), h("input", { type: "text", maxlength: "200" }), { required: true }),
  field("description", t("new.description"), h("textarea", { maxlength: "20000" }), { required: true }),
  field("product", t("new.product"), h("input", { type: "text" })),
  field("serial_number", t("new.serial"), h("input", { type: "text" })),
  field("visibility", t("new.visibility"), select(["organization", "private"].map((k) => [k, t(`visibility.${k}`)]), "organization")),
  field("files", t("new.files"), h("input", { type: "file", multiple: true })),
  h("div", { class: "uploads", "aria-live": "polite" }),
  h("div", { class: "actions" },
    h("button", { type: "submit", value: "save" }, t("new.save")),
    h("button", { type: "submit", value: "another", class: "secondary" }, t("new.saveAnother")),
    link("/my-tickets", t("new.cancel"))));
  show(t("new.title"), form);
}

function eventText(event, ticket) {
  switch (event.type) {
    case "assigned": return event.to ? t("event.assigned_to", { name: personName(ticket, event.to) }) : t("event.unassigned");
    case "note": return event.title ? `${t("event.note")}: ${event.title}` : t("event.note");
    case "status_changed": return t("event.status_changed", { from: t(`status.${event.from}`), to: t(`status.${event.to}`) });
    case "priority_changed": return t("event.priority_changed", { from: t(`priority.${event.from}`), to: t(`priority.${event.to}`) });
    case "attachment_added": return t("event.attachment_added", { file: event.file_name });
    case "escalated": return t("event.escalated", { group: event.group });
    case "participant_added": case "participant_removed": return t(`event.${event.type}`, { email: event.email });
    default: return t(`event.${event.type}`);
  }
}

/**
 * A ticket with its history and note form; `base` is its API path and
 * `people` support's directory (agents only: it fills the assignee picker).
 */
function ticketView(ticket, base, reload, people = null) {
  const history = h("ol", { class: "history" }, ticket.history.map((event) =>
    h("li", { class: event.internal ? "internal" : null },
      h("p", {}, h("strong", {}, eventText(event, ticket)), " ",
        h("span", { class: "when" }, `${personName(ticket, event.actor_id)} · ${formatDate(event.at)}`)),
      event.internal ? h("p", {}, t("event.internal")) : null,
      event.text ? h("pre", { class: "text" }, event.text) : null,
      event.type === "attachment_added" ? h("button", { type: "button", class: "secondary", onclick: async () => {
        const call = base === ACCESS_BASE ? byAccessKey : api;
        const download = await call("GET", `${base}/attachments/${encodeURIComponent(event.attachment_id)}`);
        location.assign(download.url);
      } }, t("attach.download", { name: event.file_name })) : null)));
  const noteForm = h("form", { onsubmit: onSubmit(async (v, form) => {
    const body = { text: v.text };
    if (v.internal) body.internal = true;
    if (v.title) body.title = v.title;
    if (v.notify) body.notify = v.notify;
    await (base === ACCESS_BASE ? byAccessKey : api)("POST", `${base}/notes`, body);
    form.reset();
    announce(t("ticket.noteAdded"));
    await reload();
  }) },
  field("title", t("ticket.noteTitle"), h("input", { type: "text", maxlength: "200" })),
  field("text", t("ticket.noteText"), h("textarea", { maxlength: "20000" }), { required: true }),
  base === ACCESS_BASE ? null : field("notify", t("ticket.notify"), h("input", { type: "text" })),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("ticket.send"))));
  const completed = ticket.status === "resolved" || ticket.status === "closed";
  const statusForm = h("form", { onsubmit: onSubmit(async () => {
    const call = base === ACCESS_BASE ? byAccessKey : api;
    await call("PATCH", base, { status: completed ? "open" : "closed" });
    announce(t(completed ? "ticket.reopened" : "ticket.closed"));
    await reload();
  }) }, h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t(completed ? "ticket.reopen" : "ticket.close"))));
  const isGuest = base === ACCESS_BASE;
  const call = isGuest ? byAccessKey : api;
  const agent = currentAccount()?.role === "agent";
  const extra = [];
  // Attachments: pick a file, upload it to the signed link with a progress bar.
  const progress = h("progress", { max: "100", value: "0", hidden: true, "aria-label": t("attach.title") });
  const attachForm = h("form", { onsubmit: onSubmit(async (v, form) => {
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) return;
    const grant = await call("POST", `${base}/attachments`, { file_name: file.name, content_type: file.type || "application/octet-stream", size: file.size });
    progress.hidden = false;
    announce(t("attach.progress", { name: file.name }));
    await upload(grant.upload, file, (done) => { progress.value = done; });
    form.reset();
    progress.hidden = true;
    announce(t("attach.done", { name: file.name }));
    await reload();
  }) },
  field("file_name", t("attach.file"), h("input", { type: "file" }), { required: true }),
  progress,
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("attach.upload"))));
  extra.push(h("h2", {}, t("attach.title")), attachForm);
  if (agent) {
    const internal = noteForm.querySelector(".actions");
    internal.before(h("div", { class: "field" }, h("label", {}, h("input", { type: "checkbox", name: "internal" }), " ", t("support.internal"))));
    const me = currentAccount().id;
    const agents = (people?.agents ?? []).map((a) => [a.id, a.id === me ? t("support.meNamed", { name: a.name }) : a.name]);
    // An assignee the directory does not list (yet) stays selected, so saving never unassigns by accident.
    if (ticket.assignee_id && !agents.some(([id]) => id === ticket.assignee_id)) {
      agents.unshift([ticket.assignee_id, personName(ticket, ticket.assignee_id)]);
    }
    const triage = h("form", { onsubmit: onSubmit(async (v) => {
      const body = { status: v.status, priority: v.priority, version: ticket.version };
      if (v.assignee !== (ticket.assignee_id || "")) body.assignee_id = v.assignee || null;
      if (v.group) body.group = v.group;
      await api("PATCH", base, body);
      announce(t("support.updated"));
      await reload();
    }) },
    field("status", t("ticket.status"), select(["new", "open", "in_progress", "awaiting_customer", "resolved", "closed"].map((k) => [k, t(`status.${k}`)]), ticket.status)),
    field("priority", t("ticket.priority"), select(["low", "normal", "high", "urgent"].map((k) => [k, t(`priority.${k}`)]), ticket.priority)),
    field("group", t("support.group"), h("input", { type: "text", value: ticket.group || "" })),
    field("assignee", t("support.assignee"), select([["", t("support.nobody")], ...agents], ticket.assignee_id || "")),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("support.update"))));
    extra.push(h("h2", {}, t("support.update")), triage);
  } else if (!isGuest && currentAccount()?.id === ticket.requester_id) {
    const share = h("form", { onsubmit: onSubmit(async (v, form) => {
      await api("POST", `${base}/participants`, { emails: v.emails });
      form.reset();
      announce(t("share.done"));
      await reload();
    }) },
    field("emails", t("share.emails"), h("input", { type: "text" }), { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("share.submit"))));
    const visibility = h("form", { onsubmit: onSubmit(async (v) => {
      await api("PATCH", base, { visibility: v.visibility });
      await reload();
    }) },
    field("visibility", t("share.visibility"), select(["organization", "private"].map((k) => [k, t(`visibility.${k}`)]), ticket.visibility)),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t("share.setVisibility"))));
    // Who it is shared with, from the history (added and not removed since).
    const shared = new Set();
    for (const event of ticket.history) {
      if (event.type === "participant_added") shared.add(event.email);
      if (event.type === "participant_removed") shared.delete(event.email);
    }
    const people = h("ul", {}, [...shared].map((email) => h("li", {}, email, " ",
      h("button", { type: "button", class: "secondary", onclick: async () => {
        await api("DELETE", `${base}/participants/${encodeURIComponent(email)}`);
        announce(t("share.removed", { email }));
        await reload();
      } }, t("share.remove", { email })))));
    extra.push(h("h2", {}, t("share.title")), shared.size ? people : null, share, visibility);
  }
  show(`${ticket.number} · ${ticket.title}`,
    h("dl", { class: "meta" },
      h("dt", {}, t("ticket.status")), h("dd", { "data-status": ticket.status }, t(`status.${ticket.status}`)),
      h("dt", {}, t("ticket.type")), h("dd", {}, t(`type.${ticket.request_type}`)),
      h("dt", {}, t("ticket.priority")), h("dd", {}, t(`priority.${ticket.priority}`)),
      h("dt", {}, t("ticket.visibility")), h("dd", {}, t(`visibility.${ticket.visibility}`)),
      h("dt", {}, t("ticket.created")), h("dd", {}, formatDate(ticket.created_at)),
      h("dt", {}, t("ticket.requester")), h("dd", {}, personName(ticket, ticket.requester_id, { address: true })),
      ticket.organization_name ? [h("dt", {}, t("ticket.organization")), h("dd", {}, ticket.organization_name)] : null,
      ticket.assignee_id ? [h("dt", {}, t("ticket.assignee")), h("dd", {}, personName(ticket, ticket.assignee_id, { address: true }))] : null),
    h("h2", {}, t("ticket.history")), history,
    h("h2", {}, t("ticket.addNote")), noteForm, statusForm, ...extra);
}

/** PUTs `file` to a presigned request, reporting progress in percent. */
function upload(request, file, onProgress) {
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

async function supportPage() {
  const people = await directory();
  const params = new URLSearchParams(location.search);
  // `assignee` is anyone, me or nobody; `assignee_id` one agent: one picker offers both.
  const me = currentAccount().id;
  const picked = params.get("assignee_id") || params.get("assignee") || "anyone";
  const assignee = picked === me ? "me" : picked;
  const organization = params.get("organization_id") || "";
  const priority = params.get("priority") || "";
  const status = params.get("status") || "";
  const filters = h("form", { onsubmit: (event) => {
    event.preventDefault();
    const v = values(event.currentTarget);
    const query = new URLSearchParams();
    query.set(["anyone", "me", "nobody"].includes(v.assignee) ? "assignee" : "assignee_id", v.assignee);
    for (const name of ["organization_id", "priority", "status"]) if (v[name]) query.set(name, v[name]);
    go(`/support?${query}`);
  } },
  field("assignee", t("support.assignee"), select([["anyone", t("support.anyone")], ["me", t("support.me")], ["nobody", t("support.nobody")],
    ...people.agents.filter((a) => a.id !== me).map((a) => [a.id, a.name])], assignee)),
  field("organization_id", t("support.organization"), select([["", t("support.anyOrganization")], ...people.organizations.map((o) => [o.id, o.name])], organization)),
  field("priority", t("support.priority"), select([["", t("support.any")], ...["urgent", "high", "normal", "low"].map((k) => [k, t(`priority.${k}`)])], priority)),
  field("status", t("ticket.status"), select([["", t("support.any")], ...["new", "open", "in_progress", "awaiting_customer", "resolved", "closed"].map((k) => [k, t(`status.${k}`)])], status)),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("list.apply"))));
  const query = new URLSearchParams(location.search);
  for (const name of [...query.keys()]) if (!["assignee", "assignee_id", "organization_id", "priority", "status"].includes(name)) query.delete(name);
  if (!query.has("assignee") && !query.has("assignee_id")) query.set("assignee", "anyone");
  const organizations = new Map(people.organizations.map((o) => [o.id, o.name]));
  const [table, more, load] = ticketTable(`/agent/tickets?${query}`,
    ["support.organization", "support.waiting", "support.priority"],
    (ticket) => [ticket.organization_id ? organizations.get(ticket.organization_id) ?? ticket.organization_id : t("person.guest"),
      formatDate(ticket.waiting_since), t(`priority.${ticket.priority}`)], "support.empty");
  show(t("support.title"), filters, table, more);
  await load(null);
}

async function ticketPage(number) {
  const path = `/tickets/${encodeURIComponent(number)}`;
  const people = currentAccount()?.role === "agent" ? await directory() : null;
  const reload = async () => ticketView(await api("GET", path), path, reload, people);
  await reload();
}

function guestPage() {
  const worker = new Worker("/pow-worker.js");
  const solved = anonymous("GET", "/guest/challenge").then((challenge) => new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve({ challenge: challenge.challenge, solution: data.solution });
    worker.postMessage(challenge);
  }));
  const state = h("p", { class: "when", "aria-live": "polite" });
  const categories = ["helpdesk_support", "general_request", "incident", "question"];
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    state.textContent = t("guest.checking");
    const proof = await solved;
    const body = { contact_name: v.contact_name, email: v.email, urgency: v.urgency, category: v.category,
      description: v.description, website: v.website || "", language: language(), ...proof };
    for (const optional of ["phone", "company_name", "product", "serial_number", "title"]) if (v[optional]) body[optional] = v[optional];
    await anonymous("POST", "/guest/tickets", body);
    worker.terminate();
    show(t("guest.title"), h("p", { class: "notice", role: "status" }, t("guest.sent")));
  }) },
  field("contact_name", t("guest.name"), h("input", { type: "text", autocomplete: "name" }), { required: true }),
  field("email", t("guest.email"), h("input", { type: "email", autocomplete: "email" }), { required: true }),
  field("phone", t("guest.phone"), h("input", { type: "tel", autocomplete: "tel" })),
  field("urgency", t("guest.urgency"), select([["not_urgent", t("guest.notUrgent")], ["urgent", t("guest.urgent")]], "not_urgent")),
  field("category", t("guest.category"), select(categories.map((k) => [k, t(`type.${k}`)]), "helpdesk_support")),
  field("company_name", t("guest.company"), h("input", { type: "text", autocomplete: "organization" })),
  field("product", t("guest.product"), h("input", { type: "text" })),
  field("serial_number", t("guest.serial"), h("input", { type: "text" })),
  field("title", t("guest.subject"), h("input", { type: "text", maxlength: "200" })),
  field("description", t("guest.description"), h("textarea", { maxlength: "20000" }), { required: true }),
  // Honeypot: off-screen, hidden from assistive technology, never focused.
  h("div", { class: "trap", "aria-hidden": "true" },
    h("label", { for: "website" }, t("guest.website")), h("input", { id: "website", name: "website", type: "text", tabindex: "-1", autocomplete: "off" })),
  state,
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("guest.submit"))));
  show(t("guest.title"), form);
}

async function accessPage() {
  // The key arrives in the fragment (never sent to servers); drop it from the address bar.
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  if (key) {
    sessionStorage.setItem("sd-access", key);
    history.replaceState(null, "", "/access");
  }
  if (sessionStorage.getItem("sd-access")) {
    const reload = async () => ticketView(await byAccessKey("GET", ACCESS_BASE), ACCESS_BASE, reload);
    try {
      return await reload();
    } catch (error) {
      sessionStorage.removeItem("sd-access");
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
  }
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const pasted = v.key.includes("key=") ? new URLSearchParams(v.key.split("#")[1] || "").get("key") || "" : v.key.trim();
    // Not the shape of a key (a typo, other text pasted): refused like an unknown key.
    if (!/^[A-Za-z0-9_-]{43}$/.test(pasted)) throw new ApiError(404, {});
    await withAccessKey(pasted, "GET", ACCESS_BASE);
    sessionStorage.setItem("sd-access", pasted);
    await accessPage();
  }) },
  field("key", t("access.key"), h("input", { type: "text", autocomplete: "off" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("access.open"))));
  show(t("access.title"), form);
}

/** The secret of an emailed link, from the fragment (never sent to servers), removed from the address bar. */
function linkToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}

function passwordInput(autocomplete) {
  return h("input", { type: "password", autocomplete, minlength: "10", maxlength: "128" });
}

function forgotPage() {
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const answer = await anonymous("POST", "/auth/password-reset", { email: v.email });
    show(t("forgot.title"), h("p", { class: "notice", role: "status" }, answer.message));
  }) },
  h("p", {}, t("forgot.help")),
  field("email", t("signin.email"), h("input", { type: "email", autocomplete: "email" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("forgot.submit"))));
  show(t("forgot.title"), form);
}

function resetPage() {
  const token = linkToken();
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    await anonymous("POST", "/auth/password-reset/confirm", { token, password: v.password, password_confirmation: v.password_confirmation });
    show(t("reset.title"), h("p", { class: "notice", role: "status" }, t("reset.done")), link("/sign-in", t("nav.signin"), { class: "button" }));
  }) },
  field("password", t("reset.password"), passwordInput("new-password"), { required: true }),
  field("password_confirmation", t("reset.confirm"), passwordInput("new-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("reset.submit"))));
  show(t("reset.title"), form);
}

function invitationPage() {
  const token = linkToken();
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    await anonymous("POST", "/auth/invitations/accept", { token, first_name: v.first_name, last_name: v.last_name,
      password: v.password, password_confirmation: v.password_confirmation });
    await restore();
    renderNav();
    go("/");
  }) },
  field("first_name", t("invite.first"), h("input", { type: "text", autocomplete: "given-name" }), { required: true }),
  field("last_name", t("invite.last"), h("input", { type: "text", autocomplete: "family-name" }), { required: true }),
  field("password", t("reset.password"), passwordInput("new-password"), { required: true }),
  field("password_confirmation", t("reset.confirm"), passwordInput("new-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("invite.submit"))));
  show(t("invite.title"), form);
}

async function confirmEmailPage() {
  const account = await anonymous("POST", "/account/email/confirm", { token: linkToken() });
  show(t("confirmEmail.title"), h("p", { class: "notice", role: "status" }, t("confirmEmail.done", { email: account.email })));
}

function passwordPage() {
  const form = h("form", { onsubmit: onSubmit(async (v, form) => {
    await api("POST", "/account/password", v);
    await restore();
    form.reset();
    announce(t("password.done"));
    form.prepend(h("p", { class: "notice", role: "status" }, t("password.done")));
  }) },
  field("current_password", t("password.current"), passwordInput("current-password"), { required: true }),
  field("new_password", t("password.new"), passwordInput("new-password"), { required: true }),
  field("new_password_confirmation", t("password.confirm"), passwordInput("new-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("password.submit"))));
  show(t("password.title"), form);
}

async function profilePage() {
  const p = await api("GET", "/account/profile");
  const text = (name, label, autocomplete, required = false) =>
    field(name, label, h("input", { type: name === "email" ? "email" : "text", value: p[name] || "", autocomplete }), { required });
  const check = (name, label) => h("div", { class: "field", "data-field": name },
    h("label", {}, h("input", { type: "checkbox", name, checked: p[name] !== false }), " ", label));
  const form = h("form", { onsubmit: onSubmit(async (v, form) => {
    const body = { prefix: v.prefix || null, first_name: v.first_name, last_name: v.last_name, title: v.title || null,
      office_phone: v.office_phone || null, extension: v.extension || null, mobile: v.mobile || null, email: v.email,
      language: v.language, show_landing_page: "show_landing_page" in v, notify_updates: "notify_updates" in v };
    if (v.current_password) body.current_password = v.current_password;
    const saved = await api("PUT", "/account/profile", body);
    setLanguage(saved.language);
    renderNav();
    await profilePage();
    const message = saved.pending_email ? t("profile.pending", { email: saved.pending_email }) : t("profile.saved");
    main.querySelector("form").prepend(h("p", { class: "notice", role: "status" }, message));
    announce(message);
  }) },
  text("prefix", t("profile.prefix"), "honorific-prefix"),
  text("first_name", t("profile.first"), "given-name", true),
  text("last_name", t("profile.last"), "family-name", true),
  text("title", t("profile.jobTitle"), "organization-title"),
  text("office_phone", t("profile.office"), "tel"),
  text("extension", t("profile.extension"), "tel-extension"),
  text("mobile", t("profile.mobile"), "tel"),
  text("email", t("profile.email"), "email", true),
  field("current_password", t("profile.currentPassword"), passwordInput("current-password")),
  field("language", t("profile.language"), select([["en", "English"], ["fr", "Français"]], p.language)),
  check("show_landing_page", t("profile.landing")),
  check("notify_updates", t("profile.notify")),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("profile.save"))));
  show(t("profile.title"), form, h("p", {}, link("/integration-tokens", t("tokens.title"))));
}

/** Integration tokens: create one (its secret shown once), see and revoke them. */
async function tokensPage() {
  const { tokens } = await api("GET", "/account/tokens");
  const { table, body, row } = cardTable(["tokens.name", "col.created", "tokens.expires", "tokens.actions"]);
  body.append(...tokens.map((token) => row([token.name, formatDate(token.created_at), formatDate(token.expires_at),
    h("button", { type: "button", class: "secondary", onclick: async (event) => {
      // Revoking cuts off whatever system uses it, at once: ask first.
      if (!window.confirm(t("tokens.confirmRevoke", { name: token.name }))) return;
      try {
        await api("DELETE", `/account/tokens/${encodeURIComponent(token.id)}`);
        await tokensPage();
        announce(t("tokens.revoked", { name: token.name }));
      } catch (error) {
        event.target.after(h("p", { class: "error", role: "alert" }, errorMessage(error)));
      }
    } }, t("tokens.revoke", { name: token.name }))])));
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const created = await api("POST", "/account/tokens", { name: v.name, expires_in_days: Number(v.expires_in_days), current_password: v.current_password });
    try {
      await tokensPage();
    } catch {
      // The list could not be reloaded; the secret must be shown all the same.
    }
    // The secret exists only in this answer: show it once, ready to copy.
    const secret = h("input", { type: "text", readonly: true, value: created.token, id: "new-token", class: "secret" });
    main.querySelector("h1").after(h("div", { class: "notice", role: "status" },
      h("label", { for: "new-token" }, t("tokens.created", { name: created.name })), secret));
    secret.select();
  }) },
  field("name", t("tokens.name"), h("input", { type: "text", maxlength: "200" }), { required: true }),
  field("expires_in_days", t("tokens.days"), select([["30", t("tokens.days30")], ["90", t("tokens.days90")], ["365", t("tokens.days365")]], "90")),
  field("current_password", t("password.current"), passwordInput("current-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("tokens.create"))));
  show(t("tokens.title"), h("p", {}, t("tokens.help")), tokens.length ? table : h("p", {}, t("tokens.none")),
    h("h2", {}, t("tokens.new")), form);
}

// --- routing -------------------------------------------------------------------

const pages = [
  [/^\/$/, homePage],
  [/^\/sign-in$/, signInPage],
  [/^\/my-tickets$/, listPage, { signedIn: true }],
  [/^\/new-ticket$/, newTicketPage, { signedIn: true }],
  [/^\/ticket\/([^/]+)$/, ticketPage, { signedIn: true }],
  [/^\/guest$/, guestPage],
  [/^\/access$/, accessPage],
  [/^\/forgot-password$/, forgotPage],
  [/^\/reset-password$/, resetPage],
  [/^\/invitation$/, invitationPage],
  [/^\/confirm-email$/, confirmEmailPage],
  [/^\/change-password$/, passwordPage, { signedIn: true }],
  [/^\/profile$/, profilePage, { signedIn: true }],
  [/^\/integration-tokens$/, tokensPage, { signedIn: true }],
  [/^\/support$/, supportPage, { signedIn: true }],
];

async function route() {
  const path = location.pathname;
  const match = pages.find(([pattern]) => pattern.test(path));
  if (!match) return show("404", h("p", {}, link("/", t("nav.home"))));
  const [pattern, page, options = {}] = match;
  if (options.signedIn && !currentAccount()) return go("/sign-in");
  try {
    await page(...pattern.exec(path).slice(1).map(decodeURIComponent));
  } catch (error) {
    show(t("brand"), h("p", { class: "notice problem", role: "alert" },
      t("error.generic", { detail: errorMessage(error) })));
  }
}

window.addEventListener("popstate", route);
const chooser = document.getElementById("lang");
chooser.value = language();
chooser.addEventListener("change", async () => {
  setLanguage(chooser.value);
  renderNav();
  await route();
  // Signed in: the choice is kept in the profile, so emails follow it too.
  if (currentAccount() && currentAccount().language !== chooser.value) {
    try {
      const profile = await api("GET", "/account/profile");
      await api("PUT", "/account/profile", { ...profile, id: undefined, role: undefined, organization_id: undefined, language: chooser.value });
      currentAccount().language = chooser.value;
    } catch {
      // The interface already switched; the profile keeps its language.
    }
  }
});

await restore();
renderNav();
await route();
