// Every test SECURITY.md cites as `file › test name` exists in that file (issue 19, point 12:
// two cited names had been renamed away, so the document pointed at tests that no longer ran).
// A citation is a code span holding "›": the file, then one or more names (a describe block,
// then the test); "› name" alone continues the previous file; "…" elides part of a long name,
// and each remaining piece must appear. Rust names are checked as `fn <name>`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** [{line, file, piece}] for every cited name piece of a markdown text. */
export function citations(markdown) {
  const found = [];
  let lastFile = null;
  // ``...`` spans first (they may hold single backticks), then `...` spans.
  for (const m of markdown.matchAll(/``(.+?)``|`([^`\n]*›[^`]*)`/gs)) {
    const span = (m[1] ?? m[2]).replace(/\s+/g, " ").trim();
    if (!span.includes("›")) continue;
    const [head, ...names] = span.split("›").map((p) => p.trim());
    if (head === "file") continue; // the legend: `file › test name`
    const file = head === "" ? lastFile : head;
    if (head !== "") lastFile = head;
    const line = markdown.slice(0, m.index).split("\n").length;
    for (const name of names) {
      for (const piece of name.split("…").map((p) => p.trim()).filter(Boolean)) found.push({ line, file, piece });
    }
  }
  return found;
}

function missing(markdown) {
  return citations(markdown)
    .filter(({ file, piece }) => {
      if (!file || !existsSync(join(root, file))) return true;
      const source = readFileSync(join(root, file), "utf8").replace(/\s+/g, " ");
      return file.endsWith(".rs") ? !source.includes(`fn ${piece.replace(/^tests::/, "")}`) : !source.includes(piece);
    })
    .map(({ line, file, piece }) => `SECURITY.md:${line}: ${file} › ${piece}`);
}

test("every test SECURITY.md cites exists under that name", () => {
  const markdown = readFileSync(join(root, "SECURITY.md"), "utf8");
  assert.ok(citations(markdown).length >= 50, "expected SECURITY.md's many citations");
  assert.deepEqual(missing(markdown), []);
});

test("the citation reader finds a renamed test, continuations, elisions and Rust names", () => {
  const md = [
    "- `js/test/refresh.test.ts › parallel refreshes of one token: exactly one successor, in the same family`",
    "- `› no such test in refresh.test.ts`",
    "- ``js/test/revocation.test.ts › revokes its refresh family with one `sid` row until … live on``",
    "- `tests/vectors.rs › wycheproof_hmac_sha256_all_174` and `src/token.rs › tests::no_such_fn`",
  ].join("\n");
  assert.deepEqual(
    citations(md).map((c) => `${c.file} › ${c.piece}`),
    [
      "js/test/refresh.test.ts › parallel refreshes of one token: exactly one successor, in the same family",
      "js/test/refresh.test.ts › no such test in refresh.test.ts",
      "js/test/revocation.test.ts › revokes its refresh family with one `sid` row until",
      "js/test/revocation.test.ts › live on",
      "tests/vectors.rs › wycheproof_hmac_sha256_all_174",
      "src/token.rs › tests::no_such_fn",
    ],
  );
  assert.deepEqual(missing(md), ["SECURITY.md:2: js/test/refresh.test.ts › no such test in refresh.test.ts", "SECURITY.md:4: src/token.rs › tests::no_such_fn"]);
});
