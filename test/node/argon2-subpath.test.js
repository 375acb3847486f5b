// The password module ships as its own subpath export, `hybrid-auth/argon2` (issues 20 and
// 21): exported from the core entry, it made every Worker that imports `hybrid-auth` bundle
// and compile the argon2 .wasm at start-up (bench/notes.md, "Argon2id placement"). These
// tests keep the core entry free of it, so a stray import fails here rather than in a
// benchmark months later.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("../../", import.meta.url);
const rootPath = decodeURIComponent(root.pathname);
const PASSWORD_API = ["hashPassword", "verifyPassword", "argon2idOwaspCosts"];

/** Every file the "." export names (all conditions), read from package.json itself. */
function coreEntryFiles() {
  const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
  const files = [];
  const walk = (v) => (typeof v === "string" ? files.push(v) : Object.values(v).forEach(walk));
  walk(pkg.exports["."]);
  return [...new Set(files)];
}

test("no file of the core entry (\".\") names pkg/argon2, entry/argon2 or the password API", () => {
  const files = coreEntryFiles();
  assert.ok(files.length >= 5, `read the "." export's files: ${files}`);
  // entry/node.cjs forwards to entry/node.js: the whole top-level entry/ folder is the core.
  const core = readdirSync(new URL("entry/", root), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `./entry/${e.name}`);
  for (const f of files) assert.ok(core.includes(f), `${f} is a top-level entry/ file`);
  for (const f of core) {
    const text = readFileSync(new URL(f, root), "utf8");
    assert.doesNotMatch(text, /argon2/i, `${f} mentions argon2`);
    for (const name of PASSWORD_API) assert.ok(!text.includes(name), `${f} names ${name}`);
  }
});

// What wrangler does with a Worker (bundle with the `workerd` condition, a .wasm import
// becomes a module of its own), done by esbuild so it takes a second.
async function workerBundleInputs(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: rootPath, loader: "js" },
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    external: ["*.wasm"],
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const wasm = Object.values(result.metafile.inputs)
    .flatMap((i) => i.imports)
    .filter((i) => i.path.endsWith(".wasm"))
    .map((i) => i.path);
  return { inputs, wasm };
}

test("a Worker that imports only \"hybrid-auth\" bundles the JWT .wasm and nothing of argon2", async () => {
  const { inputs, wasm } = await workerBundleInputs('export * from "hybrid-auth";');
  assert.ok(inputs.includes("entry/workerd.js"), `the workerd condition chose entry/workerd.js: ${inputs}`);
  assert.deepEqual(wasm, ["../pkg/web/hybrid_auth_bg.wasm"]);
  assert.deepEqual(inputs.filter((i) => /argon2/.test(i)), []);
});

test("a Worker that imports \"hybrid-auth/argon2\" bundles the password .wasm (the check above can see it)", async () => {
  const { inputs, wasm } = await workerBundleInputs('export * from "hybrid-auth"; export * from "hybrid-auth/argon2";');
  assert.ok(inputs.includes("entry/argon2/workerd.js"), `the workerd condition chose entry/argon2/workerd.js: ${inputs}`);
  assert.deepEqual(wasm.sort(), ["../../pkg/argon2/hybrid_auth_argon2_bg.wasm", "../pkg/web/hybrid_auth_bg.wasm"]);
});

test("the core module objects (ESM and CommonJS) carry no password API; the subpath carries all of it", async () => {
  const esm = await import("hybrid-auth");
  const cjs = createRequire(import.meta.url)("hybrid-auth");
  for (const name of PASSWORD_API) {
    assert.equal(name in esm, false, `import "hybrid-auth" has ${name}`);
    assert.equal(name in cjs, false, `require("hybrid-auth") has ${name}`);
  }
  const sub = await import("hybrid-auth/argon2");
  assert.deepEqual(Object.keys(sub).sort(), [...PASSWORD_API].sort());
});
