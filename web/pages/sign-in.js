// Signing in: agents land on the queue, customers on home or their tickets.

import { currentAccount, signIn } from "../api.js";
import { language, setLanguage, t } from "../i18n.js";
import { field, go, h, link, onSubmit, renderNav, reroute } from "../kit.js";

export default function signInPage(page) {
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    await signIn(v.email, v.password);
    renderNav();
    const account = currentAccount();
    go(account.role === "agent" ? "/support" : account.show_landing_page === false ? "/my-tickets" : "/");
    if (account.language && account.language !== language()) {
      setLanguage(account.language);
      renderNav();
      reroute();
    }
  }) },
  field("email", t("signin.email"), h("input", { type: "email", autocomplete: "username" }), { required: true }),
  field("password", t("signin.password"), h("input", { type: "password", autocomplete: "current-password" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("signin.submit")), link("/forgot-password", t("signin.forgot"))));
  page.show(t("signin.title"), form);
}
