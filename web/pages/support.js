// Support's queue: filtered by assignee, organization, priority and status,
// longest waiting first.

import { currentAccount } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { field, go, h, select, values } from "../kit.js";
import { directory } from "../parts/people.js";
import { ticketTable } from "../parts/ticket-table.js";
import { PRIORITIES, STATUSES, choices } from "../vocabulary.js";

export default async function supportPage(page) {
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
  // The most urgent first: the order support scans in.
  field("priority", t("support.priority"), select([["", t("support.any")], ...choices("priority", [...PRIORITIES].reverse())], priority)),
  field("status", t("ticket.status"), select([["", t("support.any")], ...choices("status", STATUSES)], status)),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("list.apply"))));
  const query = new URLSearchParams(location.search);
  for (const name of [...query.keys()]) if (!["assignee", "assignee_id", "organization_id", "priority", "status"].includes(name)) query.delete(name);
  if (!query.has("assignee") && !query.has("assignee_id")) query.set("assignee", "anyone");
  const organizations = new Map(people.organizations.map((o) => [o.id, o.name]));
  const [table, more, load] = ticketTable(`/agent/tickets?${query}`,
    ["support.organization", "support.waiting", "support.priority"],
    (ticket) => [ticket.organization_id ? organizations.get(ticket.organization_id) ?? ticket.organization_id : t("person.guest"),
      formatDate(ticket.waiting_since), t(`priority.${ticket.priority}`)], "support.empty");
  page.show(t("support.title"), filters, table, more);
  await load(null);
}
