// A list of tickets a page at a time: the customer's lists and support's queue.

import { api } from "../api.js";
import { t } from "../i18n.js";
import { cardTable, h, link } from "../kit.js";

/**
 * A table of tickets (number, title, status, then `extra` columns) filled a
 * page at a time from `path`, with a "more" button while there are more.
 * Returns the table, the button's place and the loader (`load(null)` to start).
 */
export function ticketTable(path, extraHeadings, extraCells, emptyKey) {
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
