// Asking for a password reset link (the answer is the same for any address).

import { anonymous } from "../api.js";
import { t } from "../i18n.js";
import { field, h, onSubmit } from "../kit.js";

export default function forgotPage(page) {
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const answer = await anonymous("POST", "/auth/password-reset", { email: v.email });
    page.show(t("forgot.title"), h("p", { class: "notice", role: "status" }, answer.message));
  }) },
  h("p", {}, t("forgot.help")),
  field("email", t("signin.email"), h("input", { type: "email", autocomplete: "email" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("forgot.submit"))));
  page.show(t("forgot.title"), form);
}
