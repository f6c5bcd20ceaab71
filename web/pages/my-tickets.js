// The customer's lists: their own or their organization's tickets, open,
// completed or all, searched by text.

import { formatDate, t } from "../i18n.js";
import { field, go, h, select, values } from "../kit.js";
import { ticketTable } from "../parts/ticket-table.js";

export default async function listPage(page) {
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
  page.show(t("list.title"), filters, table, more);
  await load(null);
}
