// Confirming a new email address from the link sent to it.

import { anonymous } from "../api.js";
import { t } from "../i18n.js";
import { h, linkToken } from "../kit.js";

export default async function confirmEmailPage(page) {
  const account = await anonymous("POST", "/account/email/confirm", { token: linkToken() });
  page.show(t("confirmEmail.title"), h("p", { class: "notice", role: "status" }, t("confirmEmail.done", { email: account.email })));
}
