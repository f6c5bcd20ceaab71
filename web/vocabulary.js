// The API's words for a ticket, in the order the forms offer them (support's
// queue filter lists priorities the other way round). Each list holds every
// word of its enum in web/openapi.yaml, once, and each word is one the domain
// (shared/src/domain) reads: tests/it/openapi.rs checks both. Their labels
// are in i18n.js under `status.`, `priority.`, `type.` and `visibility.`.

import { t } from "./i18n.js";

export const STATUSES = ["new", "open", "in_progress", "awaiting_customer", "resolved", "closed"];
export const PRIORITIES = ["low", "normal", "high", "urgent"];
export const REQUEST_TYPES = ["incident", "helpdesk_support", "question", "feature_request", "general_request"];
/** The request types a guest picks from (the web form's categories). */
export const GUEST_CATEGORIES = ["helpdesk_support", "general_request", "incident", "question"];
export const VISIBILITIES = ["organization", "private"];

/** `[value, label]` options for `select`, labelled from the catalog under `kind.`. */
export function choices(kind, words) {
  return words.map((word) => [word, t(`${kind}.${word}`)]);
}
