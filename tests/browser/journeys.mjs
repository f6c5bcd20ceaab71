// Real-browser journeys through the web front end of a running portal
// (`PORTAL_URL`), with axe-core on every page and a screenshot of each at
// desktop and phone width. Run by scripts/test-all.sh, which starts the
// portal on a fresh data folder and passes OUTBOX and SHOTS.
//
// Exits non-zero on the first failed expectation or any axe violation.

import { readFileSync, readdirSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const base = process.env.PORTAL_URL;
const outbox = process.env.OUTBOX;
const shots = process.env.SHOTS;
mkdirSync(shots, { recursive: true });

let failures = 0;
function expect(condition, what) {
  if (!condition) {
    failures++;
    console.error(`FAIL ${what}`);
  } else {
    console.log(`ok   ${what}`);
  }
}

const { missingKeys } = await import("../../web/i18n.js");
const missing = missingKeys();
expect(missing.length === 0, `every interface string exists in every language${missing.length ? `: ${missing.join(", ")}` : ""}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});

/** axe-core on the current page (injected through the debugger, so the page's CSP stays on). */
async function accessible(page, name) {
  // Pages render after their data arrives: check the page, not a half-built one.
  await page.locator("main h1").waitFor();
  await page.waitForLoadState("networkidle");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`));
  expect(violations.length === 0, `axe: no violations on ${name}${violations.length ? `\n     ${violations.join("\n     ")}` : ""}`);
  for (const [label, width] of [["desktop", 1280], ["phone", 360]]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 0, `${name} fits ${width} px without sideways scrolling (${overflow} px over)`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Follows a link of the portal and waits until the router has shown its page (its module loads on first use). */
async function follow(link) {
  await link.click();
  await link.page().locator("main:not([aria-busy])").waitFor();
}

/** The page's heading, once the router has shown the page (its module loads on first use). */
async function heading(page) {
  await page.locator("main:not([aria-busy])").waitFor();
  return (await page.locator("h1").first().textContent()).trim();
}

function newestMailTo(address, seen) {
  const files = readdirSync(outbox).filter((f) => f.endsWith(".eml") && !seen.has(f)).sort();
  for (const file of files.reverse()) {
    const text = readFileSync(join(outbox, file), "utf8");
    if (text.includes(`To: ${address}`)) {
      seen.add(file);
      return text;
    }
  }
  return null;
}

async function waitForMail(address, seen) {
  for (let i = 0; i < 50; i++) {
    const mail = newestMailTo(address, seen);
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

// --- First load: what a new visitor downloads, compressed as the CDN does. ---
{
  const cold = await browser.newContext();
  const first = await cold.newPage();
  const loaded = [];
  first.on("response", (response) => {
    const type = response.request().resourceType();
    if (["document", "script", "stylesheet"].includes(type) && response.url().startsWith(base)) loaded.push(response);
  });
  await first.goto(`${base}/`, { waitUntil: "networkidle" });
  let raw = 0;
  let compressed = 0;
  for (const response of loaded) {
    const body = await response.body();
    raw += body.length;
    compressed += gzipSync(body, { level: 6 }).length;
  }
  const kb = (bytes) => (bytes / 1024).toFixed(1);
  console.log(`     first load: ${loaded.length} files (${loaded.map((r) => new URL(r.url()).pathname).join(" ")}), ${kb(raw)} KB, ${kb(compressed)} KB gzip`);
  // The budget is the first load before the pages were split into modules
  // (21.2 KB): importing every page up front again would exceed it.
  expect(compressed <= 21.2 * 1024, `the first load is at most 21.2 KB compressed (${kb(compressed)} KB)`);
  await cold.close();
  const description = await fetch(`${base}/openapi.yaml`);
  expect(description.status === 200 && (await description.text()).includes("\nopenapi: 3.1.0\n"), "the API description is published with the site");
}

/** POSTs JSON as support (Sam, signed in afresh): set-up steps the journeys do not click through. */
async function postAsSupport(path, body) {
  const json = { "content-type": "application/json" };
  const session = await (await fetch(`${base}/auth/login`, { method: "POST", headers: json,
    body: JSON.stringify({ email: "sam@support.example", password: "harbor-violet-93" }) })).json();
  return fetch(`${base}${path}`, { method: "POST", headers: { ...json, authorization: `Bearer ${session.access_token}` }, body: JSON.stringify(body) });
}

const seen = new Set();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.on("pageerror", (error) => expect(false, `no script error: ${error.message}`));
page.on("console", (message) => {
  if (message.type() !== "error") return;
  // The page must never need what the Content Security Policy forbids.
  if (message.text().includes("Content Security Policy")) expect(false, `no CSP violation: ${message.text()}`);
  // 401s are the silent session check of a visitor who is not signed in.
  else if (!message.text().includes("401")) console.log(`     console: ${message.text()}`);
});

// --- A guest submits, then follows the ticket from the emailed link. ---------
await page.goto(`${base}/`);
await accessible(page, "home");
await follow(page.getByRole("link", { name: "Request without an account" }).first());
expect((await heading(page)) === "Submit a request without an account", "guest form shown");
await accessible(page, "guest-form");
await page.getByLabel(/^Your name/).fill("Gina Green");
await page.getByLabel(/^Email/).fill("gina@example.org");
await page.getByLabel(/^Description/).fill("The till does not start.\nError E42 since this morning.");
await page.getByRole("button", { name: "Send request" }).click();
await page.getByText("Check your email").waitFor({ timeout: 20000 });
expect(true, "guest request sent after the proof of work");
const guestMail = await waitForMail("gina@example.org", seen);
expect(guestMail !== null, "the guest's email is in the outbox");
const accessLink = guestMail.match(/https?:\/\/\S+\/access#key=[A-Za-z0-9_-]+/)[0];
await page.goto(accessLink);
await page.getByRole("heading", { level: 1 }).filter({ hasText: "The till does not start." }).waitFor();
expect(!page.url().includes("key="), "the key is removed from the address bar");
await accessible(page, "access-ticket");
await page.getByLabel(/^Text/).fill("It restarted once, then failed again.");
await page.getByRole("button", { name: "Add note" }).click();
await page.getByText("It restarted once, then failed again.").waitFor();
expect(true, "the guest's note is in the history");
// A file from the guest, with the key (never in a URL), checked and in the history.
await page.getByLabel(/^Add a file/).setInputFiles({ name: "till-error.txt", mimeType: "text/plain", buffer: Buffer.from("E42 at start-up\n") });
await page.getByRole("button", { name: "Upload" }).click();
await page.getByText("File added: till-error.txt").waitFor();
expect(true, "the guest's file is uploaded and in the history");

// --- A customer opens a ticket; a colleague sees it; support replies; closed. -
async function signInAs(email, password) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel(/^Email/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.endsWith("/sign-in"));
}

await page.goto(`${base}/sign-in`);
await accessible(page, "sign-in");
await page.getByLabel(/^Email/).fill("ann@acme.example");
await page.getByLabel(/^Password/).fill("wrong password");
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("alert").waitFor();
expect((await page.getByRole("alert").textContent()).includes("wrong"), "a wrong password is explained");
// Support's announcement shows on the landing page, in the reader's language.
const announced = await postAsSupport("/announcements",
  { message_en: "Planned maintenance on Saturday.", message_fr: "Maintenance prévue samedi.", ends_at: new Date(Date.now() + 86400000).toISOString() });
expect(announced.status === 201, "support posted an announcement");
await signInAs("ann@acme.example", "orchid-lantern-42");
await page.getByText("Planned maintenance on Saturday.").waitFor();
expect(true, "the announcement is on the landing page");
await accessible(page, "landing");
await follow(page.getByRole("link", { name: "Create a ticket" }));
await accessible(page, "new-ticket");
await page.getByRole("button", { name: "Save", exact: true }).click();
expect(await page.getByLabel(/^Title/).evaluate((e) => !e.checkValidity()), "required fields are checked before sending");
const ticketPosts = [];
page.on("request", (request) => {
  if (request.method() === "POST" && new URL(request.url()).pathname === "/tickets") ticketPosts.push(request.headers()["idempotency-key"]);
});
await page.getByLabel(/^Title/).fill("VPN drops every hour");
await page.getByLabel(/^Description/).fill("Since Monday the VPN disconnects every hour.");
await page.getByLabel(/^Attachments/).setInputFiles({ name: "screenshot.png", mimeType: "image/png", buffer: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(4096)]) });
await page.getByRole("button", { name: "Save", exact: true }).click();
await page.getByRole("heading", { level: 1 }).filter({ hasText: "VPN drops every hour" }).waitFor();
const number = (await heading(page)).split(" ")[0];
expect(/^T\d{8}\.\d{4}$/.test(number), `the ticket has a number (${number})`);
expect(ticketPosts.length === 1 && /^[0-9a-f]{32}$/.test(ticketPosts[0] ?? ""), "the new ticket is sent with an Idempotency-Key, so a retry cannot open two");
// An attachment, uploaded to the signed link with a progress bar.
await page.getByLabel(/^Add a file/).setInputFiles({ name: "vpn-client.txt", mimeType: "text/plain", buffer: Buffer.from("vpn client log\n".repeat(20000)) });
await page.getByRole("button", { name: "Upload" }).click();
await page.getByText("File added: vpn-client.txt").waitFor();
expect((await page.getByText("File added: screenshot.png").count()) === 1, "the file chosen on the new-ticket form was uploaded too");
expect(true, "the attachment is uploaded, checked and in the history");
// Shared with a colleague by address, then no longer.
await page.getByLabel(/^Share with/).fill("bob@acme.example");
await page.getByRole("button", { name: "Share", exact: true }).click();
await page.getByRole("button", { name: "Stop sharing with bob@acme.example" }).waitFor();
await accessible(page, "ticket");
await page.getByRole("button", { name: "Stop sharing with bob@acme.example" }).click();
await page.getByText("No longer shared with bob@acme.example").first().waitFor();
expect((await page.getByRole("button", { name: "Stop sharing with bob@acme.example" }).count()) === 0, "sharing is undone from the ticket page");
await follow(page.getByRole("link", { name: "My tickets" }));
await page.getByRole("link", { name: number }).waitFor();
await accessible(page, "my-tickets");
expect(true, "the ticket is in My tickets");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

await signInAs("bob@acme.example", "copper-meadow-17");
await page.goto(`${base}/my-tickets?scope=organization&status=open`);
await page.getByRole("link", { name: number }).waitFor();
expect(true, "a colleague sees it in Organization tickets");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

// A second agent joins support (invited and accepted through the API).
const tessInvited = await postAsSupport("/admin/invitations", { email: "tess@support.example", role: "agent" });
expect(tessInvited.status === 202, "support invited a second agent");
const tessToken = (await waitForMail("tess@support.example", seen)).match(/invitation#token=([A-Za-z0-9_-]+)/)[1];
const tessAccepted = await fetch(`${base}/auth/invitations/accept`, { method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ token: tessToken, first_name: "Tess", last_name: "Tanaka", password: "lunar-pebble-84", password_confirmation: "lunar-pebble-84" }) });
expect(tessAccepted.status < 300, `the second agent accepted (${tessAccepted.status})`);

// Support finds it in the queue, replies, leaves an internal note and hands it to Tess.
await signInAs("sam@support.example", "harbor-violet-93");
await page.getByRole("heading", { name: "Support queue" }).waitFor();
await accessible(page, "support-queue");
await follow(page.getByRole("link", { name: number }));
await page.getByRole("heading", { level: 1 }).filter({ hasText: number }).waitFor();
await page.getByLabel(/^Text/).fill("Please update the VPN client to 5.2.");
await page.getByRole("button", { name: "Add note" }).click();
await page.locator("ol.history").getByText("Please update the VPN client to 5.2.").waitFor();
await page.getByLabel(/^Text/).fill("Known bug in 5.1, see KB-12.");
await page.getByLabel("Internal note (support only)").check();
await page.getByRole("button", { name: "Add note" }).click();
await page.locator("ol.history .internal").getByText("KB-12").waitFor();
expect((await page.locator("dl.meta").textContent()).includes("Ann Archer <ann@acme.example>"), "support sees who asked, with the address");
await page.getByLabel(/^Status/).selectOption("in_progress");
await page.getByLabel(/^Assigned to/).selectOption({ label: "Tess Tanaka" });
await page.getByRole("button", { name: "Update the ticket" }).click();
await page.locator("[data-status=in_progress]").waitFor();
expect((await page.locator("dl.meta").textContent()).includes("Tess Tanaka (Support)"), "the header names the new assignee");
await page.locator("ol.history").getByText("Assigned to Tess Tanaka (Support)").waitFor();
expect(true, "support replied, noted internally and handed the ticket to another agent");
await accessible(page, "support-ticket");
// The queue, narrowed to the organization and the agent it went to.
await follow(page.getByRole("link", { name: "Support queue" }));
await page.getByLabel(/^Assigned to/).selectOption({ label: "Tess Tanaka" });
await page.getByLabel(/^Organization/).selectOption({ label: "Acme Corporation" });
await page.getByRole("button", { name: "Show tickets" }).click();
await page.waitForURL(/assignee_id=/);
// The unfiltered queue listed two tickets: wait until the filtered one has replaced it.
await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
expect((await page.locator("tbody tr").textContent()).includes(number), "only Tess's Acme ticket is listed");
await page.getByLabel(/^Assigned to/).selectOption("nobody");
await page.getByLabel(/^Organization/).selectOption("");
await page.getByRole("button", { name: "Show tickets" }).click();
await page.waitForURL(/assignee=nobody/);
await page.getByRole("row").filter({ hasText: "The till does not start." }).waitFor();
expect((await page.getByRole("link", { name: number }).count()) === 0, "and not among the unassigned");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

await signInAs("ann@acme.example", "orchid-lantern-42");
await page.goto(`${base}/ticket/${number}`);
await page.getByText("Please update the VPN client to 5.2.").waitFor();
expect(true, "the customer sees the reply");
const header = await page.locator("dl.meta").textContent();
expect(header.includes("Ann Archer") && header.includes("Acme Corporation") && !header.includes("@"),
  "the header names the requester and organization, without addresses");
expect((await page.locator("ol.history li").filter({ hasText: "Please update the VPN client" }).textContent()).includes("Sam Agent (Support)"),
  "each note says who wrote it");
expect((await page.getByText("KB-12").count()) === 0, "but not the internal note");
await page.getByRole("button", { name: "Close the ticket" }).click();
await page.getByRole("button", { name: "Reopen the ticket" }).waitFor();
expect((await page.locator("[data-status]").textContent()) === "Closed", "the customer closed it");

// --- French, end to end: the interface follows the language switch. ---------
await page.getByLabel("Language").selectOption("fr");
await page.getByRole("heading", { name: "Historique" }).waitFor();
expect((await page.locator("html").getAttribute("lang")) === "fr", "the page says it is in French");
await follow(page.getByRole("link", { name: "Mes tickets" }));
await page.getByRole("button", { name: "Afficher les tickets" }).waitFor();
await accessible(page, "my-tickets-fr");
await page.getByRole("button", { name: "Se déconnecter" }).click();
await page.getByRole("heading", { name: "Connexion" }).waitFor();
expect(true, "French sign-in page after signing out");
await page.getByLabel("Langue").selectOption("en");

// --- Profile and password pages; a forgotten password reset from the email. --
await page.evaluate(() => localStorage.clear());
await signInAs("ann@acme.example", "orchid-lantern-42");
await page.getByRole("link", { name: "Profil", exact: true }).waitFor();
expect((await page.locator("html").getAttribute("lang")) === "fr", "Ann's choice of French was kept in her profile");
await page.locator("#lang").selectOption("en");
await follow(page.getByRole("link", { name: "Profile", exact: true }));
await page.getByLabel(/^Mobile/).fill("+33 6 12 34 56 78");
await page.getByRole("button", { name: "Save" }).click();
await page.getByText("Profile saved.").first().waitFor();
expect((await page.getByLabel(/^Mobile/).inputValue()) === "+33 6 12 34 56 78", "the profile keeps the change");
await accessible(page, "profile");
// An integration token: created from the profile, it reaches the API as Ann until revoked.
await follow(page.getByRole("link", { name: "Integration tokens" }));
await page.getByText("You have no tokens.").waitFor();
await page.getByLabel(/^Name/).fill("ERP export");
await page.getByLabel(/^Current password/).fill("orchid-lantern-42");
await page.getByRole("button", { name: "Create the token" }).click();
const integrationToken = await page.locator("input.secret").inputValue();
expect(integrationToken.startsWith("sd_"), "the new token is shown once, ready to copy");
await accessible(page, "integration-tokens");
const withToken = () => fetch(`${base}/tickets`, { headers: { authorization: `Bearer ${integrationToken}` } });
expect((await withToken()).status === 200, "the token reaches the API");
page.once("dialog", (dialog) => dialog.accept());
await page.getByRole("button", { name: "Revoke ERP export" }).click();
await page.getByText("You have no tokens.").waitFor();
expect((await withToken()).status === 401, "a revoked token is refused at once");
// A page still loading never covers the one clicked next: the profile's
// answer is held back until the password page is shown.
let releaseProfile;
const profileHeld = new Promise((resolve) => { releaseProfile = resolve; });
await page.route("**/account/profile", async (route) => { await profileHeld; await route.continue(); });
await page.getByRole("link", { name: "Profile", exact: true }).click();
await follow(page.getByRole("link", { name: "Change password" }));
expect((await heading(page)) === "Change password", "the page clicked last is shown");
const profileAnswered = page.waitForResponse("**/account/profile");
releaseProfile();
await profileAnswered;
await page.unroute("**/account/profile");
await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
expect((await heading(page)) === "Change password", "and the page clicked before it, answered late, does not cover it");
await page.getByLabel(/^Current password/).fill("not my password");
await page.getByLabel(/^New password/).fill("amber-thistle-73");
await page.getByLabel(/^Confirm the new password/).fill("amber-thistle-73");
await page.getByRole("button", { name: "Change password" }).click();
await page.locator("[aria-invalid=true]").waitFor();
expect((await page.locator(".error:not([hidden])").textContent()).includes("current password"), "a wrong current password is shown next to its field");
await accessible(page, "change-password");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

await follow(page.getByRole("link", { name: "Forgot your password?" }));
await accessible(page, "forgot-password");
await page.getByLabel(/^Email/).fill("bob@acme.example");
await page.getByRole("button", { name: "Send the link" }).click();
await page.getByText("If an account exists").waitFor();
const resetMail = await waitForMail("bob@acme.example", seen);
expect(resetMail !== null, "the reset email is in the outbox");
await page.goto(resetMail.match(/https?:\/\/\S+\/reset-password#token=[A-Za-z0-9_-]+/)[0]);
await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
expect(!page.url().includes("token="), "the reset token is removed from the address bar");
await accessible(page, "reset-password");
await page.getByLabel(/^New password/).fill("silver-thimble-61");
await page.getByLabel(/^Confirm the new password/).fill("silver-thimble-61");
await page.getByRole("button", { name: "Save the password" }).click();
await page.getByText("Your password is set.").waitFor();
await signInAs("bob@acme.example", "silver-thimble-61");
expect(!page.url().endsWith("/sign-in"), "Bob signs in with the new password");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

// --- An invitation accepted from the emailed link. ---------------------------
const invited = await postAsSupport("/admin/invitations", { email: "cleo@acme.example", organization_id: "demo-acme", language: "fr" });
expect(invited.status === 202, "support invited Cleo");
const invitation = await waitForMail("cleo@acme.example", seen);
await page.goto(invitation.match(/https?:\/\/\S+\/invitation#token=[A-Za-z0-9_-]+/)[0]);
await page.getByRole("heading", { name: "Accept your invitation" }).waitFor();
await accessible(page, "invitation");
await page.getByLabel(/^First name/).fill("Cleo");
await page.getByLabel(/^Last name/).fill("Clark");
await page.getByLabel(/^New password/).fill("quiet-harbour-58");
await page.getByLabel(/^Confirm the new password/).fill("quiet-harbour-58");
await page.getByRole("button", { name: "Create my account" }).click();
await page.getByRole("link", { name: "Create a ticket" }).waitFor();
expect(true, "Cleo's account is created and she is signed in");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

// --- French, end to end: a guest, then a customer with her ticket. -----------
await page.goto(`${base}/`);
await page.getByLabel("Language").selectOption("fr");
await follow(page.getByRole("link", { name: "Demande sans compte" }).first());
await page.getByRole("heading", { name: "Envoyer une demande sans compte" }).waitFor();
await accessible(page, "guest-form-fr");
await page.getByLabel(/^Votre nom/).fill("Hugo Henry");
await page.getByLabel(/^E-mail/).fill("hugo@example.fr");
await page.getByLabel(/^Description/).fill("La caisse affiche l'erreur E17.");
await page.getByRole("button", { name: "Envoyer la demande" }).click();
await page.getByText("Consultez vos e-mails").waitFor({ timeout: 20000 });
const hugoMail = await waitForMail("hugo@example.fr", seen);
expect(hugoMail !== null && hugoMail.includes("Bonjour"), "the guest's email is in French");
await page.goto(hugoMail.match(/https?:\/\/\S+\/access#key=[A-Za-z0-9_-]+/)[0]);
await page.getByRole("heading", { name: "Historique" }).waitFor();
expect((await page.locator("dl.meta").textContent()).includes("Hugo Henry"), "the guest is named as the requester");
await page.getByLabel(/^Texte/).fill("Elle redémarre puis l'erreur revient.");
await page.getByRole("button", { name: "Ajouter la note" }).click();
await page.locator("ol.history").getByText("Elle redémarre puis l'erreur revient.").waitFor();
await accessible(page, "access-ticket-fr");
expect(true, "a guest follows and adds to a ticket in French");

await page.goto(`${base}/sign-in`);
await page.getByLabel(/^E-mail/).fill("cleo@acme.example");
await page.getByLabel(/^Mot de passe/).fill("pas le bon mot de passe");
await page.getByRole("button", { name: "Se connecter" }).click();
await page.getByRole("alert").waitFor();
expect((await page.getByRole("alert").textContent()).includes("mot de passe est incorrect"), "a wrong password is explained in French");
await page.getByLabel(/^Mot de passe/).fill("quiet-harbour-58");
await page.getByRole("button", { name: "Se connecter" }).click();
await follow(page.getByRole("link", { name: "Créer un ticket" }));
await page.getByRole("heading", { name: "Nouveau ticket" }).waitFor();
await accessible(page, "new-ticket-fr");
await page.getByLabel(/^Titre/).fill("Imprimante hors ligne");
await page.getByLabel(/^Description/).fill("L'imprimante du deuxième étage ne répond plus.");
await page.getByLabel(/^Pièces jointes/).setInputFiles([
  { name: "journal.txt", mimeType: "text/plain", buffer: Buffer.from("spooler stopped\n".repeat(1000)) },
  { name: "pilote.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") },
]);
await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
await page.getByRole("heading", { level: 1 }).filter({ hasText: "Imprimante hors ligne" }).waitFor();
const numberFr = (await heading(page)).split(" ")[0];
await page.getByText("Fichier ajouté : journal.txt").waitFor();
expect((await page.getByRole("alert").textContent()).includes("pilote.exe n'a pas été joint : Ce type de fichier n'est pas accepté"),
  "a refused file is explained in French on the saved ticket, not on a form that would save it twice");
expect((await page.locator("dl.meta").textContent()).includes("Cleo Clark"), "the ticket names Cleo as the requester");
await follow(page.getByRole("link", { name: "Mes tickets" }));
await page.getByRole("link", { name: numberFr }).waitFor();
expect((await page.getByRole("row").filter({ hasText: numberFr }).textContent()).includes("Nouveau"), "Mes tickets lists it, status in French");
// Support answers (through the API); Cleo reads it in French and closes.
const repliedFr = await postAsSupport(`/tickets/${numberFr}/notes`, { text: "Nous redémarrons le serveur d'impression." });
expect(repliedFr.status === 201, "support replied to Cleo");
const cleoUpdate = await waitForMail("cleo@acme.example", seen);
expect(cleoUpdate !== null && cleoUpdate.includes("a été mis à jour"), "Cleo's update email is in French");
await follow(page.getByRole("link", { name: numberFr }));
await page.getByText("Nous redémarrons le serveur d'impression.").waitFor();
await accessible(page, "ticket-fr");
await page.getByRole("button", { name: "Fermer le ticket" }).click();
await page.getByRole("button", { name: "Rouvrir le ticket" }).waitFor();
expect((await page.locator("[data-status]").textContent()) === "Fermé", "Cleo closed it, in French");
expect(!(await page.locator("main").textContent()).includes("null"), "no empty value is printed as \"null\"");
await page.getByRole("button", { name: "Se déconnecter" }).click();
await page.getByRole("heading", { name: "Connexion" }).waitFor();
await page.getByLabel("Langue").selectOption("en");

// A key pasted by hand (someone who lost the link's page).
await page.goto(`${base}/access`);
await page.evaluate(() => sessionStorage.clear());
await page.goto(`${base}/access`);
await page.getByRole("heading", { name: "Check on an existing ticket" }).waitFor();
await accessible(page, "access-form");
// A key of the right shape that opens nothing (the server says so), then
// pasted text that is no key at all (not even sendable in a header).
for (const wrong of ["x".repeat(43), "clé inconnue ✓"]) {
  await page.getByLabel(/^Access key/).fill(wrong);
  await page.getByRole("button", { name: "Open the ticket" }).click();
  await page.getByRole("alert").waitFor();
}
expect(true, "an unknown key is refused with a message");

// --- Keyboard only: sign in without touching the mouse. ----------------------
await page.goto(`${base}/sign-in`);
await page.getByRole("heading", { name: "Sign in" }).waitFor();
expect(await page.evaluate(() => document.activeElement.tagName === "H1"), "after navigation, focus is on the page's heading");
await page.keyboard.press("Tab");
expect(await page.evaluate(() => document.activeElement.type === "email"), "the next Tab reaches the first field");
await page.keyboard.type("ann@acme.example");
await page.keyboard.press("Tab");
await page.keyboard.type("orchid-lantern-42");
await page.keyboard.press("Enter");
await page.getByRole("link", { name: "Create a ticket" }).waitFor();
expect(true, "signed in with the keyboard alone");
await page.getByRole("button", { name: "Sign out" }).click();
await page.waitForURL(/\/sign-in$/);

// No token ever lands in web storage.
const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
expect(!stored.includes("eyJ"), "no access token in localStorage or sessionStorage");

await browser.close();
console.log(failures ? `\nbrowser: ${failures} failed` : "\nbrowser: all journeys passed");
process.exit(failures ? 1 : 0);
