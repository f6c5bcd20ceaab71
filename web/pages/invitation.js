// Accepting an emailed invitation: a name and a password, then signed in.

import { anonymous, restore } from "../api.js";
import { t } from "../i18n.js";
import { field, go, h, linkToken, onSubmit, passwordInput, renderNav } from "../kit.js";

export default function invitationPage(page) {
  const token = linkToken();
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    await anonymous("POST", "/auth/invitations/accept", { token, first_name: v.first_name, last_name: v.last_name,
      password: v.password, password_confirmation: v.password_confirmation });
    await restore();
    renderNav();
    go("/");
  }) },
  field("first_name", t("invite.first"), h("input", { type: "text", autocomplete: "given-name" }), { required: true }),
  field("last_name", t("invite.last"), h("input", { type: "text", autocomplete: "family-name" }), { required: true }),
  field("password", t("reset.password"), passwordInput("new-password"), { required: true }),
  field("password_confirmation", t("reset.confirm"), passwordInput("new-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("invite.submit"))));
  page.show(t("invite.title"), form);
}
