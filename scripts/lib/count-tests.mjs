#!/usr/bin/env node
// How many tests each suite of `npm test` ran, read from the runner's own output, and the
// verdict against the floors kept in scripts/test-floors.json (issue 19, point 10): a suite
// that runs no test, fewer than its floor, or prints no count at all fails, so CI cannot go
// green on an empty folder or a suite that silently stopped running.
//
// scripts/test.sh tees each suite's output to a log and appends one record per suite
// (key, kind, name, exit code, log path; tab-separated) to a file, then runs
//   node scripts/lib/count-tests.mjs summary <records.tsv> [floors.json]
// which prints the per-suite counts, "suites: N passed, N failed" and, last,
// "tests: N passed, N failed", and exits 1 when any suite failed.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEFAULT_FLOORS = join(dirname(fileURLToPath(import.meta.url)), "..", "test-floors.json");

/** The runners whose output is counted; "none" (fmt, clippy, tsc, cargo check) has no tests. */
export const KINDS = ["cargo", "node", "vitest", "none"];

// Colour codes would split "Tests" from its numbers; runners add them on a terminal or when forced.
const stripAnsi = (text) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");

const lastMatch = (text, re) => {
  let found = null;
  for (const m of text.matchAll(re)) found = m;
  return found;
};

/**
 * The tests a runner reports in its output: {passed, failed}, or null when the output holds
 * no summary at all (the runner never got that far).
 *  - cargo: the sum of every "test result: ok. N passed; M failed" line (each test binary and
 *    the doc-tests print one; wasm-pack test --node prints the same);
 *  - node: the last "# pass N" / "# fail N" (TAP) or "ℹ pass N" (spec reporter) block;
 *    cancelled tests count as failed;
 *  - vitest: the last "Tests  N failed | N passed (T)" line ("Tests  no tests": none ran).
 */
export function countTests(kind, rawOutput) {
  const output = stripAnsi(rawOutput);
  if (kind === "cargo") {
    let passed = 0;
    let failed = 0;
    let seen = false;
    for (const m of output.matchAll(/^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed;/gm)) {
      seen = true;
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    return seen ? { passed, failed } : null;
  }
  if (kind === "node") {
    const pass = lastMatch(output, /^(?:#|ℹ) pass (\d+)\s*$/gm);
    if (!pass) return null;
    // The fail/cancelled lines of the same summary block follow the pass line.
    const rest = output.slice(pass.index);
    const fail = rest.match(/^(?:#|ℹ) fail (\d+)\s*$/m);
    const cancelled = rest.match(/^(?:#|ℹ) cancelled (\d+)\s*$/m);
    return { passed: Number(pass[1]), failed: Number(fail?.[1] ?? 0) + Number(cancelled?.[1] ?? 0) };
  }
  if (kind === "vitest") {
    const line = lastMatch(output, /^\s*Tests {2,}(.*\(\d+\)|no tests)\s*$/gm);
    if (!line) return null;
    if (line[1] === "no tests") return { passed: 0, failed: 0 };
    const passed = line[1].match(/(\d+) passed/);
    const failed = line[1].match(/(\d+) failed/);
    return { passed: Number(passed?.[1] ?? 0), failed: Number(failed?.[1] ?? 0) };
  }
  if (kind === "none") return { passed: 0, failed: 0 };
  throw new Error(`unknown runner kind ${kind} (one of ${KINDS.join(", ")})`);
}

/**
 * The verdict on one suite. A counted suite passes only when it exited 0, its output holds a
 * count, no test failed, at least one test ran, and at least its floor ran. A suite with no
 * floor in the file fails too: a new suite must be given one.
 * A suite that failed without any failing test in its output (a crash, a build error, a
 * refused count, a lint) is counted as one failed test, so the closing "tests:" line never
 * reads "0 failed" for a red run.
 */
export function judgeSuite({ key, kind, name, exitCode, output }, floors) {
  const problems = [];
  if (exitCode !== 0) problems.push(`exit code ${exitCode}`);
  const counted = countTests(kind, output);
  let floor = null;
  if (kind !== "none") {
    floor = Object.hasOwn(floors, key) ? floors[key] : null;
    if (!counted) problems.push("no test count in its output");
    else if (counted.failed > 0) problems.push(`${counted.failed} failed`);
    if (counted && counted.passed === 0) problems.push("no test ran");
    if (floor === null) problems.push(`no floor for "${key}" in scripts/test-floors.json`);
    else if (counted && counted.passed < floor) problems.push(`${counted.passed} passed, below the floor of ${floor}`);
  }
  const passed = counted?.passed ?? 0;
  let failed = counted?.failed ?? 0;
  if (problems.length > 0 && failed === 0) failed = 1;
  return { key, kind, name, ok: problems.length === 0, passed, failed, floor, problems };
}

/** Floors file: {"<suite key>": <minimum passed tests>, ...}; anything else is refused. */
export function readFloors(path = DEFAULT_FLOORS) {
  const floors = JSON.parse(readFileSync(path, "utf8"));
  if (!floors || typeof floors !== "object" || Array.isArray(floors)) throw new Error(`${path}: not an object`);
  for (const [key, value] of Object.entries(floors)) {
    if (key.startsWith("//")) continue;
    if (!Number.isInteger(value) || value < 1) throw new Error(`${path}: the floor of "${key}" must be an integer ≥ 1`);
  }
  return floors;
}

/** The closing lines, from the verdicts. */
export function summaryLines(verdicts) {
  const lines = [];
  const width = Math.max(...verdicts.map((v) => v.name.length), 10);
  for (const v of verdicts) {
    const status = v.ok ? "ok    " : "FAILED";
    const count =
      v.kind === "none"
        ? `(no tests${v.ok ? "" : "; counted as 1 failed"})`
        : `${v.passed} passed, ${v.failed} failed${v.floor === null ? "" : ` (floor ${v.floor})`}`;
    lines.push(`  ${v.name.padEnd(width)}  ${status} ${count}${v.problems.length ? `: ${v.problems.join("; ")}` : ""}`);
  }
  const bad = verdicts.filter((v) => !v.ok);
  for (const v of bad) lines.push(`failed: ${v.name}`);
  lines.push(`suites: ${verdicts.length - bad.length} passed, ${bad.length} failed`);
  const passed = verdicts.reduce((n, v) => n + v.passed, 0);
  const failed = verdicts.reduce((n, v) => n + v.failed, 0);
  lines.push(`tests: ${passed} passed, ${failed} failed`);
  return { lines, ok: bad.length === 0 && verdicts.length > 0 };
}

/** records.tsv (key, kind, name, exit code, log path per line) → verdicts. */
export function readRecords(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [key, kind, name, code, log] = line.split("\t");
      let output = "";
      try {
        output = readFileSync(log, "utf8");
      } catch {
        // An unreadable log is a suite without a count: refused below.
      }
      return { key, kind, name, exitCode: Number(code), output };
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, recordsPath, floorsPath] = process.argv.slice(2);
  if (command !== "summary" || !recordsPath) {
    process.stderr.write("usage: count-tests.mjs summary <records.tsv> [floors.json]\n");
    process.exit(2);
  }
  let result;
  try {
    const floors = readFloors(floorsPath ?? DEFAULT_FLOORS);
    result = summaryLines(readRecords(recordsPath).map((r) => judgeSuite(r, floors)));
  } catch (err) {
    // 2, not 1: scripts/lib/suites.sh then prints a red closing line itself.
    process.stderr.write(`count-tests: ${err.message}\n`);
    process.exit(2);
  }
  process.stdout.write(`${result.lines.join("\n")}\n`);
  process.exit(result.ok ? 0 : 1);
}
