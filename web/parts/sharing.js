// The requester's side of a ticket: who else it is shared with, and whether
// the organization sees it.

import { t } from "../i18n.js";
import { announce, field, h, onSubmit, select } from "../kit.js";
import { VISIBILITIES, choices } from "../vocabulary.js";

/** The sharing section of `ticket` for its requester `viewer` (an `audience`). */
export function sharing(ticket, viewer, reload) {
  const base = viewer.base;
  const share = h("form", { onsubmit: onSubmit(async (v, form) => {
    await viewer.call("POST", `${base}/participants`, { emails: v.emails });
    form.reset();
    announce(t("share.done"));
    await reload();
  }) },
  field("emails", t("share.emails"), h("input", { type: "text" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("share.submit"))));
  const visibility = h("form", { onsubmit: onSubmit(async (v) => {
    await viewer.call("PATCH", base, { visibility: v.visibility });
    await reload();
  }) },
  field("visibility", t("share.visibility"), select(choices("visibility", VISIBILITIES), ticket.visibility)),
  h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t("share.setVisibility"))));
  // Who it is shared with, from the history (added and not removed since).
  const shared = new Set();
  for (const event of ticket.history) {
    if (event.type === "participant_added") shared.add(event.email);
    if (event.type === "participant_removed") shared.delete(event.email);
  }
  const people = h("ul", {}, [...shared].map((email) => h("li", {}, email, " ",
    h("button", { type: "button", class: "secondary", onclick: async () => {
      await viewer.call("DELETE", `${base}/participants/${encodeURIComponent(email)}`);
      announce(t("share.removed", { email }));
      await reload();
    } }, t("share.remove", { email })))));
  return [h("h2", {}, t("share.title")), shared.size ? people : null, share, visibility];
}
