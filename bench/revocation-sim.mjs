#!/usr/bin/env node
// Issue 23: the revocation filter measured by simulation and by benchmark, on this machine
// (`node bench/revocation-sim.mjs`, local only: wrangler dev on 127.0.0.1 with a throwaway
// local D1 and local KV).
//
// 1. Simulation (js/bench/revocationSim/simulate.ts): for 1 M, 10 M and 100 M users, 50
//    simulated isolates (each the real FilterRevocations of `hybrid-auth/revocation`) against
//    the model's revocation stream (a logout per user per day, 900 s access tokens), with the
//    real publisher every simulated minute, in compressed time. Reports memory per isolate,
//    bytes and reads per isolate-minute, reads per check, the revocation window p50/p99, the
//    false-positive rate and what a cold isolate reads before its first check.
// 2. Bench: JWT verify (HS256 KeyRing) plus the revocation check inside workerd, with
//    100,000 revoked entries: the filter against the core's in-memory map of every row
//    (REVOCATION=cached, today's default) and against verify alone. Timed from outside
//    (the clock stands still inside a request during CPU work), minus an n=0 request;
//    per round each side is the best of 3; reported: medians over rounds.
// 3. Cold isolate, timed from outside: a fresh FilterRevocations's first check (one KV read,
//    one D1 read) against a fresh core snapshot's (every row, 1,000 per read).
//
// Writes bench/results/revocation-sim.json and the table between the markers
// <!-- revocation-sim:begin --> and <!-- revocation-sim:end --> in SECURITY.md.
// `--report-only` re-renders the table from the last results file. Memory per delta row comes
// from bench/revocation-delta-memory.mjs (V8, run here with --expose-gc).
// Knobs: SIM_SCALES (e.g. "1000000,10000000"), SIM_SECONDS (simulated seconds, default 600;
// 100 M users run a third of it), BENCH_ROUNDS (15).
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrateLocalD1, startWranglerDev } from "../scripts/lib/wrangler-dev.mjs";
import { renderRevocationTable as renderTable } from "./revocation-table.mjs";
import { median } from "./workerd.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const cwd = join(root, "js", "bench", "revocationSim");
const SCALES = (process.env.SIM_SCALES ?? "1000000,10000000,100000000").split(",").map(Number);
const SIM_SECONDS = Number(process.env.SIM_SECONDS ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const resultsPath = join(root, "bench", "results", "revocation-sim.json");
const deltaRowMemory = () => JSON.parse(execFileSync(process.execPath, ["--expose-gc", join(root, "bench", "revocation-delta-memory.mjs")], { encoding: "utf8" }));
if (process.argv.includes("--report-only")) {
  const saved = JSON.parse(readFileSync(resultsPath, "utf8"));
  saved.deltaRowMemory ??= deltaRowMemory();
  writeFileSync(resultsPath, JSON.stringify(saved, null, 2) + "\n");
  writeTable(saved);
  process.exit(0);
}

const persistTo = mkdtempSync(join(tmpdir(), "revocation-sim-"));
await migrateLocalD1({ cwd, persistTo });
const server = await startWranglerDev({ cwd, args: ["--persist-to", persistTo], timeoutMs: 120_000 });
const post = async (path, body, retry = true) => {
  const response = await fetch(`${server.base}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body ?? {}) });
  const text = await response.text();
  // wrangler dev restarts the runtime now and then (a 503 saying so). Said, and retried once;
  // a simulation after emptying the table again (the lost run's rows would inflate the next).
  if (response.status === 503 && retry && /restarted mid-request/.test(text)) {
    console.log(`${path}: the runtime restarted mid-request; retrying once`);
    if (path === "/simulate") await post("/reset", {}, false);
    return post(path, body, false);
  }
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text);
};

const results = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg: loadavg()[0], simulations: [], bench: null, cold: null };
try {
  // 1. Simulations.
  for (const users of SCALES) {
    await post("/reset");
    const simSeconds = users >= 100_000_000 ? Math.round(SIM_SECONDS / 3) : SIM_SECONDS;
    const started = performance.now();
    const report = await post("/simulate", { users, simSeconds });
    report.wallSeconds = (performance.now() - started) / 1000;
    if (report.rowsBefore !== 0) throw new Error(`${users} users: ${report.rowsBefore} live rows were in the table before the run (not reset)`);
    results.simulations.push(report);
    const m = report.memory;
    console.log(
      `${(users / 1e6).toFixed(0)} M users: ${report.model.liveEntries} live entries, ${report.isolates.simulated} isolates (${report.isolates.cold} cold), ` +
        `filter ${m.filterBytesMax} B + ${m.deltaRowsMax} delta rows max, window p50 ${report.window.p50} s p99 ${report.window.p99} s, ` +
        `FP ${(report.checks.falsePositiveRate * 100).toFixed(3)}%, confirmations ${(report.checks.confirmationRate * 100).toFixed(3)}%, ` +
        `refused valid ${report.checks.validRefused}, accepted revoked ${report.window.acceptedAfterBound}, ${report.wallSeconds.toFixed(0)} s`,
    );
  }

  // 2. Verify + revocation check with 100,000 entries.
  await post("/reset");
  const setup = await post("/bench/setup", { entries: 100_000 });
  const N = 2000;
  const time = async (impl, n) => {
    const t0 = performance.now();
    const response = await fetch(`${server.base}/bench?impl=${impl}&n=${n}`);
    if (!response.ok) throw new Error(`${impl}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    return performance.now() - t0;
  };
  const IMPLS = ["verify", "filter", "map"];
  for (const impl of IMPLS) await time(impl, 200);
  const samples = Object.fromEntries(IMPLS.map((impl) => [impl, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < IMPLS.length; k++) {
      const impl = IMPLS[(k + r) % IMPLS.length];
      const best = async (n) => Math.min(await time(impl, n), await time(impl, n), await time(impl, n));
      samples[impl].push((((await best(N)) - (await best(0))) * 1000) / N);
    }
  }
  results.bench = { setup, n: N, rounds: ROUNDS, rows: IMPLS.map((impl) => ({ name: impl, median_us: median(samples[impl]), min_us: Math.min(...samples[impl]), max_us: Math.max(...samples[impl]) })) };
  for (const row of results.bench.rows) console.log(`  ${row.name.padEnd(7)} ${row.median_us.toFixed(2).padStart(8)} µs per verify+check (min ${row.min_us.toFixed(2)}, max ${row.max_us.toFixed(2)})`);

  // 3. Cold isolates, from outside: first check of a fresh checker over the same 100,000 rows.
  const cold = { filter: [], map: [] };
  for (let r = 0; r < 7; r++) {
    for (const impl of ["filter", "map"]) {
      const t0 = performance.now();
      const response = await post(`/bench/cold?impl=${impl}`);
      cold[impl].push({ ms: performance.now() - t0, ...response });
    }
  }
  results.cold = Object.fromEntries(Object.entries(cold).map(([impl, xs]) => [impl, { median_ms: median(xs.map((x) => x.ms)), reads: xs[0].reads, heldBytes: xs[0].heldBytes ?? null }]));
  console.log(`cold isolate, 100,000 entries: filter ${results.cold.filter.median_ms.toFixed(1)} ms (${results.cold.filter.reads} reads), map ${results.cold.map.median_ms.toFixed(1)} ms (${results.cold.map.reads} reads)`);
} finally {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}

results.deltaRowMemory = deltaRowMemory();
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(resultsPath, JSON.stringify(results, null, 2) + "\n");
writeTable(results);

function writeTable(r) {
  const table = renderTable(r);
  const securityPath = join(root, "SECURITY.md");
  const security = readFileSync(securityPath, "utf8");
  const marked = /<!-- revocation-sim:begin -->[\s\S]*?<!-- revocation-sim:end -->/;
  if (marked.test(security)) {
    writeFileSync(securityPath, security.replace(marked, `<!-- revocation-sim:begin -->\n${table}\n<!-- revocation-sim:end -->`));
    console.log("SECURITY.md: table updated");
  } else {
    console.log(table);
  }
}
