// One ticket by its access key alone (guests, people it was shared with by address).

import { ApiError, withAccessKey } from "../api.js";
import { t } from "../i18n.js";
import { field, h, onSubmit } from "../kit.js";
import { audience, showTicket } from "../parts/ticket-view.js";

/** The API path of the ticket the held access key opens. */
const ACCESS_BASE = "/access/ticket";

/** Calls the API with the access key this tab holds. */
function byAccessKey(method, path, body) {
  return withAccessKey(sessionStorage.getItem("sd-access") || "", method, path, body);
}

export default async function accessPage(page) {
  // The key arrives in the fragment (never sent to servers); drop it from the address bar.
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  if (key) {
    sessionStorage.setItem("sd-access", key);
    history.replaceState(null, "", "/access");
  }
  if (sessionStorage.getItem("sd-access")) {
    const viewer = audience("guest", ACCESS_BASE, byAccessKey);
    const reload = async () => showTicket(page, await byAccessKey("GET", ACCESS_BASE), viewer, reload);
    try {
      return await reload();
    } catch (error) {
      sessionStorage.removeItem("sd-access");
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
  }
  const form = h("form", { onsubmit: onSubmit(async (v) => {
    const pasted = v.key.includes("key=") ? new URLSearchParams(v.key.split("#")[1] || "").get("key") || "" : v.key.trim();
    // Not the shape of a key (a typo, other text pasted): refused like an unknown key.
    if (!/^[A-Za-z0-9_-]{43}$/.test(pasted)) throw new ApiError(404, {});
    await withAccessKey(pasted, "GET", ACCESS_BASE);
    sessionStorage.setItem("sd-access", pasted);
    await accessPage(page);
  }) },
  field("key", t("access.key"), h("input", { type: "text", autocomplete: "off" }), { required: true }),
  h("div", { class: "actions" }, h("button", { type: "submit" }, t("access.open"))));
  page.show(t("access.title"), form);
}
