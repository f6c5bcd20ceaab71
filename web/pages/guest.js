// A request without an account: the proof of work runs in a Web Worker from
// the moment the page opens, so it is usually done before the form is.

import { anonymous } from "../api.js";
import { language, t } from "../i18n.js";
import { field, h, onSubmit, select } from "../kit.js";
import { GUEST_CATEGORIES, choices } from "../vocabulary.js";

export default function guestPage(page) {
  const worker = new Worker("/pow-worker.js");
  const solved = anonymous("GET", "/guest/challenge").then((challenge) => new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve({ challenge: challenge.challenge, solution: data.solution });
    worker.postMessage(challenge);
  }));
  const state = h("p", { class: "when", "aria-live": "polite" });
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    state.textContent = t("guest.checking");
    const proof = await solved;
    const body = { contact_name: v.contact_name, email: v.email, urgency: v.urgency, category: v.category,
      description: v.description, website: v.website || "", language: language(), ...proof };
    for (const optional of ["phone", "company_name", "product", "serial_number", "title"]) if (v[optional]) body[optional] = v[optional];
    await anonymous("POST", "/guest/tickets", body);
    worker.terminate();
    page.show(t("guest.title"), h("p", { class: "notice", role: "status" }, t("guest.sent")));
  }) },
  field("contact_name", t("guest.name"), h("input", { type: "text", autocomplete: "name" }), { required: true }),
  field("email", t("guest.email"), h("input", { type: "email", autocomplete: "email" }), { required: true }),
  field("phone", t("guest.phone"), h("input", { type: "tel", autocomplete: "tel" })),
  field("urgency", t("guest.urgency"), select([["not_urgent", t("guest.notUrgent")], ["urgent", t("guest.urgent")]], "not_urgent")),
  field("category", t("guest.category"), select(choices("type", GUEST_CATEGORIES), "helpdesk_support")),
  field("company_name", t("guest.company"), h("input", { type: "text", autocomplete: "organization" })),
  field("product", t("guest.product"), h("input", { type: "text" })),
  field("serial_number", t("guest.serial"), h("input", { type: "text" })),
  field("title", t("guest.subject"), h("input", { type: "text", maxlength: "200" })),
  field("description", t("guest.description"), h("textarea", { maxlength: "20000" }), { required: true }),
  // Honeypot: off-screen, hidden from assistive technology, never focused.
  h("div", { class: "trap", "aria-hidden": "true" },
    h("label", { for: "website" }, t("guest.website")), h("input", { id: "website", name: "website", type: "text", tabindex: "-1", autocomplete: "off" })),
  state,
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("guest.submit"))));
  page.show(t("guest.title"), form);
}
