// The portal's entry: the navigation bar, the language chooser and a router
// over the History API. Each page is a module of web/pages/, loaded with
// import() the first time it is shown, so a visitor downloads only the
// pages they open; the pieces pages share are in kit.js, vocabulary.js and
// web/parts/.

import { api, currentAccount, restore, signOut } from "./api.js";
import { language, setLanguage, t } from "./i18n.js";
import { announce, errorMessage, go, h, link, main, startPage, unloaded, useRouter } from "./kit.js";

function renderNav() {
  const account = currentAccount();
  const items = account
    ? account.role === "agent"
      ? [link("/support", t("nav.support")), link("/profile", t("nav.profile")),
         h("button", { class: "secondary", onclick: doSignOut }, t("nav.signout"))]
      : [link("/", t("nav.home")), link("/my-tickets", t("nav.mine")), link("/new-ticket", t("nav.new")),
         link("/profile", t("nav.profile")), link("/change-password", t("nav.password")),
         h("button", { class: "secondary", onclick: doSignOut }, t("nav.signout"))]
    : [link("/sign-in", t("nav.signin")), link("/guest", t("nav.guest")), link("/access", t("nav.access"))];
  document.getElementById("nav").replaceChildren(h("ul", {}, items.map((item) => h("li", {}, item))));
  document.querySelector(".skip").textContent = t("skip");
  document.querySelector(".brand").textContent = t("brand");
  document.getElementById("lang-label").textContent = t("language");
  document.documentElement.lang = language();
}

async function doSignOut() {
  await signOut();
  renderNav();
  go("/sign-in");
  announce(t("signout.done"));
}

// Each path's page: the module web/pages/NAME.js, whose default export is
// called with the page (kit.js startPage) and the path's captured parts.
const pages = [
  [/^\/$/, "home"],
  [/^\/sign-in$/, "sign-in"],
  [/^\/my-tickets$/, "my-tickets", { signedIn: true }],
  [/^\/new-ticket$/, "new-ticket", { signedIn: true }],
  [/^\/ticket\/([^/]+)$/, "ticket", { signedIn: true }],
  [/^\/guest$/, "guest"],
  [/^\/access$/, "access"],
  [/^\/forgot-password$/, "forgot-password"],
  [/^\/reset-password$/, "reset-password"],
  [/^\/invitation$/, "invitation"],
  [/^\/confirm-email$/, "confirm-email"],
  [/^\/change-password$/, "change-password", { signedIn: true }],
  [/^\/profile$/, "profile", { signedIn: true }],
  [/^\/integration-tokens$/, "integration-tokens", { signedIn: true }],
  [/^\/support$/, "support", { signedIn: true }],
];

async function route() {
  const page = startPage();
  // Busy until the page is shown (its module loads on the first visit).
  main.setAttribute("aria-busy", "true");
  try {
    const path = location.pathname;
    const match = pages.find(([pattern]) => pattern.test(path));
    if (!match) return page.show("404", h("p", {}, link("/", t("nav.home"))));
    const [pattern, name, options = {}] = match;
    if (options.signedIn && !currentAccount()) return await go("/sign-in");
    const module = await import(`./pages/${name}.js`).catch(unloaded);
    if (!page.current()) return;
    await module.default(page, ...pattern.exec(path).slice(1).map(decodeURIComponent));
  } catch (error) {
    page.show(t("brand"), h("p", { class: "notice problem", role: "alert" },
      t("error.generic", { detail: errorMessage(error) })));
  } finally {
    if (page.current()) main.removeAttribute("aria-busy");
  }
}

useRouter({ route, renderNav });
window.addEventListener("popstate", route);
const chooser = document.getElementById("lang");
chooser.value = language();
chooser.addEventListener("change", async () => {
  setLanguage(chooser.value);
  renderNav();
  await route();
  // Signed in: the choice is kept in the profile, so emails follow it too.
  if (currentAccount() && currentAccount().language !== chooser.value) {
    try {
      const profile = await api("GET", "/account/profile");
      await api("PUT", "/account/profile", { ...profile, id: undefined, role: undefined, organization_id: undefined, language: chooser.value });
      currentAccount().language = chooser.value;
    } catch {
      // The interface already switched; the profile keeps its language.
    }
  }
});

await restore();
renderNav();
await route();
