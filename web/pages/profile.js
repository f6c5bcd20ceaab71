// The profile: name, phones, email (a new one is confirmed by mail),
// language and notification choices.

import { api } from "../api.js";
import { setLanguage, t } from "../i18n.js";
import { announce, field, h, link, main, onSubmit, passwordInput, renderNav, select } from "../kit.js";

export default async function profilePage(page) {
  const p = await api("GET", "/account/profile");
  const text = (name, label, autocomplete, required = false) =>
    field(name, label, h("input", { type: name === "email" ? "email" : "text", value: p[name] || "", autocomplete }), { required });
  const check = (name, label) => h("div", { class: "field", "data-field": name },
    h("label", {}, h("input", { type: "checkbox", name, checked: p[name] !== false }), " ", label));
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const body = { prefix: v.prefix || null, first_name: v.first_name, last_name: v.last_name, title: v.title || null,
      office_phone: v.office_phone || null, extension: v.extension || null, mobile: v.mobile || null, email: v.email,
      language: v.language, show_landing_page: "show_landing_page" in v, notify_updates: "notify_updates" in v };
    if (v.current_password) body.current_password = v.current_password;
    const saved = await api("PUT", "/account/profile", body);
    setLanguage(saved.language);
    renderNav();
    await profilePage(page);
    const message = saved.pending_email ? t("profile.pending", { email: saved.pending_email }) : t("profile.saved");
    main.querySelector("form").prepend(h("p", { class: "notice", role: "status" }, message));
    announce(message);
  }) },
  text("prefix", t("profile.prefix"), "honorific-prefix"),
  text("first_name", t("profile.first"), "given-name", true),
  text("last_name", t("profile.last"), "family-name", true),
  text("title", t("profile.jobTitle"), "organization-title"),
  text("office_phone", t("profile.office"), "tel"),
  text("extension", t("profile.extension"), "tel-extension"),
  text("mobile", t("profile.mobile"), "tel"),
  text("email", t("profile.email"), "email", true),
  field("current_password", t("profile.currentPassword"), passwordInput("current-password")),
  field("language", t("profile.language"), select([["en", "English"], ["fr", "Français"]], p.language)),
  check("show_landing_page", t("profile.landing")),
  check("notify_updates", t("profile.notify")),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("profile.save"))));
  page.show(t("profile.title"), form, h("p", {}, link("/integration-tokens", t("tokens.title"))));
}
