#!/usr/bin/env node
// Inside workerd: µs per verify / sign for each JWT implementation, in one isolate.
//
// Serves js/bench/worker with `wrangler dev` on a free 127.0.0.1 port and times,
// from OUTSIDE (inside a request Date.now()/performance.now() do not advance during
// CPU work), requests that run N operations and requests that run none:
//   µs/op = (median t(N) − median t(0)) / N
// per implementation, per op, per round. N is calibrated per (impl, op) so that a
// request does ~TARGET_MS of work, which keeps the loopback/request overhead a
// small, subtracted share. Each round makes several passes over every
// implementation in a rotating order (the machine is shared: no implementation
// always gets the quiet moment); per round, each side of the subtraction is the
// fastest of its samples (interference only adds time). Reported: median over
// rounds, min–max spread, and per-round ratios.
//
//   node bench/workerd.mjs [--quick]      (writes bench/results/workerd.json)
//   import { runWorkerdBench } from "./workerd.mjs"; await runWorkerdBench({ rounds, quick })
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { dryRunBundle, startWranglerDev, stopProcessGroup } from "../scripts/lib/wrangler-dev.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const workerDir = join(root, "js", "bench", "worker");

export const IMPLS = ["verifyJWT", "keyring", "jose", "jose_key", "hono", "hono_key", "tsndr", "tsndr_key", "webcrypto"];
// verify: the token generateJWT writes (header fast path); verify_kid: the same claims
// under {"typ":"JWT","alg":"HS256","kid":"x"}, a header this project did not write.
export const OPS = ["verify", "verify_kid", "sign"];
/** Ours, then each peer's documented key modes (secret per call, CryptoKey imported once). */
export const OURS = ["verifyJWT", "keyring"];
export const PEERS = { jose: ["jose", "jose_key"], hono: ["hono", "hono_key"], tsndr: ["tsndr", "tsndr_key"], webcrypto: ["webcrypto"] };
export const MODES = {
  verifyJWT: "secret string per call (drop-in API; prepared key cached inside)",
  keyring: "KeyRing built once (for verify_kid: a ring whose key is kid \"x\")",
  jose: "secret as Uint8Array: key imported on every call",
  jose_key: "CryptoKey imported once",
  hono: "secret string: key imported on every call",
  hono_key: "CryptoKey imported once",
  tsndr: "secret string: key imported on every call",
  tsndr_key: "CryptoKey imported once",
  webcrypto: "hand-written, CryptoKey imported once",
};

const log = (m) => console.log(`[bench:workerd] ${m}`);

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function stats(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/** The workerd that wrangler itself runs (wrangler may nest its own, older than the top-level one). */
export function wranglerWorkerd() {
  try {
    const req = createRequire(join(root, "node_modules", "wrangler", "package.json"));
    const pkgJson = req.resolve("workerd/package.json");
    const version = JSON.parse(readFileSync(pkgJson, "utf8")).version;
    let binary = null;
    try {
      binary = execFileSync(process.execPath, ["-e", "process.stdout.write(require('workerd').default ?? require('workerd'))"], {
        cwd: dirname(pkgJson),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      binary = join(dirname(pkgJson), "bin", "workerd");
    }
    let reported = null;
    try {
      reported = execFileSync(binary, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      // no binary at that path
    }
    return { package: version, version: reported, path: pkgJson.replace(`${root}/`, "") };
  } catch {
    return { package: versionOf("workerd"), version: null, path: null };
  }
}


/**
 * Bundles the bench Worker once, the way wrangler deploys it (`deploy --dry-run
 * --outdir`), into a temp dir that `wrangler dev --no-bundle` then serves. The bench
 * thus measures one fixed snapshot: `wrangler dev` would otherwise reload mid-run
 * whenever pkg/ is rebuilt by someone else.
 */
function bundleSnapshot() {
  const dir = mkdtempSync(join(tmpdir(), "hybrid-auth-bench-worker-"));
  const out = join(dir, "out");
  const b = dryRunBundle({ cwd: workerDir, outdir: out });
  if (!b.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bundling js/bench/worker failed (exit ${b.exit}):\n${b.output.slice(-2000)}`);
  }
  const config = JSON.parse(readFileSync(join(workerDir, "wrangler.jsonc"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
  writeFileSync(join(dir, "wrangler.json"), JSON.stringify({ name: config.name, main: "out/index.js", compatibility_date: config.compatibility_date, no_bundle: true }));
  const wasm = readdirSync(out).find((f) => f.endsWith(".wasm"));
  return {
    dir,
    info: {
      wasm_bytes: wasm ? statSync(join(out, wasm)).size : null,
      wasm_sha1: wasm ? wasm.slice(0, 40) : null,
      total_upload_kib: b.totalUploadKiB,
      gzip_kib: b.gzipKiB,
    },
  };
}

function startServer(snapshotDir) {
  return startWranglerDev({
    cwd: snapshotDir,
    args: ["--config", join(snapshotDir, "wrangler.json"), "--log-level", "error"],
    readyPath: "/?impl=verifyJWT&op=verify&n=0",
  });
}

const stopServer = (server) => stopProcessGroup(server?.child);

// One request: wall time in ms, measured around fetch + body read (keep-alive).
async function timed(base, impl, op, n) {
  const url = `${base}/?impl=${impl}&op=${op}&n=${n}`;
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.json();
  const ms = performance.now() - t0;
  if (!res.ok || body.error) throw new Error(`${impl} ${op} n=${n}: ${res.status} ${body.error ?? ""}`);
  return ms;
}

/**
 * @param {{rounds?: number, reps?: number, targetMs?: number, quick?: boolean, out?: string|false}} opts
 * @returns {Promise<object>} the result (also written to bench/results/workerd.json unless out === false)
 */
export async function runWorkerdBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const rounds = opts.rounds ?? (quick ? 3 : 7);
  const reps = opts.reps ?? (quick ? 2 : 5);
  const targetMs = opts.targetMs ?? (quick ? 25 : 50);
  const hardLimitMs = opts.hardLimitMs ?? 420_000;
  const started = Date.now();
  const loadStart = loadavg();

  let server = null;
  let snapshot = null;
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    log(`exceeded ${hardLimitMs / 1000} s, stopping the server`);
    stopServer(server);
  }, hardLimitMs);
  const onSignal = async () => {
    await stopServer(server);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    snapshot = bundleSnapshot();
    server = await startServer(snapshot.dir);
    const { base } = server;
    log(`wrangler dev (js/bench/worker, bundled snapshot: ${snapshot.info.wasm_bytes} B wasm, sha1 ${snapshot.info.wasm_sha1?.slice(0, 10)}) on ${base}`);

    const check = await (await fetch(`${base}/check`)).json();
    if (!check.ok) throw new Error(`cross-check failed: ${check.failures?.join("; ") ?? JSON.stringify(check)}`);
    log(`cross-check ok: every implementation's token passes every verifier; ${check.token_bytes}-byte token, ${check.token_kid_bytes}-byte foreign-header token`);
    // The (impl, op) pairs timed: verify_kid only for the verifiers that accept it.
    const refusedKid = Object.entries(check.verify_kid ?? {}).filter(([, ok]) => ok !== true);
    for (const [impl, why] of refusedKid) log(`verify_kid: ${impl} refuses the foreign-header token (${why}); not timed`);
    const opsOf = (impl) => OPS.filter((op) => op !== "verify_kid" || check.verify_kid?.[impl] === true);

    // Warm-up (JIT tiers, wasm tier-up) and calibration of N per (impl, op).
    const N = {};
    for (const impl of IMPLS) {
      for (const op of opsOf(impl)) {
        for (let i = 0; i < 3; i++) await timed(base, impl, op, 500);
        // Minimums: load from elsewhere only ever adds time.
        const probeN = 2000;
        const zero = [];
        const full = [];
        for (let i = 0; i < 4; i++) {
          zero.push(await timed(base, impl, op, 0));
          full.push(await timed(base, impl, op, probeN));
        }
        const us = Math.max(((Math.min(...full) - Math.min(...zero)) * 1000) / probeN, 1);
        N[`${impl}.${op}`] = Math.min(30_000, Math.max(1000, Math.round((targetMs * 1000) / us / 100) * 100));
      }
    }
    log(`calibrated N (≈${targetMs} ms per request): ${Object.entries(N).map(([k, v]) => `${k}=${v}`).join(" ")}`);

    // Rounds: rotate the implementation order each round and reverse it every other
    // round; alternate the op order and which of (0, N) goes first within a pair.
    const perRound = []; // [{ "impl.op": us }]
    const overheadMs = []; // n=0 request times
    for (let round = 0; round < rounds; round++) {
      if (timedOut) throw new Error("time limit reached");
      let order = IMPLS.slice(round % IMPLS.length).concat(IMPLS.slice(0, round % IMPLS.length));
      if (round % 2) order = order.reverse();
      const opOrder = round % 2 ? [...OPS].reverse() : OPS;
      // Each (impl, op)'s pairs are spread over the whole round (rep-major order), so a
      // burst of load from elsewhere hits every implementation rather than one.
      const zero = {};
      const full = {};
      for (let rep = 0; rep < reps; rep++) {
        for (const impl of order) {
          for (const op of opOrder.filter((o) => opsOf(impl).includes(o))) {
            const key = `${impl}.${op}`;
            const n = N[key];
            (zero[key] ??= []);
            (full[key] ??= []);
            if ((rep + round) % 2) {
              zero[key].push(await timed(base, impl, op, 0));
              full[key].push(await timed(base, impl, op, n));
            } else {
              full[key].push(await timed(base, impl, op, n));
              zero[key].push(await timed(base, impl, op, 0));
            }
          }
        }
      }
      const entry = {};
      for (const key of Object.keys(full)) {
        overheadMs.push(...zero[key]);
        // Per round: the fastest of the pairs' (N) and (0) requests. On a shared machine,
        // interference only adds time, so the minimum is the least disturbed sample;
        // the rounds then give the median and spread.
        entry[key] = ((Math.min(...full[key]) - Math.min(...zero[key])) * 1000) / N[key];
      }
      perRound.push(entry);
      log(`round ${round + 1}/${rounds}: verify µs/op ${IMPLS.map((i) => `${i} ${entry[`${i}.verify`].toFixed(2)}`).join(", ")}`);
    }
    await stopServer(server);
    server = null;

    const results = {};
    for (const impl of IMPLS) {
      results[impl] = { mode: MODES[impl] };
      for (const op of opsOf(impl)) {
        const us = stats(perRound.map((r) => r[`${impl}.${op}`]));
        results[impl][op] = {
          n_per_request: N[`${impl}.${op}`],
          us_per_op: us,
          ops_per_s: { median: 1e6 / us.median, min: 1e6 / us.max, max: 1e6 / us.min },
        };
      }
    }
    // Ratios per round (both sides measured in the same round), then median and spread.
    // "a over b" = b's µs/op ÷ a's µs/op = how many times faster a is than b.
    const ratio = (a, b, op) => stats(perRound.map((r) => r[`${b}.${op}`] / r[`${a}.${op}`]));
    // Every (ours, peer mode) pair per op, plus "<ours>_vs_<peer>_best": against the
    // peer's fastest mode for that op (lowest median µs/op), named in best_mode.
    const ratios = {};
    const bestMode = {};
    for (const op of OPS) {
      ratios[op] = {};
      bestMode[op] = {};
      for (const [peer, modes] of Object.entries(PEERS)) {
        const measured = modes.filter((m) => results[m]?.[op]);
        if (measured.length) bestMode[op][peer] = measured.reduce((a, b) => (results[b][op].us_per_op.median < results[a][op].us_per_op.median ? b : a));
      }
      for (const ours of OURS) {
        if (!results[ours]?.[op]) continue;
        for (const [peer, modes] of Object.entries(PEERS)) {
          for (const m of modes) if (results[m]?.[op]) ratios[op][`${ours}_vs_${m}`] = ratio(ours, m, op);
          if (bestMode[op][peer]) ratios[op][`${ours}_vs_${peer}_best`] = ratio(ours, bestMode[op][peer], op);
        }
      }
    }
    const report = {
      benchmark: "inside workerd: N operations per request in one isolate, timed from outside, n=0 request subtracted",
      date: new Date().toISOString(),
      settings: { rounds, reps_per_round: reps, target_ms_per_request: targetMs, quick },
      machine: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_start: loadStart, loadavg_end: loadavg() },
      versions: {
        wrangler: versionOf("wrangler"),
        workerd: wranglerWorkerd(),
        jose: versionOf("jose"),
        hono: versionOf("hono"),
        tsndr: versionOf("@tsndr/cloudflare-worker-jwt"),
      },
      token_bytes: check.token_bytes,
      token_kid_bytes: check.token_kid_bytes,
      foreign_header: check.foreign_header,
      verify_kid_refused: Object.fromEntries(refusedKid),
      best_mode: bestMode,
      bench_worker_bundle: snapshot.info,
      request_overhead_ms: stats(overheadMs),
      results,
      ratios,
      rounds: perRound,
      notes: [
        "verifyJWT: the package's drop-in (secret passed per call); keyring: KeyRing built once at module scope; webcrypto: hand-written verifier/signer with a CryptoKey imported once (the runtime's native limit).",
        "Peers run in each documented key mode: jose/hono/tsndr with the secret (imported into a CryptoKey on every call) and jose_key/hono_key/tsndr_key with a CryptoKey imported once. Headline ratios (<ours>_vs_<peer>_best) are against the peer's faster mode for that op (best_mode).",
        "verify_kid: the same claims under a header this project did not write; verify_kid_refused lists the verifiers that refuse it (not timed).",
        "Async implementations are awaited one by one. Signing includes a random jti (crypto.randomUUID) for every implementation.",
        "Ratios are computed per round, 'a_vs_b' = b µs/op ÷ a µs/op (> 1: a is faster).",
      ],
      elapsed_s: (Date.now() - started) / 1000,
    };
    if (opts.out !== false) {
      const out = opts.out ?? join(root, "bench", "results", "workerd.json");
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
      log(`written to ${out} (${report.elapsed_s.toFixed(0)} s)`);
    }
    return report;
  } finally {
    clearTimeout(watchdog);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await stopServer(server);
    if (snapshot) rmSync(snapshot.dir, { recursive: true, force: true });
  }
}

export function formatWorkerd(report) {
  const lines = [`inside ${report.versions.workerd.version ?? `workerd ${report.versions.workerd.package}`}, ${report.settings.rounds} rounds, median [min–max] µs/op`];
  lines.push(`  ${"impl".padEnd(10)} ${OPS.map((op) => `${op} µs`.padStart(22)).join(" ")}`);
  const f = (s) => (s ? `${s.median.toFixed(2)} [${s.min.toFixed(2)}–${s.max.toFixed(2)}]` : "—");
  for (const impl of IMPLS) {
    const r = report.results[impl];
    lines.push(`  ${impl.padEnd(10)} ${OPS.map((op) => f(r[op]?.us_per_op).padStart(22)).join(" ")}`);
  }
  const v = report.ratios.verify;
  lines.push(`  verifyJWT verify = ${v.verifyJWT_vs_jose_best.median.toFixed(2)}x jose (best mode: ${report.best_mode.verify.jose}), ${v.verifyJWT_vs_webcrypto_best.median.toFixed(2)}x cached-key WebCrypto`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const report = await runWorkerdBench({ quick: process.argv.includes("--quick") });
    console.log(formatWorkerd(report));
  } catch (err) {
    console.error(`[bench:workerd] ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
