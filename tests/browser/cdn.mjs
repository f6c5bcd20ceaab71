// The CDN's own code, tested: the CloudFront Function from infra/template.yaml
// (cloudfront-js-2.0: plain JavaScript) runs here for every path the front end
// can show or email and for every file of the site, and each rewritten URI
// must be a file in web/. The local portal must answer each path with that
// same file (it decides by the same rule), so local and CDN cannot disagree.
// Usage: PORTAL_URL=http://127.0.0.1:PORT node tests/browser/cdn.mjs
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;
const portal = process.env.PORTAL_URL;
assert.ok(portal, "PORTAL_URL must name the running portal");

// The function's code: the block under `FunctionCode: |`, de-indented.
const template = readFileSync(`${root}infra/template.yaml`, "utf8").split("\n");
const start = template.findIndex((line) => line.trim() === "FunctionCode: |") + 1;
assert.ok(start > 0, "the template has a CloudFront function");
const indent = template[start].length - template[start].trimStart().length;
const body = [];
for (const line of template.slice(start)) {
  if (line.trim() !== "" && line.length - line.trimStart().length < indent) break;
  body.push(line.slice(indent));
}
const handler = new Function(`${body.join("\n")}\nreturn handler;`)();
const viewerRequest = (uri) => handler({ version: "1.0", context: { eventType: "viewer-request" }, viewer: { ip: "198.51.100.1" }, request: { method: "GET", uri, querystring: {}, headers: {}, cookies: {} } }).uri;

// Every page of the front end's router (web/app.js), with an example path,
// and the module of web/pages/ it loads.
const app = readFileSync(`${root}web/app.js`, "utf8");
const table = app.match(/const pages = \[([\s\S]*?)\n\];/);
assert.ok(table, "web/app.js has its page table");
const modules = [];
const pages = [...table[1].matchAll(/\[\/(\^.*?\$)\/, "([a-z-]+)"/g)].map(([, source, module]) => {
  const example = source.slice(1, -1).replaceAll("\\/", "/").replace("([^/]+)", "T20261122.0001");
  assert.ok(new RegExp(source).test(example), `${example} is an example of ${source}`);
  modules.push(`${module}.js`);
  return example;
});
assert.ok(pages.length >= 10, `pages found: ${pages}`);
assert.equal(pages.length, table[1].split("\n").filter((line) => line.trim().startsWith("[/")).length, "every row of the page table is read");
// Each page's module exists, and each module of web/pages/ is a page.
assert.deepEqual(modules.toSorted(), readdirSync(`${root}web/pages`).toSorted(), "web/pages/ holds exactly the router's pages");
// And every link the desk emails (shared/src: app.link(...)), fragments aside.
const emailed = ["/ticket/T20261122.0001", "/access", "/reset-password", "/invitation", "/confirm-email"];
// Every file of the site, in web/ and its folders (pages/, parts/).
const files = readdirSync(`${root}web`, { recursive: true })
  .filter((name) => statSync(`${root}web/${name}`).isFile())
  .map((name) => `/${name}`);
assert.ok(files.includes("/pages/ticket.js") && files.includes("/parts/ticket-view.js"), `the site's folders are read: ${files}`);
const shell = readFileSync(`${root}web/index.html`);

let checked = 0;
async function expect(path, file) {
  const rewritten = viewerRequest(path);
  assert.equal(rewritten, file, `the CDN rewrites ${path} to ${rewritten}, not ${file}`);
  assert.ok(existsSync(`${root}web${rewritten}`), `${path} → ${rewritten}, which is not in web/`);
  const local = await fetch(`${portal}${path}`);
  assert.equal(local.status, 200, `the portal answers ${path} with ${local.status}`);
  const bytes = Buffer.from(await local.arrayBuffer());
  assert.ok(bytes.equals(readFileSync(`${root}web${file}`)), `the portal answers ${path} with another file than ${file}`);
  checked += 1;
}
for (const path of [...new Set([...pages, ...emailed])]) await expect(path, "/index.html");
for (const file of files) await expect(file, file);
// A file of the site that does not exist is a 404 on both, never the shell.
assert.equal(viewerRequest("/missing.js"), "/missing.js");
assert.equal((await fetch(`${portal}/missing.js`)).status, 404);
assert.ok(!shell.equals(Buffer.from(await (await fetch(`${portal}/missing.js`)).arrayBuffer())));
console.log(`cdn: ${checked} paths rewritten to files of web/, and answered the same by the portal`);
