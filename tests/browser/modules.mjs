// The front end's module graph, read from the import statements of web/:
// every import names a file of the site and only names it exports, and
// imports point down the layers (no circles), as in shared/src:
//   api.js, i18n.js   the API client and the catalogs
//   kit.js, vocabulary.js   the DOM and form kit, the API's words
//   parts/   what several pages share (the ticket view, lists, people)
//   pages/   one module per page of the router
//   app.js   the router, which loads pages/ with import()
// A page importing the router, or a part importing a page, fails here.
// Usage: node tests/browser/modules.mjs
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import assert from "node:assert/strict";

const web = new URL("../../web/", import.meta.url).pathname;

const layer = (file) => {
  if (file === "app.js") return 4;
  if (file.startsWith("pages/")) return 3;
  if (file.startsWith("parts/")) return 2;
  if (file === "kit.js" || file === "vocabulary.js") return 1;
  if (file === "api.js" || file === "i18n.js" || file === "pow-worker.js") return 0;
  assert.fail(`${file} belongs to no layer: add it to tests/browser/modules.mjs`);
};

const files = readdirSync(web, { recursive: true }).filter((name) => name.endsWith(".js"));
const source = new Map(files.map((file) => [file, readFileSync(join(web, file), "utf8")]));

/** What `file` exports by name (`export function f`, `export const C`, ...) and whether it has a default. */
function exportsOf(file) {
  const text = source.get(file);
  const names = new Set([...text.matchAll(/^export (?:async )?(?:function|const|let|class) ([A-Za-z_$][\w$]*)/gm)].map(([, name]) => name));
  if (/^export default /m.test(text)) names.add("default");
  return names;
}

/** The imports of `file`: `{ target, names, dynamic }`, targets relative to web/. */
function importsOf(file) {
  const text = source.get(file);
  const resolve = (spec) => normalize(join(dirname(file), spec));
  const found = [];
  for (const [, clause, spec] of text.matchAll(/^import\s+([\s\S]*?)\s+from\s+"([^"]+)";/gm)) {
    const names = [];
    const named = clause.match(/\{([\s\S]*)\}/);
    if (named) names.push(...named[1].split(",").map((part) => part.trim().split(/\s+as\s+/)[0]).filter(Boolean));
    if (/^[A-Za-z_$][\w$]*/.test(clause)) names.push("default");
    found.push({ target: resolve(spec), names, dynamic: false });
  }
  for (const [, spec] of text.matchAll(/^import\s+"([^"]+)";/gm)) found.push({ target: resolve(spec), names: [], dynamic: false });
  // import("./x.js") and the router's import(`./pages/${name}.js`): every module of that folder.
  for (const [, spec] of text.matchAll(/import\(["`]([^"`]+)["`]\)/g)) {
    if (spec.includes("${")) {
      const folder = resolve(dirname(spec));
      for (const other of files) if (dirname(other) === folder) found.push({ target: other, names: ["default"], dynamic: true });
    } else {
      found.push({ target: resolve(spec), names: [], dynamic: true });
    }
  }
  return found;
}

let edges = 0;
const graph = new Map();
for (const file of files) {
  const imports = importsOf(file);
  graph.set(file, imports.map(({ target }) => target));
  for (const { target, names, dynamic } of imports) {
    edges += 1;
    assert.ok(existsSync(join(web, target)), `${file} imports ${target}, which is not in web/`);
    const offered = exportsOf(target);
    for (const name of names) assert.ok(offered.has(name), `${file} imports ${name} from ${target}, which does not export it`);
    assert.ok(layer(target) <= layer(file), `${file} imports ${target}, a layer above it: imports point down`);
    // Pages are reached through the router only (loaded when shown, never with the first load).
    if (target.startsWith("pages/")) assert.ok(file === "app.js" && dynamic, `${file} imports the page ${target}`);
  }
}

// No circles, within a layer either (parts may use one another, one way).
const state = new Map();
function visit(file, path) {
  if (state.get(file) === "done") return;
  assert.notEqual(state.get(file), "open", `an import circle: ${[...path, file].join(" → ")}`);
  state.set(file, "open");
  for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
  state.set(file, "done");
}
for (const file of files) visit(file, []);

assert.ok(files.includes("app.js") && files.some((file) => file.startsWith("pages/")), `the modules are read: ${files}`);
assert.ok(edges > 40, `the imports are read (${edges})`);
console.log(`modules: ${files.length} modules of web/, ${edges} imports, each resolved, pointing down, no circle`);
