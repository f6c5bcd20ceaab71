// Integration tokens: create one (its secret shown once), see and revoke them.

import { api } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { announce, cardTable, errorMessage, field, h, main, onSubmit, passwordInput, select } from "../kit.js";

export default async function tokensPage(page) {
  const { tokens } = await api("GET", "/account/tokens");
  const { table, body, row } = cardTable(["tokens.name", "col.created", "tokens.expires", "tokens.actions"]);
  body.append(...tokens.map((token) => row([token.name, formatDate(token.created_at), formatDate(token.expires_at),
    h("button", { type: "button", class: "secondary", onclick: async (event) => {
      // Revoking cuts off whatever system uses it, at once: ask first.
      if (!window.confirm(t("tokens.confirmRevoke", { name: token.name }))) return;
      try {
        await api("DELETE", `/account/tokens/${encodeURIComponent(token.id)}`);
        await tokensPage(page);
        announce(t("tokens.revoked", { name: token.name }));
      } catch (error) {
        event.target.after(h("p", { class: "error", role: "alert" }, errorMessage(error)));
      }
    } }, t("tokens.revoke", { name: token.name }))])));
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const created = await api("POST", "/account/tokens", { name: v.name, expires_in_days: Number(v.expires_in_days), current_password: v.current_password });
    try {
      await tokensPage(page);
    } catch {
      // The list could not be reloaded; the secret must be shown all the same.
    }
    // The secret exists only in this answer: show it once, ready to copy.
    const secret = h("input", { type: "text", readonly: true, value: created.token, id: "new-token", class: "secret" });
    main.querySelector("h1").after(h("div", { class: "notice", role: "status" },
      h("label", { for: "new-token" }, t("tokens.created", { name: created.name })), secret));
    secret.select();
  }) },
  field("name", t("tokens.name"), h("input", { type: "text", maxlength: "200" }), { required: true }),
  field("expires_in_days", t("tokens.days"), select([["30", t("tokens.days30")], ["90", t("tokens.days90")], ["365", t("tokens.days365")]], "90")),
  field("current_password", t("password.current"), passwordInput("current-password"), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("tokens.create"))));
  page.show(t("tokens.title"), h("p", {}, t("tokens.help")), tokens.length ? table : h("p", {}, t("tokens.none")),
    h("h2", {}, t("tokens.new")), form);
}
