// README's headline table must be the last benchmark run's figures. bench/report.mjs
// writes it; this test recomputes every figure from bench/results/*.json on its own
// (not through report.mjs) and fails when README says anything else, so a hand edit,
// a stale table or a report bug cannot go unnoticed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);
const readJson = (name) => {
  const url = new URL(`bench/results/${name}`, ROOT);
  assert.ok(existsSync(url), `bench/results/${name} is missing: run \`npm run bench\``);
  return JSON.parse(readFileSync(url, "utf8"));
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
// The report's formats: ratios with 2 decimals below 10x and 1 from there, sizes in KiB.
const x = (v) => (v >= 10 ? `${v.toFixed(1)}x` : `${v.toFixed(2)}x`);
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;

/** Median over rounds of a/b, where a and b are rows of bench/node.mjs's results. */
function nodeRatio(rows, aName, bName) {
  const a = rows.find((r) => r.name === aName);
  const b = rows.find((r) => r.name === bName);
  assert.ok(a && b, `node.json has rows ${aName} and ${bName}`);
  const n = Math.min(a.rounds.length, b.rounds.length);
  return median(Array.from({ length: n }, (_, i) => a.rounds[i] / b.rounds[i]));
}

/** The README rows between the bench:headline markers: [{ where, target, measured, status }]. */
function readmeRows() {
  const text = readFileSync(new URL("README.md", ROOT), "utf8");
  const a = text.indexOf("<!-- bench:headline:start");
  const b = text.indexOf("<!-- bench:headline:end -->");
  assert.ok(a >= 0 && b > a, "README.md has the bench:headline markers");
  const block = text.slice(a, b);
  const rows = block
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| where") && !l.startsWith("|---"))
    .map((l) => {
      const [where, target, measured, status] = l.slice(2, -2).split(" | ");
      return { where, target, measured: measured.replace(/\*\*/g, ""), status };
    });
  return { block, rows };
}

/** The figures README must show, computed from the raw results. */
function expectedRows() {
  const run = readJson("run.json");
  const workerd = readJson("workerd.json");
  const node = readJson("node.json");
  const http = readJson("http.json");
  const startup = readJson("startup.json");
  const jw = workerd.best_mode.verify.jose;
  const jn = node.best_mode.verify.jose;
  const mode = (name) => (/CryptoKey|_key$/.test(name) ? "CryptoKey" : "secret");
  return {
    run,
    short: Boolean(run.quick || startup.short_run),
    rows: [
      { where: "inside workerd", has: `jose, its best mode (${mode(jw)})`, value: workerd.ratios.verify.verifyJWT_vs_jose_best.median, f: x, target: 3 },
      { where: "inside workerd", has: "WebCrypto", value: workerd.ratios.verify.verifyJWT_vs_webcrypto_best.median, f: x, target: 1 },
      { where: "Node", has: "node:crypto", value: nodeRatio(node.verify, "verifyJWT (wasm)", "node:crypto (baseline)"), f: x, target: 1.2 },
      { where: "Node", has: `jose, its best mode (${mode(jn)})`, value: nodeRatio(node.verify, "verifyJWT (wasm)", jn), f: x, target: 25 },
      { where: "HTTP", has: "session token", value: http.summary.ratio.throughput_jwt_over_session, f: x, target: 2 },
      { where: "start-up", has: "bare Hono", value: startup.load.ratio.median, f: x, target: 2, lower: true },
      { where: "size", has: "80 KiB", value: startup.wasm.raw_bytes, f: kib, target: 80 * 1024, lower: true },
    ],
  };
}

test("README's headline table shows the figures in bench/results, row by row", () => {
  const { rows } = readmeRows();
  const expected = expectedRows();
  assert.equal(rows.length, expected.rows.length, "one README row per headline figure");
  for (const [i, e] of expected.rows.entries()) {
    const r = rows[i];
    assert.equal(r.where, e.where, `row ${i + 1}: where`);
    assert.ok(r.target.includes(e.has), `row ${i + 1} (${r.target}) names "${e.has}"`);
    assert.equal(r.measured, e.f(e.value), `row ${i + 1} (${e.where}, ${e.has}): README says ${r.measured}, bench/results say ${e.f(e.value)}`);
    const met = e.lower ? e.value <= e.target : e.value >= e.target;
    assert.equal(r.status.startsWith("✅"), met, `row ${i + 1} (${e.where}, ${e.has}): status "${r.status}" for ${e.f(e.value)} against ${e.target}`);
  }
});

test("README's headline table is dated by the last run and says when that run was short", () => {
  const { block } = readmeRows();
  const { run, short } = expectedRows();
  assert.ok(block.includes(`From the last \`npm run bench\` (${run.date.slice(0, 10)}`), `README's table is dated ${run.date.slice(0, 10)} (bench/results/run.json)`);
  assert.equal(/short run/.test(block), short, short ? "a short run must be labelled in README" : "a full run must not carry the short-run label");
});
