// One ticket as its audience sees it. Everyone gets the header, the history
// with downloads, the note form, close/reopen and attachments; support gets
// triage (triage.js) and the requester sharing (sharing.js), each loaded
// only for them.

import { currentAccount } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { announce, field, h, onSubmit, unloaded, upload } from "../kit.js";
import { personName } from "./people.js";

/**
 * Who is looking at a ticket, decided once by the page that shows it:
 * `kind` is "guest" (by access key), "customer" or "agent", `base` the
 * ticket's API path, `call` the API client that speaks for them and
 * `people` support's directory (agents only: it fills the assignee picker).
 */
export function audience(kind, base, call, people = null) {
  return { kind, base, call, people, account: kind === "guest" ? null : currentAccount() };
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

/** Shows `ticket` on `page` to `viewer` (an `audience`); `reload` fetches and shows it again. */
export async function showTicket(page, ticket, viewer, reload) {
  const { kind, base, call } = viewer;
  const history = h("ol", { class: "history" }, ticket.history.map((event) =>
    h("li", { class: event.internal ? "internal" : null },
      h("p", {}, h("strong", {}, eventText(event, ticket)), " ",
        h("span", { class: "when" }, `${personName(ticket, event.actor_id)} · ${formatDate(event.at)}`)),
      event.internal ? h("p", {}, t("event.internal")) : null,
      event.text ? h("pre", { class: "text" }, event.text) : null,
      event.type === "attachment_added" ? h("button", { type: "button", class: "secondary", onclick: async () => {
        const download = await call("GET", `${base}/attachments/${encodeURIComponent(event.attachment_id)}`);
        location.assign(download.url);
      } }, t("attach.download", { name: event.file_name })) : null)));
  const noteForm = h("form", { onsubmit: onSubmit(async (v, form) => {
    const body = { text: v.text };
    if (v.internal) body.internal = true;
    if (v.title) body.title = v.title;
    if (v.notify) body.notify = v.notify;
    await call("POST", `${base}/notes`, body);
    form.reset();
    announce(t("ticket.noteAdded"));
    await reload();
  }) },
  field("title", t("ticket.noteTitle"), h("input", { type: "text", maxlength: "200" })),
  field("text", t("ticket.noteText"), h("textarea", { maxlength: "20000" }), { required: true }),
  // A guest's key opens this ticket only: notifying others is for accounts.
  kind === "guest" ? null : field("notify", t("ticket.notify"), h("input", { type: "text" })),
  kind === "agent" ? h("div", { class: "field" }, h("label", {}, h("input", { type: "checkbox", name: "internal" }), " ", t("support.internal"))) : null,
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("ticket.send"))));
  const completed = ticket.status === "resolved" || ticket.status === "closed";
  const statusForm = h("form", { onsubmit: onSubmit(async () => {
    await call("PATCH", base, { status: completed ? "open" : "closed" });
    announce(t(completed ? "ticket.reopened" : "ticket.closed"));
    await reload();
  }) }, h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t(completed ? "ticket.reopen" : "ticket.close"))));
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
  const extra = kind === "agent" ? (await import("./triage.js").catch(unloaded)).triage(ticket, viewer, reload)
    : kind === "customer" && viewer.account?.id === ticket.requester_id
      ? (await import("./sharing.js").catch(unloaded)).sharing(ticket, viewer, reload)
      : [];
  page.show(`${ticket.number} · ${ticket.title}`,
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
    h("h2", {}, t("ticket.addNote")), noteForm, statusForm,
    h("h2", {}, t("attach.title")), attachForm, ...extra);
}
