// Issue 13 §3, raised by issue 19 §11 (the design card's crates, opt-level 3 for speed):
// the .wasm that every Worker isolate compiles at start-up stays within 80 KiB. scripts/build.mjs prints the size; this makes a build that grows past it red
// instead of only noisier. Reads every .wasm under pkg/ (the package ships pkg/web),
// which `npm test` builds before this suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const LIMIT = 80 * 1024;

test("every built .wasm in pkg/ is at most 80 KiB", () => {
  const found = [];
  for (const dir of readdirSync(join(root, "pkg"), { withFileTypes: true })) {
    const sub = dir.isDirectory() ? join(root, "pkg", dir.name) : null;
    const files = sub ? readdirSync(sub).map((f) => join(sub, f)) : [join(root, "pkg", dir.name)];
    for (const file of files.filter((f) => f.endsWith(".wasm"))) found.push({ file: file.slice(root.length + 1), bytes: statSync(file).size });
  }
  assert.ok(found.some((f) => f.file === join("pkg", "web", "hybrid_auth_bg.wasm")), `pkg/web/hybrid_auth_bg.wasm not built (found: ${found.map((f) => f.file).join(", ")})`);
  for (const f of found) assert.ok(f.bytes <= LIMIT, `${f.file} is ${f.bytes} bytes, over the 80 KiB (${LIMIT} B) limit`);
});
