// The people a ticket names, as the interface shows them, and support's
// directory of agents and organizations (the assignee and queue pickers).

import { api, currentAccount } from "../api.js";
import { language, t } from "../i18n.js";

let cached = null;

/** Support's agents and organizations, by name in the interface's language (read once per person signed in). */
export async function directory() {
  const reader = currentAccount()?.id;
  if (!cached || cached.reader !== reader) {
    const { agents, organizations } = await api("GET", "/agent/directory");
    const byName = new Intl.Collator(language()).compare;
    agents.sort((a, b) => byName(a.name, b.name));
    organizations.sort((a, b) => byName(a.name, b.name));
    cached = { reader, agents, organizations };
  }
  return cached;
}

/** How a ticket names one of its people: "Sam Agent (Support)", with the address if asked and known (support only). */
export function personName(ticket, id, { address = false } = {}) {
  const person = ticket.people?.[id];
  if (!person) return t("person.unknown");
  const name = person.name || t("person.guest");
  const side = person.side === "support" ? ` (${t("person.support")})` : "";
  return address && person.email ? `${name}${side} <${person.email}>` : `${name}${side}`;
}
