// `npm test` cannot go silently green (issue 19, point 10). scripts/lib/count-tests.mjs reads how
// many tests each runner reported (outputs captured from the real runners are in
// fixtures/count-tests/) and refuses a suite that ran none, fewer than its floor, or printed no
// count; scripts/lib/suites.sh, which scripts/test.sh sources, is run here on tiny fake suites.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { countTests, judgeSuite, readFloors, summaryLines } from "../../scripts/lib/count-tests.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const fixture = (name) => readFileSync(join(here, "fixtures", "count-tests", name), "utf8");

test("cargo test: the passed and failed of every test binary and the doc-tests are summed", () => {
  // 2 unit (1 ignored, not counted), 1 integration, 1 doc-test.
  assert.deepEqual(countTests("cargo", fixture("cargo-ok.txt")), { passed: 4, failed: 0 });
  assert.deepEqual(countTests("cargo", fixture("cargo-failed.txt")), { passed: 1, failed: 1 });
  assert.deepEqual(countTests("cargo", fixture("cargo-zero.txt")), { passed: 0, failed: 0 });
});

test("real runs of this repository's suites (committed main): cargo test 44, the Worker's vitest 459", () => {
  assert.deepEqual(countTests("cargo", fixture("cargo-hybrid-auth.txt")), { passed: 44, failed: 0 });
  assert.deepEqual(countTests("vitest", fixture("vitest-workers-tail.txt")), { passed: 459, failed: 0 });
});

test("wasm-pack test --node: the same libtest line (wasm-bindgen-test), 'no tests to run!' binaries add nothing", () => {
  assert.deepEqual(countTests("cargo", fixture("wasm-pack-ok.txt")), { passed: 11, failed: 0 });
});

test("node --test: the summary of the TAP and the spec reporters; skipped tests are not passes", () => {
  assert.deepEqual(countTests("node", fixture("node-tap-ok.txt")), { passed: 2, failed: 0 });
  assert.deepEqual(countTests("node", fixture("node-spec-ok.txt")), { passed: 2, failed: 0 });
  assert.deepEqual(countTests("node", fixture("node-tap-failed.txt")), { passed: 1, failed: 1 });
  assert.deepEqual(countTests("node", fixture("node-tap-zero.txt")), { passed: 0, failed: 0 });
});

test("vitest: the Tests line (colours stripped), not the Test Files line", () => {
  assert.deepEqual(countTests("vitest", fixture("vitest-ok.txt")), { passed: 2, failed: 0 });
  assert.deepEqual(countTests("vitest", fixture("vitest-failed.txt")), { passed: 2, failed: 1 });
  assert.deepEqual(countTests("vitest", fixture("vitest-zero.txt")), { passed: 0, failed: 0 });
});

test("an output without any count (a crash before the summary) gives no count", () => {
  const crash = "Error: Cannot find module 'x'\n    at Module._resolveFilename\n";
  for (const kind of ["cargo", "node", "vitest"]) assert.equal(countTests(kind, crash), null, kind);
  assert.throws(() => countTests("jest", crash), /unknown runner kind/);
});

test("a suite that ran zero tests is refused even with exit code 0, and counts as one failed test", () => {
  const floors = { node: 1, cargo: 3, worker: 1 };
  for (const [kind, key, name] of [["node", "node", "node-tap-zero.txt"], ["cargo", "cargo", "cargo-zero.txt"], ["vitest", "worker", "vitest-zero.txt"]]) {
    const v = judgeSuite({ key, kind, name: key, exitCode: 0, output: fixture(name) }, floors);
    assert.equal(v.ok, false, name);
    assert.ok(v.problems.includes("no test ran"), `${name}: ${v.problems}`);
    assert.equal(v.failed, 1, name);
  }
});

test("below the floor, without a floor, without a count, or with a non-zero exit: refused", () => {
  const ok = fixture("cargo-ok.txt"); // 4 passed
  assert.equal(judgeSuite({ key: "cargo", kind: "cargo", name: "c", exitCode: 0, output: ok }, { cargo: 4 }).ok, true);
  const below = judgeSuite({ key: "cargo", kind: "cargo", name: "c", exitCode: 0, output: ok }, { cargo: 5 });
  assert.deepEqual([below.ok, below.problems], [false, ["4 passed, below the floor of 5"]]);
  const noFloor = judgeSuite({ key: "cargo", kind: "cargo", name: "c", exitCode: 0, output: ok }, {});
  assert.equal(noFloor.ok, false);
  assert.match(noFloor.problems.join(), /no floor for "cargo"/);
  const crashed = judgeSuite({ key: "cargo", kind: "cargo", name: "c", exitCode: 101, output: "error[E0425]: cannot find value" }, { cargo: 1 });
  assert.deepEqual([crashed.ok, crashed.passed, crashed.failed], [false, 0, 1]);
  const failedRun = judgeSuite({ key: "cargo", kind: "cargo", name: "c", exitCode: 101, output: fixture("cargo-failed.txt") }, { cargo: 1 });
  assert.deepEqual([failedRun.ok, failedRun.passed, failedRun.failed], [false, 1, 1]);
  // A suite without tests (fmt, clippy, tsc) only needs exit code 0, and adds nothing to the counts.
  assert.equal(judgeSuite({ key: "fmt", kind: "none", name: "f", exitCode: 0, output: "" }, {}).ok, true);
  const lint = judgeSuite({ key: "fmt", kind: "none", name: "f", exitCode: 1, output: "Diff in src/lib.rs" }, {});
  assert.deepEqual([lint.ok, lint.passed, lint.failed], [false, 0, 1], "a red lint still makes the closing line red");
});

test("the summary prints each suite's count, then the suites line, and closes with the tests line", () => {
  const verdicts = [
    judgeSuite({ key: "fmt", kind: "none", name: "rust format", exitCode: 0, output: "" }, {}),
    judgeSuite({ key: "cargo", kind: "cargo", name: "cargo test", exitCode: 0, output: fixture("cargo-ok.txt") }, { cargo: 4 }),
    judgeSuite({ key: "node", kind: "node", name: "node tests", exitCode: 0, output: fixture("node-tap-zero.txt") }, { node: 2 }),
  ];
  const { lines, ok } = summaryLines(verdicts);
  assert.equal(ok, false);
  assert.match(lines[0], /rust format\s+ok\s+\(no tests\)/);
  assert.match(lines[1], /cargo test\s+ok\s+4 passed, 0 failed \(floor 4\)/);
  assert.match(lines[2], /node tests\s+FAILED 0 passed, 1 failed \(floor 2\): no test ran; 0 passed, below the floor of 2/);
  assert.deepEqual(lines.slice(-3), ["failed: node tests", "suites: 2 passed, 1 failed", "tests: 4 passed, 1 failed"]);
  assert.equal(summaryLines([]).ok, false, "no suite at all is not a green run");
});

test("scripts/test-floors.json has a floor for every counted suite scripts/test.sh runs", () => {
  const floors = readFloors();
  const script = readFileSync(join(root, "scripts", "test.sh"), "utf8");
  const suites = [...script.matchAll(/^suite (\S+) (\S+) /gm)].map((m) => ({ key: m[1], kind: m[2] }));
  assert.ok(suites.length >= 10, `expected every suite of test.sh, read ${suites.length}`);
  for (const { key, kind } of suites) {
    assert.ok(["cargo", "node", "vitest", "none"].includes(kind), `${key}: unknown kind ${kind}`);
    if (kind !== "none") assert.ok(Number.isInteger(floors[key]) && floors[key] >= 1, `no floor ≥ 1 for ${key}`);
  }
  // The browser suite runs unconditionally (no "if a script exists" around it).
  assert.match(script, /^suite browser node /m);
  assert.doesNotMatch(script, /scripts\["test:browser"\]/);
});

// scripts/lib/suites.sh itself, on fake suites, with a floors file of the test's own.
function runFakeSuites(t, { floors, lines }) {
  const dir = mkdtempSync(join(tmpdir(), "hybrid-auth-floors-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "two"));
  writeFileSync(join(dir, "two", "a.test.mjs"), 'import { test } from "node:test";\ntest("one", () => {});\ntest("two", () => {});\n');
  mkdirSync(join(dir, "empty"));
  writeFileSync(join(dir, "floors.json"), JSON.stringify(floors));
  const script = [`. ${JSON.stringify(join(root, "scripts", "lib", "suites.sh"))}`, ...lines, "finish_suites"].join("\n");
  // Outside this test run's own protocol: a nested `node --test` would report to the parent otherwise.
  const env = { ...process.env, HYBRID_AUTH_TEST_FLOORS: join(dir, "floors.json") };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync("bash", ["-c", script], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
}

test("suites.sh on fake suites: all counted and above their floors → exit 0 and a green closing line", (t) => {
  const r = runFakeSuites(t, { floors: { two: 2 }, lines: ["suite lint none lint true", "suite two node two node --test two/"] });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^# pass 2$/m, "the suite's own output is streamed");
  const out = r.stdout.trim().split("\n");
  assert.deepEqual(out.slice(-2), ["suites: 2 passed, 0 failed", "tests: 2 passed, 0 failed"]);
});

test("suites.sh on fake suites: an empty test folder fails the run although node --test exits 0", (t) => {
  const r = runFakeSuites(t, { floors: { two: 2, empty: 1 }, lines: ["suite two node two node --test two/", "suite empty node empty node --test empty/"] });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /empty\s+FAILED 0 passed, 1 failed \(floor 1\): no test ran/);
  assert.deepEqual(r.stdout.trim().split("\n").slice(-3), ["failed: empty", "suites: 1 passed, 1 failed", "tests: 2 passed, 1 failed"]);
});

test("suites.sh on fake suites: a floor above the count fails; a failing command fails; a broken floors file still ends red", (t) => {
  const above = runFakeSuites(t, { floors: { two: 3 }, lines: ["suite two node two node --test two/"] });
  assert.equal(above.status, 1);
  assert.match(above.stdout, /2 passed, below the floor of 3/);
  const failing = runFakeSuites(t, { floors: {}, lines: ["suite lint none lint false"] });
  assert.equal(failing.status, 1);
  assert.deepEqual(failing.stdout.trim().split("\n").slice(-2), ["suites: 0 passed, 1 failed", "tests: 0 passed, 1 failed"]);
  const broken = runFakeSuites(t, { floors: { two: 0 }, lines: ["suite two node two node --test two/"] });
  assert.notEqual(broken.status, 0);
  assert.equal(broken.stdout.trim().split("\n").at(-1), "tests: 0 passed, 1 failed");
});
