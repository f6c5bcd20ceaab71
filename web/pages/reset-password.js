// Choosing a new password from an emailed reset link.

import { anonymous } from "../api.js";
import { t } from "../i18n.js";
import { field, h, link, linkToken, onSubmit, passwordInput } from "../kit.js";

export default function resetPage(page) {
  const token = linkToken();
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    await anonymous("POST", "/auth/password-reset/confirm", { token, password: v.password, password_confirmation: v.password_confirmation });
    page.show(t("reset.title"), h("p", { class: "notice", role: "status" }, t("reset.done")), link("/sign-in", t("nav.signin"), { class: "button" }));
  }) },
  field("password", t("reset.password"), passwordInput("new-password"), { required: true }),
  field("password_confirmation", t("reset.confirm"), passwordInput("new-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("reset.submit"))));
  page.show(t("reset.title"), form);
}
