// Changing one's password: the API ends every other session and starts this one anew.

import { api, restore } from "../api.js";
import { t } from "../i18n.js";
import { announce, field, h, onSubmit, passwordInput } from "../kit.js";

export default function passwordPage(page) {
  const form = h("form", { onsubmit: onSubmit(async (v, form) => {
    await api("POST", "/account/password", v);
    await restore();
    form.reset();
    announce(t("password.done"));
    form.prepend(h("p", { class: "notice", role: "status" }, t("password.done")));
  }) },
  field("current_password", t("password.current"), passwordInput("current-password"), { required: true }),
  field("new_password", t("password.new"), passwordInput("new-password"), { required: true }),
  field("new_password_confirmation", t("password.confirm"), passwordInput("new-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("password.submit"))));
  page.show(t("password.title"), form);
}
