// Opening a ticket, with its files; "save and add another" keeps the form.

import { api, ApiError } from "../api.js";
import { t } from "../i18n.js";
import { announce, errorMessage, field, go, h, link, main, onSubmit, randomKey, select, upload } from "../kit.js";
import { PRIORITIES, REQUEST_TYPES, VISIBILITIES, choices } from "../vocabulary.js";

export default function newTicketPage(page) {
  // One key per ticket being written: sending again after a lost answer
  // gets the ticket already opened instead of a second one.
  let attempt = randomKey();
  const form = h("form", { onsubmit: onSubmit(async (v, form, submitter) => {
    const body = { request_type: v.request_type, priority: v.priority, title: v.title, description: v.description,
      product: v.product || null, serial_number: v.serial_number || null, visibility: v.visibility };
    let ticket;
    try {
      ticket = await api("POST", "/tickets", body, { "idempotency-key": attempt });
    } catch (error) {
      // The first send opened a ticket (its answer was lost) and the form
      // changed since: say so, and let the next send be a new ticket.
      if (error instanceof ApiError && error.field === "Idempotency-Key") {
        attempt = randomKey();
        throw new Error(t("new.alreadyOpened"));
      }
      throw error;
    }
    attempt = randomKey();
    const files = [...form.querySelector("input[type=file]").files];
    const bars = form.querySelector(".uploads");
    // The ticket exists now: a refused file must not leave the person on this
    // form, where saving again would open a second ticket.
    const refused = [];
    for (const file of files) {
      const bar = h("progress", { max: "100", value: "0", "aria-label": t("attach.progress", { name: file.name }) });
      bars.append(h("p", {}, file.name, " ", bar));
      try {
        const grant = await api("POST", `/tickets/${ticket.number}/attachments`, { file_name: file.name, content_type: file.type || "application/octet-stream", size: file.size });
        await upload(grant.upload, file, (done) => { bar.value = done; });
      } catch (error) {
        refused.push(t("new.fileRefused", { name: file.name, why: errorMessage(error) }));
      }
    }
    announce(t("new.saved", { number: ticket.number }));
    if (refused.length || !submitter || submitter.value !== "another") {
      await go(`/ticket/${ticket.number}`);
      if (refused.length) main.querySelector("h1").after(h("div", { class: "notice problem", role: "alert" }, refused.map((line) => h("p", {}, line))));
    } else {
      form.reset();
      bars.replaceChildren();
      form.querySelector("select").focus();
    }
  }) },
  field("request_type", t("new.type"), select(choices("type", REQUEST_TYPES), "incident"), { required: true }),
  field("priority", t("new.priority"), select(choices("priority", PRIORITIES), "normal")),
  field("title", t("new.subject"), h("input", { type: "text", maxlength: "200" }), { required: true }),
  field("description", t("new.description"), h("textarea", { maxlength: "20000" }), { required: true }),
  field("product", t("new.product"), h("input", { type: "text" })),
  field("serial_number", t("new.serial"), h("input", { type: "text" })),
  field("visibility", t("new.visibility"), select(choices("visibility", VISIBILITIES), "organization")),
  field("files", t("new.files"), h("input", { type: "file", multiple: true })),
  h("div", { class: "uploads", "aria-live": "polite" }),
  h("div", { class: "actions" },
    h("button", { type: "submit", value: "save" }, t("new.save")),
    h("button", { type: "submit", value: "another", class: "secondary" }, t("new.saveAnother")),
    link("/my-tickets", t("new.cancel"))));
  page.show(t("new.title"), form);
}
