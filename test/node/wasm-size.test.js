// Issue 13 §3 and issue 19 §11: the .wasm that every Worker isolate compiles at start-up,
// `hybrid-auth`'s (pkg/web, HS256), was to stay within 80 KiB. Issue 24 first put Ed25519 into
// that module (80,917 -> 149,455 bytes, gzip 32,244 -> 59,076; ed25519-dalek is most of
// it) and raised this budget to 152 KiB, so every adopter paid for EdDSA; now the crate is
// built twice (wasm-bindgen.toml, Cargo.toml [features] `eddsa`): pkg/web without Ed25519
// and pkg/eddsa with it, loaded only through `hybrid-auth/eddsa`. Without Ed25519 (and
// without the JWK readers, src/jwk_absent.rs) the core measured 85,806 bytes (gzip 34,715):
// 4,889 more than before issue 24, for what the ring keeps of two algorithms (the alg pinned
// per key, kid selection, the key-form options). The budget is 84 KiB (86,016 B): 80 KiB is
// missed by 3.8 KiB and the README's headline row says so. The Ed25519 build measured
// 155,871 bytes once it gained the native-verifier path (signature form checks with
// curve25519-dalek, ed25519Request / verifyWithEd25519Verdict): its budget is 160 KiB.
// Every other module (crates/argon2's password module) keeps 152 KiB, but the revocation
// filter (crates/revocation-filter, issue 23, pkg/filter): 25,157 bytes measured (gzip 12,072
// as scripts/build.mjs prints it; opt-level 3, see its Cargo.toml), a budget of that + 10 %,
// 27,700 bytes.
// scripts/build.mjs prints the sizes; this makes a build that grows past them red instead
// of only noisier. `npm test` builds pkg/ before this suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KiB = 1024;
const CORE = join("pkg", "web", "hybrid_auth_bg.wasm");
const EDDSA = join("pkg", "eddsa", "hybrid_auth_bg.wasm");
const FILTER = join("pkg", "filter", "hybrid_auth_filter_bg.wasm");
const FILTER_BUDGET = 27_700;
const limitOf = (file) => (file === CORE ? 84 * KiB : file === EDDSA ? 160 * KiB : file === FILTER ? FILTER_BUDGET : 152 * KiB);

function builtModules() {
  const found = [];
  for (const dir of readdirSync(join(root, "pkg"), { withFileTypes: true })) {
    const sub = dir.isDirectory() ? join(root, "pkg", dir.name) : null;
    const files = sub ? readdirSync(sub).map((f) => join(sub, f)) : [join(root, "pkg", dir.name)];
    for (const file of files.filter((f) => f.endsWith(".wasm"))) found.push({ file: file.slice(root.length + 1), bytes: statSync(file).size });
  }
  return found;
}

test("the core .wasm (pkg/web, HS256) is at most 84 KiB, the Ed25519 build 160 KiB, the revocation filter 27,700 B, the others 152 KiB", () => {
  const found = builtModules();
  const names = found.map((f) => f.file).join(", ");
  for (const needed of [CORE, EDDSA, FILTER]) assert.ok(found.some((f) => f.file === needed), `${needed} not built (found: ${names})`);
  for (const f of found) assert.ok(f.bytes <= limitOf(f.file), `${f.file} is ${f.bytes} bytes, over its ${limitOf(f.file)} byte limit`);
});

test("the core .wasm has no Ed25519: it is smaller than the Ed25519 build by at least the 40 KiB the curve code takes", () => {
  const found = builtModules();
  const size = (file) => found.find((f) => f.file === file)?.bytes ?? NaN;
  assert.ok(size(EDDSA) - size(CORE) >= 40 * KiB, `pkg/eddsa ${size(EDDSA)} B vs pkg/web ${size(CORE)} B`);
});
