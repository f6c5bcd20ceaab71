// Confirming a new email address from the link sent to it.

import { anonymous } from "../api.js";
import { t } from "../i18n.js";
import { h, linkToken, show } from "../kit.js";

export default async function confirmEmailPage() {
  const account = await anonymous("POST", "/account/email/confirm", { token: linkToken() });
  show(t("confirmEmail.title"), h("p", { class: "notice", role: "status" }, t("confirmEmail.done", { email: account.email })));
}
