// A ticket, for a signed-in customer or agent (guests open theirs on /access).

import { api, currentAccount } from "../api.js";
import { directory } from "../parts/people.js";
import { audience, showTicket } from "../parts/ticket-view.js";

export default async function ticketPage(page, number) {
  const path = `/tickets/${encodeURIComponent(number)}`;
  const viewer = currentAccount()?.role === "agent"
    ? audience("agent", path, api, await directory())
    : audience("customer", path, api);
  const reload = async () => showTicket(page, await api("GET", path), viewer, reload);
  await reload();
}
