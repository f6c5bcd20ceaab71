// The API's words for a ticket, in the order the forms offer them; each
// list is the API's (web/openapi.yaml) and the domain's (shared/src/domain),
// which tests/it/openapi.rs checks. Their labels are in i18n.js under
// `status.`, `priority.`, `type.` and `visibility.`.

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
