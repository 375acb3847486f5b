#!/usr/bin/env node
// `npm run bench:http`: GET /auth/me through `wrangler dev` on loopback, with a
// JWT and with a session token, side by side in one run.
//
// Honest setup, no test-only routes: a throwaway local D1 (--persist-to a
// temp dir) gets the migrations; a first server WITHOUT JWT_SECRET registers
// a user and logs in (→ a real session row); it is stopped and a second
// server WITH a random JWT_SECRET on the same D1 logs the same user in
// (→ a JWT). Both tokens are then valid on that second server (phase 1: old
// sessions keep working), and autocannon alternates between them:
// ROUNDS × (JWT, session) × SECONDS s at CONNECTIONS connections.
// After those rounds, POST /auth/login (PBKDF2 cost) is measured on the same server
// for ROUNDS × SECONDS s. Then a third server on the same D1 and secret runs with REVOCATION=strict
// (one D1 revocation lookup per JWT request) and the same JWT is measured
// there for ROUNDS × SECONDS s: the cost of immediate revocation, beside the
// default per-isolate cache (REVOCATION=cached).
// Results: p50/p99 latency, req/s, ratios; written to js/bench/last-http.json.
//
// Environment knobs: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (10).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { migrateLocalD1, startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

const js = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(js, "..");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const HARD_LIMIT_MS = 240_000;

const persist = mkdtempSync(join(tmpdir(), "hybrid-auth-bench-"));
let server = null;

function log(message) {
  console.log(`[bench:http] ${message}`);
}

async function startServer(secret, extraVars = []) {
  // --var beats js/.dev.vars, so the developer's own secret never leaks in:
  // "" is session mode, a value is JWT mode.
  server = await startWranglerDev({
    cwd: js,
    args: ["--persist-to", persist, "--log-level", "error", "--var", `JWT_SECRET:${secret}`, ...extraVars.flatMap((v) => ["--var", v])],
  });
  return server.base;
}

async function stopServer() {
  const current = server;
  server = null;
  await current?.stop();
}

async function postJson(base, path, body) {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function expectMe(base, token, kind) {
  const response = await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (response.status !== 200 || body.token_type !== kind) throw new Error(`/auth/me with the ${kind} token: ${response.status} ${JSON.stringify(body)}`);
}

function load(base, token, seconds) {
  return autocannon({
    url: `${base}/auth/me`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** POST /auth/login with the right password: PBKDF2 (100,000 iterations) + D1 writes. */
function loadLogin(base, user, seconds) {
  return autocannon({
    url: `${base}/auth/login`,
    method: "POST",
    connections: CONNECTIONS,
    duration: seconds,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
}

// Login is rate-limited per email, per email and IP, and per IP (js/src/config.ts,
// DEFAULT_RATE_LIMITS); the benchmark logs one user in from one address thousands of
// times, so it raises all three.
const BENCH_LOGIN_LIMITS = ["RATE_LIMIT_LOGIN_EMAIL:1000000/600", "RATE_LIMIT_LOGIN_EMAIL_IP:1000000/600", "RATE_LIMIT_LOGIN_IP:1000000/600"];

function summarize(result) {
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    mean_ms: result.latency.average,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    // e.g. {"200":{"count":812}}: says which answers a failed run got (a 429 is a rate limit).
    status_codes: result.statusCodeStats ?? {},
  };
}

/**
 * One timed autocannon run of `kind` in round `round`, recorded into rounds[round - 1].
 * A run with any error or non-2xx answer aborts the benchmark: its figures would lie.
 */
async function measure(rounds, round, kind, run) {
  const result = summarize(await run(SECONDS));
  if (result.non2xx || result.errors) throw new Error(`${kind} round ${round}: ${result.non2xx} non-2xx, ${result.errors} errors; status codes ${JSON.stringify(result.status_codes)}`);
  rounds[round - 1] ??= { round };
  rounds[round - 1][kind] = result;
  log(`round ${round} ${kind.padEnd(10)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50_ms} ms  p99 ${result.p99_ms} ms`);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  const started = Date.now();
  log(`local D1 in ${persist}`);
  await migrateLocalD1({ cwd: js, persistTo: persist });

  const user = { email: `bench-${Date.now()}@example.com`, password: "benchmark-password", name: "Bench" };
  let base = await startServer("");
  log(`session-mode server on ${base}`);
  await postJson(base, "/auth/register", user);
  const session = await postJson(base, "/auth/login", { email: user.email, password: user.password });
  if (session.token_type !== "session") throw new Error("expected a session token");
  await stopServer();

  const secret = randomBytes(32).toString("base64url");
  base = await startServer(secret, BENCH_LOGIN_LIMITS);
  log(`JWT-mode server on ${base} (same D1)`);
  const jwt = await postJson(base, "/auth/login", { email: user.email, password: user.password });
  if (jwt.token_type !== "jwt") throw new Error("expected a JWT");
  await expectMe(base, jwt.token, "jwt");
  await expectMe(base, session.token, "session");

  log("warm-up");
  await load(base, jwt.token, 1);
  await load(base, session.token, 1);

  const rounds = [];
  const tokens = { jwt: jwt.token, session: session.token };
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which kind goes first so neither always gets the warmer machine.
    const order = round % 2 ? ["jwt", "session"] : ["session", "jwt"];
    for (const kind of order) await measure(rounds, round, kind, (seconds) => load(base, tokens[kind], seconds));
  }
  // The cost of a password login (PBKDF2-SHA256 at 100,000 iterations, then the token
  // and refresh-token writes), after the /auth/me rounds so it cannot disturb them.
  await loadLogin(base, user, 1);
  for (let round = 1; round <= ROUNDS; round++) await measure(rounds, round, "login", (seconds) => loadLogin(base, user, seconds));
  await stopServer();

  // The same JWT against REVOCATION=strict: a D1 lookup on every request.
  base = await startServer(secret, ["REVOCATION:strict"]);
  log(`JWT-mode server with REVOCATION=strict on ${base} (same D1, same secret)`);
  await expectMe(base, jwt.token, "jwt");
  await load(base, jwt.token, 1);
  for (let round = 1; round <= ROUNDS; round++) await measure(rounds, round, "jwt_strict", (seconds) => load(base, jwt.token, seconds));
  await stopServer();

  const med = (kind, key) => median(rounds.map((r) => r[kind][key]));
  const summary = Object.fromEntries(
    ["jwt", "session", "jwt_strict", "login"].map((kind) => [kind, { rps: med(kind, "rps"), p50_ms: med(kind, "p50_ms"), p99_ms: med(kind, "p99_ms") }]),
  );
  summary.ratio = {
    throughput_jwt_over_session: summary.jwt.rps / summary.session.rps,
    p50_session_over_jwt: summary.session.p50_ms / Math.max(summary.jwt.p50_ms, 0.001),
    p99_session_over_jwt: summary.session.p99_ms / Math.max(summary.jwt.p99_ms, 0.001),
    throughput_jwt_cached_over_strict: summary.jwt.rps / summary.jwt_strict.rps,
    throughput_jwt_strict_over_session: summary.jwt_strict.rps / summary.session.rps,
  };
  const wranglerVersion = JSON.parse(readFileSync(join(root, "node_modules", "wrangler", "package.json"), "utf8")).version;
  const report = {
    benchmark: "GET /auth/me via wrangler dev (local workerd + local D1), autocannon on loopback; JWT with REVOCATION=cached and =strict, session token; and POST /auth/login",
    date: new Date().toISOString(),
    settings: { rounds: ROUNDS, seconds_per_run: SECONDS, connections: CONNECTIONS },
    machine: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model, wrangler: wranglerVersion },
    summary,
    rounds,
    note:
      "Medians over rounds. jwt = REVOCATION=cached (default: per-isolate revocation snapshot, no D1 query while fresh); " +
      "jwt_strict = REVOCATION=strict (one indexed D1 lookup per request), measured on a third server started after the first two runs. " +
      "The session path is one local D1 (SQLite) query; remote D1 adds network round-trips, so the real gaps are larger. " +
      "login = POST /auth/login with the right password on the JWT-mode server (login rate limits raised for the benchmark): " +
      "PBKDF2-SHA256 at 100,000 iterations plus the refresh-token writes; it bounds how many logins one isolate can serve.",
    elapsed_s: (Date.now() - started) / 1000,
  };
  const out = join(js, "bench", "last-http.json");
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

  console.log(`
GET /auth/me   ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS} s each, medians
  kind       req/s      p50 ms   p99 ms
  jwt     ${summary.jwt.rps.toFixed(0).padStart(8)}   ${String(summary.jwt.p50_ms).padStart(7)}  ${String(summary.jwt.p99_ms).padStart(7)}
  session ${summary.session.rps.toFixed(0).padStart(8)}   ${String(summary.session.p50_ms).padStart(7)}  ${String(summary.session.p99_ms).padStart(7)}
  strict  ${summary.jwt_strict.rps.toFixed(0).padStart(8)}   ${String(summary.jwt_strict.p50_ms).padStart(7)}  ${String(summary.jwt_strict.p99_ms).padStart(7)}
  login   ${summary.login.rps.toFixed(0).padStart(8)}   ${String(summary.login.p50_ms).padStart(7)}  ${String(summary.login.p99_ms).padStart(7)}   (POST /auth/login)
  (strict = JWT with REVOCATION=strict) cached JWT throughput = ${summary.ratio.throughput_jwt_cached_over_strict.toFixed(2)}x strict JWT
  JWT throughput = ${summary.ratio.throughput_jwt_over_session.toFixed(2)}x session; session p50 = ${summary.ratio.p50_session_over_jwt.toFixed(2)}x JWT p50
  written to ${out} (${report.elapsed_s.toFixed(0)} s)`);
}

const watchdog = setTimeout(async () => {
  console.error(`[bench:http] exceeded ${HARD_LIMIT_MS / 1000} s, aborting`);
  await stopServer();
  process.exit(2);
}, HARD_LIMIT_MS);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await stopServer();
    process.exit(130);
  });
}

try {
  await main();
} catch (err) {
  console.error(`[bench:http] ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await stopServer();
  clearTimeout(watchdog);
  rmSync(persist, { recursive: true, force: true });
}
