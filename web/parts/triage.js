// Support's side of a ticket: status, priority, escalation group and assignee.

import { t } from "../i18n.js";
import { announce, field, h, onSubmit, select } from "../kit.js";
import { PRIORITIES, STATUSES, choices } from "../vocabulary.js";
import { personName } from "./people.js";

/** The triage form of `ticket` for the agent `viewer` (an `audience`): its heading and form. */
export function triage(ticket, viewer, reload) {
  const me = viewer.account.id;
  const agents = (viewer.people?.agents ?? []).map((a) => [a.id, a.id === me ? t("support.meNamed", { name: a.name }) : a.name]);
  // An assignee the directory does not list (yet) stays selected, so saving never unassigns by accident.
  if (ticket.assignee_id && !agents.some(([id]) => id === ticket.assignee_id)) {
    agents.unshift([ticket.assignee_id, personName(ticket, ticket.assignee_id)]);
  }
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const body = { status: v.status, priority: v.priority, version: ticket.version };
    if (v.assignee !== (ticket.assignee_id || "")) body.assignee_id = v.assignee || null;
    if (v.group) body.group = v.group;
    await viewer.call("PATCH", viewer.base, body);
    announce(t("support.updated"));
    await reload();
  }) },
  field("status", t("ticket.status"), select(choices("status", STATUSES), ticket.status)),
  field("priority", t("ticket.priority"), select(choices("priority", PRIORITIES), ticket.priority)),
  field("group", t("support.group"), h("input", { type: "text", value: ticket.group || "" })),
  field("assignee", t("support.assignee"), select([["", t("support.nobody")], ...agents], ticket.assignee_id || "")),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("support.update"))));
  return [h("h2", {}, t("support.update")), form];
}
