// The home page: announcements, then what to do next.

import { anonymous, currentAccount } from "../api.js";
import { language, t } from "../i18n.js";
import { h, link } from "../kit.js";

/** The current announcements, in the interface's language. */
async function banner() {
  try {
    const { announcements } = await anonymous("GET", "/announcements");
    if (!announcements.length) return null;
    return h("section", { class: "notice", "aria-label": t("home.announcements") },
      announcements.map((a) => h("p", {}, language() === "fr" ? a.message_fr : a.message_en)));
  } catch {
    return null; // The banner is a courtesy: the page works without it.
  }
}

export default async function homePage(page) {
  const news = await banner();
  if (!currentAccount()) {
    return page.show(t("home.title"), news, h("p", {}, t("home.anonymous")),
      h("p", { class: "actions" }, link("/sign-in", t("nav.signin"), { class: "button" }), link("/guest", t("nav.guest"), { class: "button" })));
  }
  page.show(t("home.title"), news, h("div", { class: "boxes" },
    link("/new-ticket", t("home.create"), { class: "box" }),
    link("/my-tickets", t("home.mine"), { class: "box" }),
    link("/my-tickets?scope=organization&status=all", t("home.search"), { class: "box" })));
}
