#!/usr/bin/env node
// Password hashing (issue 21): what Argon2id costs against PBKDF2-100k and better-auth's
// scrypt, in one run, three ways:
//
//   1. hashes   inside workerd (bench/password-worker): ms and CPU ms per hash for Argon2id at
//               each of OWASP's five rows (argon2idOwaspCosts() of `hybrid-auth/argon2`) and
//               PBKDF2-SHA256 at 100,000 iterations (WebCrypto), timed from outside as
//               (t(N hashes) − t(0)) / N (inside a request Date.now() does not advance during
//               CPU work); CPU from the workerd process's /proc utime + stime, same subtraction
//   2. logins   over HTTP on loopback (autocannon), all servers up at once and the kinds in a
//               rotating order each round: POST /auth/login of the demo (js/) with
//               PASSWORD_HASH=pbkdf2-sha256 ("before") and with the default Argon2id
//               ("after"), right password and wrong password; better-auth's
//               POST /api/auth/sign-in/email (bench/peers/better-auth: its default scrypt)
//   3. memory   VmRSS of the Argon2id demo's workerd process before its first login and after
//               1, 10, 50 and 100 (issue 21's budget: growth within 32 MiB); the PBKDF2 demo's
//               the same way, as the control (the same logins without the wasm module)
//
// Every Worker is served from a `wrangler deploy --dry-run` bundle (`wrangler dev
// --no-bundle`), so an edit elsewhere cannot reload it mid-run.
//
//   node bench/passwords.mjs [--quick]      (writes bench/results/passwords.json)
//   import { runPasswordsBench } from "./passwords.mjs"; await runPasswordsBench({ quick })
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { dryRunBundle, migrateLocalD1, runWrangler, startWranglerDev } from "../scripts/lib/wrangler-dev.mjs";
import { jsoncParse } from "./adopters.mjs";
import { ensurePeerInstalled } from "./startup.mjs";
import { median, wranglerWorkerd } from "./workerd.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIRS = {
  hashes: join(root, "bench", "password-worker"),
  demo: join(root, "js"),
  better_auth: join(root, "bench", "peers", "better-auth"),
};
const log = (m) => console.log(`[bench:passwords] ${m}`);
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), values: xs });
const MiB = 1024; // VmRSS is in KiB
/** Issue 21: the isolate's memory after 100 logins grows by at most this much. */
export const MEMORY_BUDGET_MIB = 32;

// The login kinds over HTTP. Ours run in JWT mode (a random JWT_SECRET), as js/bench/http.mjs does.
export const LOGIN_KINDS = {
  pbkdf2_ok: { server: "pbkdf2", right: true, label: "hybrid-auth, PASSWORD_HASH=pbkdf2-sha256 (before): right password" },
  argon2id_ok: { server: "argon2id", right: true, label: "hybrid-auth, default Argon2id m=19456,t=2,p=1 (after): right password" },
  better_auth_ok: { server: "better_auth", right: true, label: "better-auth, its default scrypt: right password" },
  pbkdf2_fail: { server: "pbkdf2", right: false, label: "hybrid-auth, PBKDF2 hash: wrong password (PBKDF2 + a dummy Argon2id)" },
  argon2id_fail: { server: "argon2id", right: false, label: "hybrid-auth, Argon2id hash: wrong password (Argon2id + a dummy PBKDF2)" },
};
// js/bench/http.mjs's reason: one user, one address, thousands of logins; every login rule raised.
const PASSWORD_HASH = { pbkdf2: "pbkdf2-sha256", argon2id: "argon2id" };
const LOGIN_LIMITS = ["EMAIL", "EMAIL_IP", "IP"].map((k) => `RATE_LIMIT_LOGIN_${k}:1000000/600`);

// ---- workerd processes -----------------------------------------------------------------

/** /proc/<pid>/stat: comm, parent, and CPU ticks (user + system); null once it is gone. */
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const f = s.slice(close + 2).split(" "); // from field 3 (state) on
    return { comm: s.slice(s.indexOf("(") + 1, close), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

/**
 * The workerd that runs the Worker under `wrangler dev` (its process `rootPid`), found
 * through the process tree. wrangler 4 starts two: one listens on the dev port (its proxy
 * Worker, which forwards every request) and one runs the user's Worker; the latter is the
 * one not bound to `port`.
 */
function workerdOf(rootPid, port) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st) children.set(st.ppid, [...(children.get(st.ppid) ?? []), { pid: Number(name), comm: st.comm }]);
  }
  const found = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const c of children.get(queue.shift()) ?? []) {
      if (c.comm === "workerd") found.push(c.pid);
      queue.push(c.pid);
    }
  }
  const cmdline = (pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const runtime = found.filter((pid) => !cmdline(pid).includes(`--socket-addr=entry=127.0.0.1:${port}`));
  if (runtime.length !== 1) throw new Error(`expected one workerd below wrangler (pid ${rootPid}) not bound to port ${port}, found ${runtime.length} of ${found.length}`);
  return { pid: runtime[0], proxy: found.find((pid) => pid !== runtime[0]) ?? null };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const cpuMs = (pid) => (procStat(pid).ticks * 1000) / CLK_TCK;

function memoryKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

// ---- servers ---------------------------------------------------------------------------

/**
 * A Worker folder bundled once (`wrangler deploy --dry-run --outdir`) and a config that
 * serves that bundle with --no-bundle: its vars, flags and D1 bindings, no assets, build
 * step or cron (a login never reaches static files; the peer has none).
 */
function snapshot(name, dir, tmp) {
  const outdir = join(tmp, name);
  const b = dryRunBundle({ cwd: dir, outdir });
  if (!b.ok) throw new Error(`bundling ${relative(root, dir)} failed (exit ${b.exit}):\n${b.output.slice(-2000)}`);
  const { $schema, build, main, assets, triggers, observability, alias, ...rest } = jsoncParse(join(dir, "wrangler.jsonc"));
  const config = { ...rest, main: join(outdir, `${basename(main).replace(/\.[cm]?[jt]s$/, "")}.js`), no_bundle: true };
  if (config.d1_databases) config.d1_databases = config.d1_databases.map((d) => ({ ...d, migrations_dir: join(dir, d.migrations_dir ?? "migrations") }));
  const path = join(tmp, `${name}.wrangler.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { config: path, js_kib: b.totalUploadKiB, gzip_kib: b.gzipKiB };
}

/** The servers running now, stopped by the watchdog or a signal too. */
const live = new Set();
const stopAll = () => Promise.all([...live].map((s) => s.stop()));

/** `wrangler dev` of a snapshot, with the pid of its workerd. */
async function serve(tmp, snap, args, readyPath) {
  const server = await startWranglerDev({ cwd: tmp, args: (port) => ["--config", snap.config, "--log-level", "error", ...args(port)], readyPath });
  live.add(server);
  const stop = server.stop;
  server.stop = () => {
    live.delete(server);
    return stop();
  };
  try {
    ({ pid: server.workerd, proxy: server.proxyWorkerd } = workerdOf(server.child.pid, server.port));
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function call(base, path, body, headers = {}) {
  const res = await fetch(`${base}${path}`, body === undefined ? { headers } : { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function expect(base, path, body, status, headers) {
  const r = await call(base, path, body, headers);
  if (r.status !== status) throw new Error(`POST ${path}: ${r.status}, expected ${status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

/** The peer's packages, from its own lock (bench/startup.mjs installs them the same way). */

/** Which password module better-auth resolves in workerd, and its scrypt settings (for the report). */
function peerPasswordMode() {
  const utils = join(DIRS.better_auth, "node_modules", "@better-auth", "utils");
  const target = JSON.parse(readFileSync(join(utils, "package.json"), "utf8")).exports?.["./password"]?.workerd?.import;
  const src = target ? readFileSync(join(utils, target), "utf8") : "";
  const n = (k) => Number(src.match(new RegExp(`\\b${k}:\\s*(\\d+)`))?.[1]) || null;
  const nodeCrypto = /from "node:crypto"/.test(src);
  return {
    module: target ? `@better-auth/utils/${target.replace(/^\.\//, "")} (export condition "workerd")` : null,
    scrypt: { N: n("N"), r: n("r"), p: n("p"), dkLen: n("dkLen") },
    implementation: nodeCrypto ? "node:crypto scrypt (workerd's native one, nodejs_compat)" : "@noble/hashes scrypt (pure JS)",
  };
}

// ---- 1. hashes inside workerd ----------------------------------------------------------

async function timedHashes(base, pid, kind, n) {
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  const res = await fetch(`${base}/?kind=${kind}&n=${n}`);
  const body = await res.json();
  const ms = performance.now() - t0;
  if (!res.ok || body.error) throw new Error(`${kind} n=${n}: ${res.status} ${body.error ?? ""}`);
  return { ms, cpu: cpuMs(pid) - c0 };
}

async function hashBench(tmp, { rounds, reps, targetMs }) {
  const snap = snapshot("password-worker", DIRS.hashes, tmp);
  const server = await serve(tmp, snap, () => [], "/?kind=pbkdf2_100k&n=0");
  try {
    const check = await (await fetch(`${server.base}/check`)).json();
    if (!check.ok) throw new Error(`bench/password-worker /check failed: ${check.failures?.join("; ") ?? JSON.stringify(check)}`);
    const kinds = Object.keys(check.kinds);
    log(`hashes: workerd pid ${server.workerd}, kinds ${kinds.join(", ")} (check: each Argon2id row hashes and verifies, PBKDF2 is deterministic)`);
    // Warm-up, then N per kind so that a request does ~targetMs of hashing.
    const N = {};
    for (const kind of kinds) {
      await timedHashes(server.base, server.workerd, kind, 1);
      const zero = [];
      const two = [];
      for (let i = 0; i < 3; i++) {
        zero.push((await timedHashes(server.base, server.workerd, kind, 0)).ms);
        two.push((await timedHashes(server.base, server.workerd, kind, 2)).ms);
      }
      N[kind] = Math.min(200, Math.max(2, Math.round(targetMs / Math.max((Math.min(...two) - Math.min(...zero)) / 2, 1))));
    }
    log(`hashes: calibrated N (≈${targetMs} ms per request): ${kinds.map((k) => `${k}=${N[k]}`).join(" ")}`);
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      let order = kinds.slice(round % kinds.length).concat(kinds.slice(0, round % kinds.length));
      if (round % 2) order = order.reverse();
      const s = Object.fromEntries(kinds.map((k) => [k, { zero: [], full: [] }]));
      // Rep-major: a burst of load from elsewhere lands on every kind, not one.
      for (let rep = 0; rep < reps; rep++) {
        for (const kind of order) {
          const pair = [0, N[kind]];
          if ((rep + round) % 2) pair.reverse();
          for (const n of pair) s[kind][n ? "full" : "zero"].push(await timedHashes(server.base, server.workerd, kind, n));
        }
      }
      // Wall: the fastest of each side (interference only adds time). CPU: the sums, since
      // a tick is 1000/CLK_TCK ms and one request holds only a few of them.
      const entry = {};
      for (const kind of kinds) {
        const sum = (xs) => xs.reduce((a, x) => a + x.cpu, 0);
        entry[kind] = {
          ms: (Math.min(...s[kind].full.map((x) => x.ms)) - Math.min(...s[kind].zero.map((x) => x.ms))) / N[kind],
          cpu_ms: (sum(s[kind].full) - sum(s[kind].zero)) / (reps * N[kind]),
        };
      }
      perRound.push(entry);
      log(`hashes round ${round + 1}/${rounds}: ms/hash ${kinds.map((k) => `${k} ${entry[k].ms.toFixed(1)}`).join(", ")}`);
    }
    const results = {};
    for (const kind of kinds) {
      const ms = spread(perRound.map((r) => r[kind].ms));
      results[kind] = {
        cost: check.kinds[kind],
        n_per_request: N[kind],
        ms_per_hash: ms,
        hashes_per_s: { median: 1000 / ms.median, min: 1000 / ms.max, max: 1000 / ms.min },
        cpu_ms_per_hash: spread(perRound.map((r) => r[kind].cpu_ms)),
        // Per round, both sides from the same round: > 1 means this kind costs more than PBKDF2-100k.
        ms_over_pbkdf2: spread(perRound.map((r) => r[kind].ms / r.pbkdf2_100k.ms)),
      };
    }
    return { worker_bundle: { total_upload_kib: snap.js_kib, gzip_kib: snap.gzip_kib }, clk_tck: CLK_TCK, results, rounds: perRound };
  } finally {
    await server.stop();
  }
}

// ---- 2 and 3. logins over HTTP, memory -------------------------------------------------

function loginRun(target, seconds, connections) {
  return autocannon({ url: `${target.base}${target.path}`, method: "POST", connections, duration: seconds, headers: { "Content-Type": "application/json", ...target.headers }, body: JSON.stringify(target.body) });
}

/**
 * Waits (at most 15 s) until a workerd uses no CPU for 300 ms: when autocannon stops, the
 * server may still be hashing the requests it had queued, and that must not overlap the
 * next run (on another server, sharing the cores).
 */
async function drained(pid) {
  const deadline = Date.now() + 15_000;
  let last = cpuMs(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = cpuMs(pid);
    if (now === last) return;
    last = now;
  }
}

/** One timed run; any status other than the kind's one (200 or 401) voids the benchmark. */
async function measureLogin(kind, target, seconds, connections) {
  const c0 = cpuMs(target.workerd);
  const r = await loginRun(target, seconds, connections);
  // The CPU of the run's window, taken before the queued requests drain: their work is not
  // in r.requests (they were cut off), except the one in progress.
  const cpu = cpuMs(target.workerd) - c0;
  await drained(target.workerd);
  const want = LOGIN_KINDS[kind].right ? "200" : "401";
  const codes = r.statusCodeStats ?? {};
  const other = Object.keys(codes).filter((c) => c !== want);
  if (r.errors || r.timeouts || other.length || !r.requests.total) throw new Error(`${kind}: ${r.errors} errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(codes)} (expected only ${want})`);
  return { requests: r.requests.total, rps: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, cpu_ms_per_login: cpu / r.requests.total, status: Number(want) };
}

/** Sequential right-password logins; VmRSS before the first, and after 1, 10, 50 and 100. */
async function memoryBench(server, user) {
  const mem = [{ logins: 0, ...memoryKiB(server.workerd) }];
  for (let i = 1; i <= 100; i++) {
    await expect(server.base, "/auth/login", { email: user.email, password: user.password }, 200);
    if ([1, 10, 50, 100].includes(i)) mem.push({ logins: i, ...memoryKiB(server.workerd) });
  }
  return {
    workerd_pid: server.workerd,
    samples_kib: mem,
    growth_mib: (mem.at(-1).rss - mem[0].rss) / MiB,
    growth_after_first_mib: (mem.at(-1).rss - mem[1].rss) / MiB,
  };
}

async function loginBench(tmp, { rounds, seconds, connections }) {
  const betterAuthVersion = ensurePeerInstalled(DIRS.better_auth);
  const demo = snapshot("demo", DIRS.demo, tmp);
  const peer = snapshot("better-auth", DIRS.better_auth, tmp);
  const d1 = Object.fromEntries(["pbkdf2", "argon2id", "better_auth"].map((k) => [k, join(tmp, `d1-${k}`)]));
  await migrateLocalD1({ cwd: DIRS.demo, persistTo: d1.pbkdf2 });
  await migrateLocalD1({ cwd: DIRS.demo, persistTo: d1.argon2id });
  await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", d1.better_auth, "--file", join(DIRS.better_auth, "schema.sql")], { cwd: DIRS.better_auth });
  log("logins: local D1s migrated (the demo's migrations; bench/peers/better-auth/schema.sql for the peer)");

  const secret = randomBytes(32).toString("base64url");
  const ours = (key) => () => ["--persist-to", d1[key], ...[`JWT_SECRET:${secret}`, `PASSWORD_HASH:${PASSWORD_HASH[key]}`, ...LOGIN_LIMITS].flatMap((v) => ["--var", v])];
  const user = { email: `bench-${Date.now()}@example.com`, password: "benchmark-password-21", name: "Bench" };
  const servers = {};
  // Each of ours is registered by a server that is then stopped, so that the one measured
  // starts with no password work done: its first login is its first hash. 100 logins then
  // sample its memory (PBKDF2's is the control: the same logins without the wasm module).
  const memory = { budget_mib: MEMORY_BUDGET_MIB };
  const fresh = async (key) => {
    const registrar = await serve(tmp, demo, ours(key), "/health");
    try {
      await expect(registrar.base, "/auth/register", user, 201);
    } finally {
      await registrar.stop();
    }
    servers[key] = await serve(tmp, demo, ours(key), "/health");
    memory[key] = await memoryBench(servers[key], user);
    const mib = (kib) => (kib / MiB).toFixed(1);
    log(`memory, ${key}: workerd VmRSS ${memory[key].samples_kib.map((x) => `${mib(x.rss)} MiB after ${x.logins}`).join(", ")}: +${memory[key].growth_mib.toFixed(1)} MiB`);
  };
  try {
    await fresh("argon2id");
    await fresh("pbkdf2");
    memory.within_budget = memory.argon2id.growth_mib <= MEMORY_BUDGET_MIB;
    memory.argon2id_minus_pbkdf2_mib = memory.argon2id.growth_mib - memory.pbkdf2.growth_mib;
    const peerArgs = (port) => ["--persist-to", d1.better_auth, "--var", `BETTER_AUTH_SECRET:${randomBytes(32).toString("base64url")}`, "--var", `BETTER_AUTH_URL:http://127.0.0.1:${port}`];
    servers.better_auth = await serve(tmp, peer, peerArgs, "/health");
    // Its documented flow: sign up, then sign in; a browser's Origin, as its CSRF check expects.
    const origin = { Origin: servers.better_auth.base };
    await expect(servers.better_auth.base, "/api/auth/sign-up/email", user, 200, origin);

    const right = { email: user.email, password: user.password };
    const wrong = { email: user.email, password: `${user.password}-wrong` };
    const targets = {};
    for (const [kind, k] of Object.entries(LOGIN_KINDS)) {
      const s = servers[k.server];
      const path = k.server === "better_auth" ? "/api/auth/sign-in/email" : "/auth/login";
      targets[kind] = { base: s.base, workerd: s.workerd, path, body: k.right ? right : wrong, headers: k.server === "better_auth" ? origin : {} };
      const first = await expect(s.base, path, targets[kind].body, k.right ? 200 : 401, targets[kind].headers);
      if (kind !== "better_auth_ok" && k.right && first.token_type !== "jwt") throw new Error(`${kind}: expected a JWT login, got ${JSON.stringify(first).slice(0, 200)}`);
      if (kind === "better_auth_ok" && !first.token) throw new Error(`better-auth sign-in answered no session token: ${JSON.stringify(first).slice(0, 200)}`);
    }
    const kinds = Object.keys(LOGIN_KINDS);
    // Warm-up (JIT tiers): its figures are not kept.
    for (const kind of kinds) {
      const r = await loginRun(targets[kind], 2, connections);
      await drained(targets[kind].workerd);
      log(`logins: warm-up ${kind}: ${r.requests.total} answers ${JSON.stringify(r.statusCodeStats ?? {})}`);
    }
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      let order = kinds.slice(round % kinds.length).concat(kinds.slice(0, round % kinds.length));
      if (round % 2) order = order.reverse();
      const entry = {};
      for (const kind of order) entry[kind] = await measureLogin(kind, targets[kind], seconds, connections);
      perRound.push(entry);
      log(`logins round ${round + 1}/${rounds}: ${order.map((k) => `${k} ${entry[k].rps.toFixed(1)}/s`).join(", ")}`);
    }
    const results = {};
    for (const kind of kinds) {
      const pick = (f) => spread(perRound.map((r) => r[kind][f]));
      results[kind] = { label: LOGIN_KINDS[kind].label, status: perRound[0][kind].status, rps: pick("rps"), p50_ms: pick("p50_ms"), p99_ms: pick("p99_ms"), cpu_ms_per_login: pick("cpu_ms_per_login"), requests: perRound.reduce((a, r) => a + r[kind].requests, 0) };
    }
    // Per round, "a_over_b" = a's logins/s ÷ b's.
    const ratio = (a, b) => spread(perRound.map((r) => r[a].rps / r[b].rps));
    const ratios = {
      argon2id_ok_over_pbkdf2_ok: ratio("argon2id_ok", "pbkdf2_ok"),
      argon2id_ok_over_better_auth_ok: ratio("argon2id_ok", "better_auth_ok"),
      pbkdf2_ok_over_better_auth_ok: ratio("pbkdf2_ok", "better_auth_ok"),
      argon2id_fail_over_argon2id_ok: ratio("argon2id_fail", "argon2id_ok"),
      argon2id_fail_over_pbkdf2_fail: ratio("argon2id_fail", "pbkdf2_fail"),
    };
    return {
      logins: { demo_bundle: { total_upload_kib: demo.js_kib, gzip_kib: demo.gzip_kib }, peer_bundle: { total_upload_kib: peer.js_kib, gzip_kib: peer.gzip_kib }, results, ratios, rounds: perRound },
      memory,
      better_auth: { version: betterAuthVersion, mode: "its default email + password (emailAndPassword: { enabled: true }), D1 through its Kysely D1 dialect, Hono; no rate-limit or hashing option set", password: peerPasswordMode() },
    };
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }
}

// ---- all of it -------------------------------------------------------------------------

/**
 * @param {{quick?: boolean, rounds?: number, out?: string|false}} opts
 * @returns {Promise<object>} the result (also written to bench/results/passwords.json unless out === false)
 */
export async function runPasswordsBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const settings = {
    quick,
    hash_rounds: opts.rounds ?? (quick ? 3 : 7),
    hash_reps_per_round: quick ? 2 : 3,
    hash_target_ms_per_request: quick ? 200 : 400,
    login_rounds: opts.rounds ?? (quick ? 2 : 5),
    login_seconds_per_run: quick ? 4 : 8,
    login_connections: 10,
  };
  const started = Date.now();
  const loadStart = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), "hybrid-auth-passwords-"));
  const hardLimitMs = 900_000;
  const watchdog = setTimeout(async () => {
    console.error(`[bench:passwords] exceeded ${hardLimitMs / 1000} s, aborting`);
    await stopAll();
    process.exit(2);
  }, hardLimitMs);
  const onSignal = async () => {
    await stopAll();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`1/2 inside workerd: ${settings.hash_rounds} rounds × ${settings.hash_reps_per_round} pairs per kind`);
    const hashes = await hashBench(tmp, { rounds: settings.hash_rounds, reps: settings.hash_reps_per_round, targetMs: settings.hash_target_ms_per_request });
    log(`2/2 memory (100 logins per demo), then over HTTP: ${settings.login_rounds} rounds × ${settings.login_seconds_per_run} s per kind, ${settings.login_connections} connections`);
    const { logins, memory, better_auth } = await loginBench(tmp, { rounds: settings.login_rounds, seconds: settings.login_seconds_per_run, connections: settings.login_connections });
    const report = {
      benchmark: "password hashing: Argon2id (OWASP rows) vs PBKDF2-SHA256-100k inside workerd; POST login over HTTP before/after and better-auth's scrypt sign-in; workerd RSS over 100 Argon2id logins",
      date: new Date().toISOString(),
      short_run: quick,
      settings,
      machine: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_start: loadStart, loadavg_end: loadavg() },
      versions: {
        wrangler: JSON.parse(readFileSync(join(root, "node_modules", "wrangler", "package.json"), "utf8")).version,
        workerd: wranglerWorkerd(),
        better_auth: better_auth.version,
        argon2_wasm_bytes: readFileSync(join(root, "pkg", "argon2", "hybrid_auth_argon2_bg.wasm")).length,
      },
      modes: {
        ours_before: "js/ demo, PASSWORD_HASH=pbkdf2-sha256: PBKDF2-HMAC-SHA256, 100,000 iterations (WebCrypto; workerd's maximum), JWT mode",
        ours_after: "js/ demo, PASSWORD_HASH=argon2id, no ARGON2ID_COST: Argon2id m=19456 KiB, t=2, p=1 (OWASP's first row; hybrid-auth/argon2 wasm), JWT mode",
        ours_fail: "wrong password for an existing user, on either server: one Argon2id at the configured cost and one PBKDF2-100k, the stored hash's algorithm plus a dummy of the other (js/src/passwords/hashing.ts: every failure costs the same). So the PBKDF2 server's failures are not the old release's (PBKDF2 only)",
        better_auth: `${better_auth.mode}; password hashing: ${better_auth.password.implementation}, scrypt N=${better_auth.password.scrypt.N}, r=${better_auth.password.scrypt.r}, p=${better_auth.password.scrypt.p}`,
      },
      better_auth_password: better_auth.password,
      hashes,
      logins,
      memory,
      notes: [
        "hashes: bench/password-worker, one isolate; ms_per_hash = (fastest t(N) − fastest t(0)) / N per round, timed from outside; cpu_ms_per_hash = (Σ CPU of the N requests − Σ CPU of the 0 requests) / (pairs × N), the workerd process's utime + stime from /proc (every thread: the runtime's own work shows up too, and is mostly subtracted).",
        "logins: autocannon on loopback against `wrangler dev --no-bundle` of dry-run bundles, all three servers running, kinds in a rotating order each round; cpu_ms_per_login = the CPU of the workerd that runs the Worker over the run ÷ requests (wrangler dev's second workerd, its proxy on the dev port, is not counted): it includes the local D1 (SQLite in the same process) and the runtime's own work, so it is above the Worker's own billed CPU time.",
        "memory: VmRSS of the workerd that runs the demo (below wrangler dev in the process tree; not the proxy workerd bound to the dev port) — the whole process, not just the isolate: the runtime, the local D1 and the proxy Workers are in it too; a fresh server whose user was registered by another server, so the first login is its first hash (the wasm memory grows then). 100 sequential right-password logins each write a refresh-token row; the PBKDF2 demo, measured the same way, is the control for everything but the wasm module.",
        "Login rate limits are raised for our servers (RATE_LIMIT_LOGIN_*), as js/bench/http.mjs does. better-auth's limiter is off unless NODE_ENV=production (not set in workerd, as on Cloudflare by default); every run is checked to get only 200s (or 401s for the wrong-password kinds).",
      ],
      elapsed_s: (Date.now() - started) / 1000,
    };
    if (opts.out !== false) {
      const out = opts.out ?? join(root, "bench", "results", "passwords.json");
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
      log(`written to ${relative(root, out)} (${report.elapsed_s.toFixed(0)} s)`);
    }
    return report;
  } finally {
    clearTimeout(watchdog);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatPasswords(r) {
  const f = (s, d = 1) => `${s.median.toFixed(d)} [${s.min.toFixed(d)}–${s.max.toFixed(d)}]`;
  const lines = [`inside workerd, ${r.settings.hash_rounds} rounds: ms/hash, CPU ms/hash, hashes/s (median [min–max])`];
  for (const [kind, x] of Object.entries(r.hashes.results)) lines.push(`  ${kind.padEnd(12)} ${f(x.ms_per_hash).padStart(20)} ${f(x.cpu_ms_per_hash).padStart(20)} ${x.hashes_per_s.median.toFixed(1).padStart(7)}/s  ${x.ms_over_pbkdf2.median.toFixed(2)}x PBKDF2`);
  lines.push(`over HTTP, ${r.settings.login_rounds} rounds × ${r.settings.login_seconds_per_run} s: logins/s, p50 ms, CPU ms/login`);
  for (const [kind, x] of Object.entries(r.logins.results)) lines.push(`  ${kind.padEnd(15)} ${f(x.rps).padStart(22)} ${String(x.p50_ms.median).padStart(7)} ${x.cpu_ms_per_login.median.toFixed(1).padStart(7)}`);
  lines.push(`  Argon2id login = ${r.logins.ratios.argon2id_ok_over_pbkdf2_ok.median.toFixed(2)}x PBKDF2's logins/s, ${r.logins.ratios.argon2id_ok_over_better_auth_ok.median.toFixed(2)}x better-auth's`);
  for (const key of ["argon2id", "pbkdf2"]) {
    const m = r.memory[key];
    lines.push(`memory, ${key}: workerd VmRSS ${(m.samples_kib[0].rss / MiB).toFixed(1)} → ${(m.samples_kib.at(-1).rss / MiB).toFixed(1)} MiB after 100 logins: +${m.growth_mib.toFixed(1)} MiB`);
  }
  lines.push(`  Argon2id growth ${r.memory.within_budget ? "within" : "OVER"} the ${r.memory.budget_mib} MiB budget; ${r.memory.argon2id_minus_pbkdf2_mib.toFixed(1)} MiB more than PBKDF2's`);
  if (r.short_run) lines.push("(short run: fewer samples than the default; not for publication)");
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const report = await runPasswordsBench({ quick: process.argv.includes("--quick") });
    console.log(formatPasswords(report));
  } catch (err) {
    console.error(`[bench:passwords] ${err instanceof Error ? err.stack : err}`);
    process.exitCode = 1;
  }
}
