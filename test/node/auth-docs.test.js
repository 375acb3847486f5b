// js/README.md describes what authenticate() answers: every AuthFailure reason and every field
// of both Principal kinds (issue 19, point 12: an adopter found neither documented). The names
// are read from the sources (js/src/middleware/auth.ts, js/src/types.ts), so a new reason or
// field without its line in the README fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (path) => readFileSync(join(root, path), "utf8");

/** The README's paragraph on authenticate()'s answer. */
function authenticateDocs() {
  const readme = read("js/README.md");
  const start = readme.indexOf("**What `authenticate(c)` answers**");
  assert.ok(start >= 0, "js/README.md has no 'What `authenticate(c)` answers' paragraph");
  return readme.slice(start, readme.indexOf("\n\n", readme.indexOf("- `AuthFailure`", start)));
}

test("every AuthFailure reason is described", () => {
  const source = read("js/src/middleware/auth.ts");
  const union = source.slice(source.indexOf("export type AuthFailure"), source.indexOf(";", source.indexOf("export type AuthFailure")));
  const reasons = [...union.matchAll(/\| "([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(reasons.length >= 8, `read ${reasons.length} reasons`);
  const docs = authenticateDocs();
  assert.deepEqual(reasons.filter((r) => !docs.includes(`\`${r}\``)), []);
});

test("every field of both Principal kinds is described", () => {
  const source = read("js/src/types.ts");
  const type = source.slice(source.indexOf("export type Principal"), source.indexOf(";\n\n", source.indexOf("export type Principal")));
  const fields = new Set([...type.matchAll(/([a-zA-Z]+)\??: /g)].map((m) => m[1]).filter((f) => f !== "kind"));
  assert.ok(fields.size >= 10, `read ${fields.size} fields`);
  const docs = authenticateDocs();
  assert.deepEqual([...fields].filter((f) => !docs.includes(`\`${f}\``) && !docs.includes(`\`${f} {`)), []);
});
