#!/usr/bin/env node
// `npm run test:load`: mixed traffic at concurrency 50 against `wrangler dev`
// (local workerd + local D1, loopback only), then a consistency check.
//
// 1. A throwaway D1 (--persist-to a temp dir) gets the migrations.
// 2. A session-mode server (JWT_SECRET "") registers LOAD_USERS users and logs
//    them in to get session tokens (rate limits off for this setup only).
// 3. A JWT-mode server on the same D1 (random JWT_SECRET, --test-scheduled)
//    takes LOAD_SECONDS (60) of traffic from LOAD_CONCURRENCY (50) workers:
//    password logins (→ JWT + refresh token), GET /auth/me with JWTs, with
//    session tokens and with invalid tokens, refreshes, logouts of JWTs and of
//    sessions, brute-force logins against one victim (which the per-email rate
//    limit must stop with 429), and the cleanup cron every LOAD_CRON_SECONDS.
//    Before the load, expired rows are planted in every table the cleanup owns,
//    so the cron has work to do; each cron run is judged by the report the
//    scheduled handler logs (wrangler answers /__scheduled with 200 even when
//    the cleanup failed), and a last run after the load by the rows it left.
//    Per-IP limits are raised, because every request comes from 127.0.0.1
//    (in production these would be many addresses); per-email limits keep
//    their defaults, so 429s on logins are expected and counted.
// 4. Afterwards: every issued and not revoked token still authenticates,
//    every logged-out JWT (and every other JWT of its login, issue 11) and
//    session gets 401 invalid_token, every live refresh family still
//    refreshes and every revoked one gets 401 invalid_refresh_token; then,
//    with the server stopped, direct queries find no orphaned rows and no
//    row the last cron run should have deleted.
// Every category of check must have been exercised at least LOAD_MIN_EACH
// times (revoked JWTs, sessions, families, cron runs, ...): a run in which
// nothing was revoked proves nothing and fails.
// Prints throughput, a status histogram and the 5xx count (target: zero);
// writes js/bench/last-load.json. Exits non-zero on any 5xx, any unexpected
// status or any failed check.
//
// LOAD_REVOCATION=filter (issue 23; `npm run test:load` runs it second): the JWT-mode server
// is js/bench/loadFilter (the demo plus `revocationFilter()`, local KV), so JWT revocation is
// answered by the filter, its delta and D1 confirmations while the cron publishes the filter;
// the same checks apply, plus: the published envelope is in KV after the load, and no cron
// run logged a failed publish. Its report defaults to js/bench/last-load-filter.json.
//
// Knobs: LOAD_SECONDS (60), LOAD_CONCURRENCY (50), LOAD_USERS (40),
// LOAD_SESSIONS_PER_USER (6), LOAD_CRON_SECONDS (15, or a third of a shorter
// run), LOAD_MIN_EACH (5), LOAD_REPORT (the JSON report's path). A quick check
// that does not replace the recorded run:
//   LOAD_SECONDS=15 LOAD_REPORT=/tmp/load.json npm run test:load
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrateLocalD1, runWrangler, startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

const js = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(js, "..");
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 50);
const USERS = Number(process.env.LOAD_USERS ?? 40);
const SESSIONS_PER_USER = Number(process.env.LOAD_SESSIONS_PER_USER ?? 6);
const CRON_SECONDS = Number(process.env.LOAD_CRON_SECONDS ?? Math.min(15, SECONDS / 3));
const MIN_EACH = Number(process.env.LOAD_MIN_EACH ?? 5);
const REVOCATION = process.env.LOAD_REVOCATION ?? "cached";
if (REVOCATION !== "cached" && REVOCATION !== "filter") throw new Error(`LOAD_REVOCATION must be "cached" or "filter", not ${REVOCATION}`);
const FILTER_CONFIG = join("bench", "loadFilter", "wrangler.jsonc");
const REPORT_PATH = process.env.LOAD_REPORT ?? join(js, "bench", REVOCATION === "filter" ? "last-load-filter.json" : "last-load.json");
/** Expired rows planted per cleanup table before the load. */
const PLANTED = 50;
const REQUEST_TIMEOUT_MS = 30_000;
const HARD_LIMIT_MS = (SECONDS + 300) * 1000;
const PASSWORD = "load-test-password";

const persist = mkdtempSync(join(tmpdir(), "hybrid-auth-load-"));
let server = null;
const log = (message) => console.log(`[test:load] ${message}`);

/** Direct queries against the local D1 (server stopped). */
async function query(sql) {
  const out = await runWrangler(["d1", "execute", "GENERAL_DB", "--local", "--persist-to", persist, "--json", "--command", sql], { cwd: js });
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return parsed[0].results;
}

async function startServer(vars, config = null) {
  // --var beats js/.dev.vars, so a developer's own secret never leaks in.
  server = await startWranglerDev({
    cwd: js,
    args: [...(config ? ["--config", config] : []), "--persist-to", persist, "--log-level", "error", "--test-scheduled", ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])],
  });
  return server.base;
}

async function stopServer() {
  const current = server;
  server = null;
  await current?.stop();
}

// --- HTTP with accounting ------------------------------------------------------------
const stats = {
  requests: 0,
  statuses: {}, // status → count
  byOp: {}, // op → { n, statuses, ms }
  unexpected: [], // first few surprises
  unexpectedCount: 0,
  networkErrors: 0,
};

function note(op, status, ms) {
  stats.requests++;
  stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
  const entry = (stats.byOp[op] ??= { n: 0, statuses: {}, total_ms: 0, max_ms: 0 });
  entry.n++;
  entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  entry.total_ms += ms;
  entry.max_ms = Math.max(entry.max_ms, ms);
}

function surprise(op, detail) {
  stats.unexpectedCount++;
  if (stats.unexpected.length < 20) stats.unexpected.push({ op, ...detail });
}

/** One request; returns { status, body, headers } (body parsed when JSON). */
async function http(base, op, method, path, { token, json, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.Authorization = `Bearer ${token}`;
  if (json !== undefined) h["Content-Type"] = "application/json";
  const started = performance.now();
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: h,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    stats.networkErrors++;
    note(op, "network_error", performance.now() - started);
    surprise(op, { error: String(err?.cause?.code ?? err?.name ?? err) });
    return { status: 0, body: null, headers: new Headers() };
  }
  const text = await response.text();
  note(op, response.status, performance.now() - started);
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    surprise(op, { status: response.status, error: "not JSON", text: text.slice(0, 120) });
  }
  if (response.status >= 500) surprise(op, { status: response.status, body });
  return { status: response.status, body, headers: response.headers };
}

function expectStatus(op, result, allowed) {
  if (!allowed.includes(result.status)) surprise(op, { status: result.status, body: result.body, allowed });
  if (result.status === 429 && !/^[0-9]+$/.test(result.headers.get("Retry-After") ?? "")) surprise(op, { status: 429, error: "no Retry-After" });
  return allowed.includes(result.status);
}

/** The documented refusal exactly: this status and this `error.code`, nothing else. */
function isError(result, status, code) {
  return result.status === status && result.body?.error?.code === code;
}

function expectError(op, result, status, code) {
  const ok = isError(result, status, code);
  if (!ok) surprise(op, { status: result.status, body: result.body, expected: `${status} ${code}` });
  return ok;
}

// --- token state ---------------------------------------------------------------------
const users = []; // { email, id }
const jwts = []; // { token, jti, family, state: live|closing|revoked, inflight, loggedOut }
// A family is one login: its refresh token and every JWT minted for it.
// Logging out any of its JWTs ends all of them (issue 11: "logout ends the whole login").
const families = []; // { refresh, busy, revoked, inflight, jwts }
const sessions = []; // { token, state, inflight }
const pick = (array, ok) => {
  for (let tries = 0; tries < 8; tries++) {
    const item = array[Math.floor(Math.random() * array.length)];
    if (item && ok(item)) return item;
  }
  return array.find(ok) ?? null;
};
const jtiOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).jti;

function addLogin(body, family = null) {
  let fam = family;
  if (!fam) {
    fam = { refresh: body.refresh_token, busy: false, revoked: false, inflight: 0, jwts: [] };
    families.push(fam);
  }
  const jwt = { token: body.token, jti: jtiOf(body.token), family: fam, state: "live", inflight: 0, loggedOut: false };
  jwts.push(jwt);
  fam.jwts.push(jwt);
}

const victim = { email: `victim-${randomUUID()}@example.com` };

// --- the operations ------------------------------------------------------------------
const ops = {
  async login(base) {
    const user = users[Math.floor(Math.random() * users.length)];
    const r = await http(base, "login", "POST", "/auth/login", { json: { email: user.email, password: PASSWORD } });
    if (expectStatus("login", r, [200, 429]) && r.status === 200) {
      if (r.body?.token_type !== "jwt" || typeof r.body.refresh_token !== "string") surprise("login", { error: "not a JWT login", body: r.body });
      else addLogin(r.body);
    }
  },
  async bruteForce(base) {
    const r = await http(base, "brute_force", "POST", "/auth/login", { json: { email: victim.email, password: `guess-${randomUUID()}` } });
    expectStatus("brute_force", r, [401, 429]);
  },
  async meJwt(base) {
    const t = pick(jwts, (j) => j.state === "live");
    if (!t) return ops.meInvalid(base);
    t.inflight++;
    t.family.inflight++;
    const r = await http(base, "me_jwt", "GET", "/auth/me", { token: t.token });
    t.inflight--;
    t.family.inflight--;
    expectStatus("me_jwt", r, [200]);
  },
  async meSession(base) {
    const s = pick(sessions, (x) => x.state === "live");
    if (!s) return ops.meInvalid(base);
    s.inflight++;
    const r = await http(base, "me_session", "GET", "/auth/me", { token: s.token });
    s.inflight--;
    if (expectStatus("me_session", r, [200]) && r.body?.token_type !== "session") surprise("me_session", { body: r.body });
  },
  async meInvalid(base) {
    const kinds = [randomUUID(), randomBytes(24).toString("base64url"), `${randomBytes(20).toString("base64url")}.${randomBytes(40).toString("base64url")}.${randomBytes(32).toString("base64url")}`];
    const live = pick(jwts, () => true);
    if (live) kinds.push(`${live.token.slice(0, -4)}AAAA`);
    const r = await http(base, "me_invalid", "GET", "/auth/me", { token: kinds[Math.floor(Math.random() * kinds.length)] });
    expectError("me_invalid", r, 401, "invalid_token");
  },
  async refresh(base) {
    const fam = pick(families, (f) => !f.busy && !f.revoked);
    if (!fam) return ops.login(base);
    fam.busy = true;
    const r = await http(base, "refresh", "POST", "/auth/refresh", { json: { refresh_token: fam.refresh } });
    if (expectStatus("refresh", r, [200]) && r.status === 200) {
      fam.refresh = r.body.refresh_token;
      addLogin(r.body, fam);
    }
    fam.busy = false;
  },
  async logoutJwt(base) {
    // Only a login with nothing in flight (no request on any of its JWTs, no refresh).
    const t = pick(jwts, (j) => j.state === "live" && j.family.inflight === 0 && !j.family.busy);
    if (!t) return ops.meJwt(base);
    const fam = t.family;
    fam.busy = true;
    for (const j of fam.jwts) if (j.state === "live") j.state = "closing";
    const r = await http(base, "logout_jwt", "POST", "/auth/logout", { token: t.token });
    const ended = expectStatus("logout_jwt", r, [200]) && r.body?.revoked === true;
    if (r.status === 200 && !ended) surprise("logout_jwt", { error: "200 without revoked: true", body: r.body });
    for (const j of fam.jwts) if (j.state === "closing") j.state = ended ? "revoked" : "live";
    if (ended) {
      t.loggedOut = true;
      fam.revoked = true;
    }
    fam.busy = false;
  },
  async logoutSession(base) {
    const s = pick(sessions, (x) => x.state === "live" && x.inflight === 0);
    if (!s) return ops.meSession(base);
    s.state = "closing";
    const r = await http(base, "logout_session", "POST", "/auth/logout", { token: s.token });
    s.state = expectStatus("logout_session", r, [200]) ? "revoked" : "live";
  },
};

// Weights (percent): the hot path dominates, as in production.
const MIX = [
  ["meJwt", 42],
  ["meSession", 15],
  ["meInvalid", 10],
  ["login", 9],
  ["refresh", 12],
  ["logoutJwt", 5],
  ["logoutSession", 2],
  ["bruteForce", 5],
];
const TOTAL_WEIGHT = MIX.reduce((s, [, w]) => s + w, 0);
function chooseOp() {
  let x = Math.random() * TOTAL_WEIGHT;
  for (const [name, w] of MIX) if ((x -= w) < 0) return name;
  return MIX[0][0];
}

async function pool(n, worker) {
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
}

/** Runs `items` through `fn` with `n` in flight. */
async function each(items, n, fn) {
  let next = 0;
  await pool(Math.min(n, items.length), async () => {
    while (next < items.length) await fn(items[next++]);
  });
}

// --- probes over real HTTP: what the runtime does with oversized requests --------------
async function probes(base, token) {
  const out = {};
  const send = async (name, init, path = "/auth/me") => {
    try {
      const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await response.text();
      out[name] = { status: response.status, body: text.slice(0, 160) };
    } catch (err) {
      out[name] = { error: String(err?.cause?.code ?? err?.cause ?? err) };
    }
  };
  await send("header_32KiB_unrelated", { headers: { Authorization: `Bearer ${token}`, "X-Junk": "j".repeat(32 * 1024) } });
  await send("authorization_32KiB", { headers: { Authorization: `Bearer ${"A".repeat(32 * 1024)}` } });
  await send("headers_128KiB_total", { headers: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`X-Junk-${i}`, "j".repeat(32 * 1024)])) });
  await send("body_1MiB", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "a@b.co", password: "p".repeat(1024 * 1024) }) }, "/auth/login");
  for (const [name, result] of Object.entries(out)) {
    if (result.status >= 500) surprise(`probe_${name}`, result);
  }
  return out;
}

// --- the cleanup cron: planted work, and what each run left behind ----------------------
/** The tables the cleanup owns, with the condition that makes a row due at `t` (unix s). */
const DUE = {
  sessions: (t) => `expires_at <= ${t}`,
  refresh_tokens: (t) => `expires_at <= ${t}`,
  refresh_families: (t) => `expires_at <= ${t} AND access_expires_at <= ${t} AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = refresh_families.id)`,
  revocations: (t) => `expires_at <= ${t}`,
  rate_limits: (t) => `expires_at <= ${t}`,
  webauthn_challenges: (t) => `expires_at <= ${t}`,
  // Older than the default USAGE_RETENTION_DAYS (90), with a day of slack.
  auth_usage: (t) => `day < '${new Date((t - 91 * 86_400) * 1000).toISOString().slice(0, 10)}'`,
};

/** Long-expired rows in every cleanup table (server stopped), so each cron run has real work. */
async function plantExpired(userId) {
  const past = 1000;
  const values = (f) => Array.from({ length: PLANTED }, (_, i) => f(i)).join(", ");
  await query(
    [
      `INSERT INTO sessions (token_hash, user_id, expires_at, created_at) VALUES ${values((i) => `('load-expired-${i}', '${userId}', ${past}, ${past})`)}`,
      `INSERT INTO refresh_families (id, user_id, created_at, expires_at) VALUES ${values((i) => `('load-expired-${i}', '${userId}', ${past}, ${past})`)}`,
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES ${values((i) => `('load-expired-${i}', 'load-expired-${i}', '${userId}', ${past}, ${past})`)}`,
      `INSERT INTO revocations (kind, subject, expires_at, created_at) VALUES ${values((i) => `('jti', 'load-expired-${i}', ${past}, ${past})`)}`,
      `INSERT INTO rate_limits (bucket, window_start, count, expires_at) VALUES ${values((i) => `('load-expired-${i}', ${past}, 1, ${past})`)}`,
      `INSERT INTO webauthn_challenges (challenge, purpose, user_id, expires_at, created_at) VALUES ${values((i) => `('load-expired-${i}', 'authentication', NULL, ${past}, ${past})`)}`,
      `INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES ${values((i) => `('2000-01-01', 'failed', 'load', 'load-expired-${i}', 1, ${past})`)}`,
    ].join("; "),
  );
}

/** Rows per cleanup table that were due when the last cron run started (must be zero), and planted rows left. */
async function dueAfterCleanup(lastCronAt) {
  const tables = Object.keys(DUE);
  const [due] = await query(`SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM ${t} WHERE ${DUE[t](lastCronAt)}) AS ${t}`).join(", ")}`);
  const key = { sessions: "token_hash", refresh_tokens: "token_hash", refresh_families: "id", revocations: "subject", rate_limits: "bucket", webauthn_challenges: "challenge", auth_usage: "client" };
  const [planted] = await query(`SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM ${t} WHERE ${key[t]} LIKE 'load-expired-%') AS ${t}`).join(", ")}`);
  return { due, planted };
}

/** The scheduled handler's error lines in the server's output (it logs them and still answers 200). */
function cronErrorLines(output) {
  return output.split("\n").filter((line) => /\[hybrid-auth\] (cleanup (errors|skipped)|revocation filter not published)/.test(line)).map((line) => line.replace(/\x1b\[[0-9;]*m/g, "").trim());
}

/** The filter's KV value after the load (LOAD_REVOCATION=filter): its size and whether it starts with the envelope's magic. */
async function publishedEnvelope() {
  try {
    const out = await runWrangler(["kv", "key", "get", "hybrid-auth/revocation-filter", "--binding", "REVOCATION_KV", "--local", "--persist-to", persist, "--config", FILTER_CONFIG], { cwd: js });
    const at = out.indexOf("HARV");
    return { found: at >= 0, bytes: at >= 0 ? Buffer.byteLength(out.slice(at)) : 0 };
  } catch (err) {
    return { found: false, error: String(err).slice(0, 300) };
  }
}

async function triggerCron(base) {
  try {
    const response = await fetch(`${base}/__scheduled?cron=17+*+*+*+*`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, body: (await response.text()).slice(0, 80) };
  } catch (err) {
    return { error: String(err) };
  }
}

async function main() {
  const started = Date.now();
  const load1 = loadavg()[0];
  log(`local D1 in ${persist}`);
  await migrateLocalD1({ cwd: js, persistTo: persist });

  // --- setup: users and session tokens, from a session-mode server -------------------
  const off = { RATE_LIMIT_LOGIN_EMAIL: "off", RATE_LIMIT_LOGIN_IP: "off", RATE_LIMIT_REGISTER_EMAIL: "off", RATE_LIMIT_REGISTER_IP: "off", RATE_LIMIT_REFRESH_IP: "off" };
  let base = await startServer({ JWT_SECRET: "", ...off });
  log(`session-mode server on ${base}: ${USERS} users, ${USERS * SESSIONS_PER_USER} sessions`);
  const accounts = [...Array.from({ length: USERS }, (_, i) => ({ email: `load-${i}-${randomUUID()}@example.com` })), victim];
  await each(accounts, 4, async (account) => {
    const r = await http(base, "setup_register", "POST", "/auth/register", { json: { email: account.email, password: PASSWORD, name: "Load" } });
    if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
    account.id = r.body.user.id;
  });
  users.push(...accounts.slice(0, USERS));
  const logins = users.flatMap((u) => Array.from({ length: SESSIONS_PER_USER }, () => u));
  await each(logins, 4, async (user) => {
    const r = await http(base, "setup_login", "POST", "/auth/login", { json: { email: user.email, password: PASSWORD } });
    if (r.status !== 200 || r.body.token_type !== "session") throw new Error(`session login: ${r.status} ${JSON.stringify(r.body)}`);
    sessions.push({ token: r.body.token, state: "live", inflight: 0 });
  });
  await stopServer();
  await plantExpired(victim.id);
  log(`planted ${PLANTED} expired rows in each of ${Object.keys(DUE).join(", ")}`);

  // --- the load ---------------------------------------------------------------------
  const secret = randomBytes(32).toString("base64url");
  const raised = { RATE_LIMIT_LOGIN_IP: "1000000/600", RATE_LIMIT_REFRESH_IP: "1000000/60", RATE_LIMIT_REGISTER_IP: "1000000/3600" };
  base = await startServer({ JWT_SECRET: secret, ...raised }, REVOCATION === "filter" ? FILTER_CONFIG : null);
  log(`JWT-mode server on ${base} (same D1); ${CONCURRENCY} workers for ${SECONDS} s`);
  // Seed a few JWTs so the JWT paths have tokens from the first second.
  await each(users.slice(0, Math.min(10, users.length)), 4, (u) =>
    http(base, "setup_login", "POST", "/auth/login", { json: { email: u.email, password: PASSWORD } }).then((r) => r.status === 200 && addLogin(r.body)),
  );
  const setupStats = { requests: stats.requests, statuses: { ...stats.statuses } };
  for (const key of Object.keys(stats.statuses)) delete stats.statuses[key];
  stats.requests = 0;
  const setupOps = { ...stats.byOp };
  for (const key of Object.keys(stats.byOp)) delete stats.byOp[key];

  const probeResults = await probes(base, jwts[0].token);
  log(`probes: ${JSON.stringify(Object.fromEntries(Object.entries(probeResults).map(([k, v]) => [k, v.status ?? v.error])))}`);

  const loadStarted = performance.now();
  const deadline = loadStarted + SECONDS * 1000;
  const crons = [];
  const cronTimer = setInterval(() => crons.push(triggerCron(base)), CRON_SECONDS * 1000);
  let lastReport = performance.now();
  await pool(CONCURRENCY, async () => {
    while (performance.now() < deadline) {
      await ops[chooseOp()](base);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        log(`${((lastReport - loadStarted) / 1000).toFixed(0)} s: ${stats.requests} requests, ${JSON.stringify(stats.statuses)}`);
      }
    }
  });
  clearInterval(cronTimer);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const cronResults = await Promise.all(crons);
  const loadStats = JSON.parse(JSON.stringify({ requests: stats.requests, statuses: stats.statuses, byOp: stats.byOp }));
  log(`load done: ${loadStats.requests} requests in ${loadSeconds.toFixed(1)} s = ${(loadStats.requests / loadSeconds).toFixed(0)} req/s; ${JSON.stringify(loadStats.statuses)}`);

  // --- consistency: issued tokens still work, revoked ones do not ---------------------
  // A revoked token must get exactly 401 invalid_token (a revoked family 401
  // invalid_refresh_token); any other answer counts as accepted.
  const checks = {
    live_jwts_ok: 0,
    live_jwts_failed: 0,
    revoked_jwts_refused: 0, // the JWT that was presented to POST /auth/logout
    revoked_jwts_accepted: 0,
    revoked_sibling_jwts_refused: 0, // the other JWTs of that login (issue 11: logout ends the whole login)
    revoked_sibling_jwts_accepted: 0,
    live_sessions_ok: 0,
    live_sessions_failed: 0,
    revoked_sessions_refused: 0,
    revoked_sessions_accepted: 0,
    live_families_refresh_ok: 0,
    live_families_refresh_failed: 0,
    revoked_families_refused: 0,
    revoked_families_accepted: 0,
  };
  const accepted = []; // the first few revoked tokens that were not refused as documented
  const verifyStarted = Date.now();
  await each(jwts, CONCURRENCY, async (j) => {
    const r = await http(base, "verify_jwt", "GET", "/auth/me", { token: j.token });
    if (j.state === "revoked") {
      const kind = j.loggedOut ? "revoked_jwts" : "revoked_sibling_jwts";
      const refused = isError(r, 401, "invalid_token");
      checks[`${kind}_${refused ? "refused" : "accepted"}`]++;
      if (!refused && accepted.length < 10) accepted.push({ kind, status: r.status, body: r.body });
    } else checks[r.status === 200 ? "live_jwts_ok" : "live_jwts_failed"]++;
  });
  await each(sessions, CONCURRENCY, async (s) => {
    const r = await http(base, "verify_session", "GET", "/auth/me", { token: s.token });
    if (s.state === "revoked") checks[isError(r, 401, "invalid_token") ? "revoked_sessions_refused" : "revoked_sessions_accepted"]++;
    else checks[r.status === 200 ? "live_sessions_ok" : "live_sessions_failed"]++;
  });
  await each(families, CONCURRENCY, async (f) => {
    const r = await http(base, "verify_refresh", "POST", "/auth/refresh", { json: { refresh_token: f.refresh } });
    if (f.revoked) checks[isError(r, 401, "invalid_refresh_token") ? "revoked_families_refused" : "revoked_families_accepted"]++;
    else checks[r.status === 200 ? "live_families_refresh_ok" : "live_families_refresh_failed"]++;
  });
  log(`verification (${((Date.now() - verifyStarted) / 1000).toFixed(0)} s): ${JSON.stringify(checks)}`);
  // A last cleanup run with nothing else going on: afterwards no row it was due to delete may be left.
  const lastCronAt = Math.floor(Date.now() / 1000);
  const lastCron = await triggerCron(base);
  const filterMounted = REVOCATION === "filter" ? await http(base, "plugins", "GET", "/auth/plugins").then((r) => (r.body?.plugins ?? []).some((p) => p.id === "revocation-filter")) : null;
  const serverOutput = server.output();
  await stopServer();
  // The cron published the filter: its KV value (read from the stopped server's local KV) is an envelope.
  const publishedFilter = REVOCATION === "filter" ? await publishedEnvelope() : null;
  const cleanupLeft = await dueAfterCleanup(lastCronAt);
  const cronErrors = cronErrorLines(serverOutput);
  log(`cron: ${cronResults.length} runs during the load + 1 after; error lines: ${cronErrors.length}; due rows left after the last run: ${JSON.stringify(cleanupLeft.due)}`);

  // --- orphans, by direct queries on the stopped server's D1 ----------------------------
  const [orphans] = await query(`SELECT
      (SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)) AS sessions_without_user,
      (SELECT COUNT(*) FROM refresh_families f WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = f.user_id)) AS families_without_user,
      (SELECT COUNT(*) FROM refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM refresh_families f WHERE f.id = t.family_id)) AS refresh_tokens_without_family,
      (SELECT COUNT(*) FROM refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)) AS refresh_tokens_without_user,
      (SELECT COUNT(*) FROM passkeys p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id)) AS passkeys_without_user,
      (SELECT COUNT(*) FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.user_id <> f.user_id) AS refresh_tokens_wrong_user,
      (SELECT COUNT(*) FROM (SELECT family_id FROM refresh_tokens WHERE used_at IS NULL GROUP BY family_id HAVING COUNT(*) > 1)) AS families_with_two_unused_tokens`);
  const [rows] = await query(`SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM sessions) AS sessions,
      (SELECT COUNT(*) FROM refresh_families) AS refresh_families, (SELECT COUNT(*) FROM refresh_tokens) AS refresh_tokens,
      (SELECT COUNT(*) FROM revocations) AS revocations, (SELECT COUNT(*) FROM rate_limits) AS rate_limits`);
  log(`orphans: ${JSON.stringify(orphans)}; rows: ${JSON.stringify(rows)}`);

  // --- verdict ---------------------------------------------------------------------------
  const fiveXx = Object.entries(loadStats.statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  const allFiveXx = Object.entries(stats.statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  const rateLimited = loadStats.statuses[429] ?? 0;
  const failures = [];
  if (allFiveXx) failures.push(`${allFiveXx} 5xx answers`);
  if (stats.networkErrors) failures.push(`${stats.networkErrors} network errors/timeouts`);
  if (stats.unexpectedCount) failures.push(`${stats.unexpectedCount} unexpected answers`);
  for (const key of Object.keys(checks).filter((k) => k.endsWith("_failed") || k.endsWith("_accepted"))) {
    if (checks[key]) failures.push(`${key}: ${checks[key]}`);
  }
  for (const [key, n] of Object.entries(orphans)) if (n) failures.push(`${key}: ${n}`);
  // Minimum counts: a check that was never exercised passed vacuously.
  const minimums = {
    live_jwts_ok: MIN_EACH,
    revoked_jwts_refused: MIN_EACH,
    revoked_sibling_jwts_refused: 1,
    live_sessions_ok: MIN_EACH,
    revoked_sessions_refused: MIN_EACH,
    live_families_refresh_ok: MIN_EACH,
    revoked_families_refused: MIN_EACH,
  };
  for (const [key, min] of Object.entries(minimums)) if (checks[key] < min) failures.push(`${key}: ${checks[key]} < ${min} (too few to mean anything)`);
  const bruteForce = loadStats.byOp.brute_force ?? { n: 0, statuses: {} };
  if (bruteForce.n < MIN_EACH) failures.push(`brute force: ${bruteForce.n} attempts < ${MIN_EACH}`);
  else if ((bruteForce.statuses[429] ?? 0) === 0) failures.push("brute force was never rate limited");
  // The cron: wrangler answers /__scheduled with 200 whatever the cleanup did,
  // so a run is judged by what the handler logged and by the rows it left.
  const expectedCrons = Math.max(1, Math.floor(SECONDS / CRON_SECONDS) - 1);
  if (cronResults.length < expectedCrons) failures.push(`cron: ${cronResults.length} runs during the load < ${expectedCrons}`);
  for (const c of [...cronResults, lastCron]) if (c.status !== 200) failures.push(`cron request: ${JSON.stringify(c)}`);
  if (cronErrors.length) failures.push(`cron logged ${cronErrors.length} error lines: ${cronErrors.slice(0, 3).join(" | ")}`);
  for (const [table, n] of Object.entries(cleanupLeft.due)) if (n) failures.push(`cleanup left ${n} due rows in ${table}`);
  if (REVOCATION === "filter") {
    if (!filterMounted) failures.push("LOAD_REVOCATION=filter but GET /auth/plugins does not list revocation-filter");
    if (!publishedFilter?.found) failures.push(`the cron published no revocation filter to KV: ${JSON.stringify(publishedFilter)}`);
  }
  for (const [table, n] of Object.entries(cleanupLeft.planted)) if (n) failures.push(`cleanup left ${n} of the ${PLANTED} planted expired rows in ${table}`);

  const byOp = Object.fromEntries(
    Object.entries(loadStats.byOp).map(([op, e]) => [op, { requests: e.n, statuses: e.statuses, mean_ms: +(e.total_ms / e.n).toFixed(1), max_ms: +e.max_ms.toFixed(0) }]),
  );
  const wranglerVersion = JSON.parse(readFileSync(join(root, "node_modules", "wrangler", "package.json"), "utf8")).version;
  const report = {
    test: "mixed traffic via wrangler dev (local workerd + local D1) on loopback, then token and row consistency checks",
    date: new Date().toISOString(),
    settings: { seconds: SECONDS, concurrency: CONCURRENCY, users: USERS, sessions: USERS * SESSIONS_PER_USER, cron_every_s: CRON_SECONDS, minimum_each: MIN_EACH, mix_percent: Object.fromEntries(MIX), revocation: REVOCATION === "filter" ? "revocationFilter() (js/bench/loadFilter), REVOCATION=cached" : "REVOCATION=cached (the core's snapshot)", server_vars: { ...raised, other: "defaults (per-email login and register limits, REVOCATION=cached)" } },
    machine: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model, wrangler: wranglerVersion, loadavg_before: load1, loadavg_after: loadavg()[0] },
    load: {
      seconds: +loadSeconds.toFixed(1),
      requests: loadStats.requests,
      throughput_rps: +(loadStats.requests / loadSeconds).toFixed(1),
      statuses: loadStats.statuses,
      five_xx: fiveXx,
      rate_limited_429: rateLimited,
      by_op: byOp,
      cron_runs: cronResults,
    },
    cleanup: { planted_per_table: PLANTED, cron_every_s: CRON_SECONDS, runs_during_load: cronResults.length, last_run: lastCron, error_lines: cronErrors, due_rows_left: cleanupLeft.due, planted_rows_left: cleanupLeft.planted },
    revocation_filter: REVOCATION === "filter" ? { mounted: filterMounted, published: publishedFilter } : null,
    accepted_revoked_examples: accepted,
    issued: { jwts: jwts.length, jwts_logged_out: jwts.filter((j) => j.loggedOut).length, jwts_revoked: jwts.filter((j) => j.state === "revoked").length, refresh_families: families.length, families_revoked: families.filter((f) => f.revoked).length, sessions: sessions.length, sessions_revoked: sessions.filter((s) => s.state === "revoked").length },
    checks,
    orphans,
    rows,
    probes: probeResults,
    setup: { requests: setupStats.requests, statuses: setupStats.statuses, ops: Object.keys(setupOps) },
    network_errors: stats.networkErrors,
    unexpected: stats.unexpected,
    failures,
    ok: failures.length === 0,
    elapsed_s: (Date.now() - started) / 1000,
  };
  writeFileSync(REPORT_PATH, `${JSON.stringify(report, null, 2)}\n`);

  console.log(`
load: ${loadStats.requests} requests in ${loadSeconds.toFixed(1)} s at concurrency ${CONCURRENCY} = ${report.load.throughput_rps} req/s
statuses: ${JSON.stringify(loadStats.statuses)}   5xx: ${fiveXx}   429 (rate limits, expected): ${rateLimited}
${Object.entries(byOp).map(([op, e]) => `  ${op.padEnd(15)} ${String(e.requests).padStart(6)}  mean ${String(e.mean_ms).padStart(7)} ms  ${JSON.stringify(e.statuses)}`).join("\n")}
checks: ${JSON.stringify(checks)}
orphans: ${JSON.stringify(orphans)}
${failures.length ? `FAIL: ${failures.join("; ")}` : "ok: zero 5xx, every live token works, every revoked one gets its documented 401, every cron run cleaned without error, no orphaned rows"}
written to ${REPORT_PATH} (${report.elapsed_s.toFixed(0)} s)`);
  if (failures.length) {
    if (stats.unexpected.length) console.log(JSON.stringify(stats.unexpected, null, 2));
    if (allFiveXx) console.log(serverOutput.slice(-4000));
    process.exitCode = 1;
  }
}

const watchdog = setTimeout(async () => {
  console.error(`[test:load] exceeded ${HARD_LIMIT_MS / 1000} s, aborting`);
  await stopServer();
  rmSync(persist, { recursive: true, force: true });
  process.exit(2);
}, HARD_LIMIT_MS);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await stopServer();
    rmSync(persist, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
} catch (err) {
  console.error(`[test:load] ${err instanceof Error ? err.stack : err}`);
  process.exitCode = 1;
} finally {
  await stopServer();
  clearTimeout(watchdog);
  rmSync(persist, { recursive: true, force: true });
}
