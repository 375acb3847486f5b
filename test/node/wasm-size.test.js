// Issue 13 §3, raised by issue 19 §11 (the design card's crates, opt-level 3 for speed),
// raised again by issue 24 (Ed25519 in the key ring): the .wasm that every Worker isolate
// compiles at start-up stays within 152 KiB. Measured (bench/notes.md, "EdDSA"): EdDSA
// took the module from 80,917 to 149,455 bytes (gzip 32,244 -> 59,076) and its first
// compile in a fresh Node process from 4.7 to 5.3 ms (median of 11); ed25519-dalek is
// most of it (+47.5 KB alone in a bare module). It stays one module, not a second one
// like crates/argon2, because the ring must hold both kinds of key: rotation from HS256
// to EdDSA verifies old HS256 tokens with the ring that signs EdDSA ones. scripts/build.mjs prints the size; this makes a build that grows past it red
// instead of only noisier. Reads every .wasm under pkg/ (the package ships pkg/web),
// which `npm test` builds before this suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const LIMIT = 152 * 1024;

test("every built .wasm in pkg/ is at most 152 KiB", () => {
  const found = [];
  for (const dir of readdirSync(join(root, "pkg"), { withFileTypes: true })) {
    const sub = dir.isDirectory() ? join(root, "pkg", dir.name) : null;
    const files = sub ? readdirSync(sub).map((f) => join(sub, f)) : [join(root, "pkg", dir.name)];
    for (const file of files.filter((f) => f.endsWith(".wasm"))) found.push({ file: file.slice(root.length + 1), bytes: statSync(file).size });
  }
  assert.ok(found.some((f) => f.file === join("pkg", "web", "hybrid_auth_bg.wasm")), `pkg/web/hybrid_auth_bg.wasm not built (found: ${found.map((f) => f.file).join(", ")})`);
  for (const f of found) assert.ok(f.bytes <= LIMIT, `${f.file} is ${f.bytes} bytes, over the 152 KiB (${LIMIT} B) limit`);
});
