import { afterEach, describe, expect, it, vi } from "vitest";
import { countingDb, env, jwtEnv, registerUser, runScheduled } from "./helpers";
import type { Env } from "../demo/worker";

afterEach(() => vi.restoreAllMocks());

const now = () => Math.floor(Date.now() / 1000);
const db = () => env.GENERAL_DB;
const count = async (sql: string) => (await db().prepare(sql).first<{ n: number }>())?.n ?? 0;
/** 2000-01-01T00:00:00Z: far beyond any USAGE_RETENTION_DAYS (3650 at most). */
const OLD_EVENT = 946_684_800;
const hex = () => crypto.randomUUID().replace(/-/g, "") + crypto.randomUUID().replace(/-/g, "");

/** Expired and live rows in every table the cleanup owns. */
async function seed(userId: string, expired: number, live: number) {
  const t = now();
  const stmts: D1PreparedStatement[] = [];
  const family = crypto.randomUUID();
  stmts.push(db().prepare("INSERT INTO refresh_families (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)").bind(family, userId, t - 100, t - 1));
  const liveFamily = crypto.randomUUID();
  stmts.push(db().prepare("INSERT INTO refresh_families (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)").bind(liveFamily, userId, t, t + 3600));
  for (const [n, exp, fam] of [
    [expired, t - 1, family],
    [live, t + 3600, liveFamily],
  ] as const) {
    for (let i = 0; i < n; i++) {
      stmts.push(db().prepare("INSERT INTO sessions (token_hash, user_id, expires_at, created_at) VALUES (?1, ?2, ?3, ?4)").bind(hex(), userId, exp, t - 100));
      stmts.push(db().prepare("INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)").bind(hex(), fam, userId, t - 100, exp));
      stmts.push(db().prepare("INSERT INTO revocations (kind, subject, expires_at, created_at) VALUES ('jti', ?1, ?2, ?3)").bind(crypto.randomUUID(), exp, t - 100));
      stmts.push(db().prepare("INSERT INTO rate_limits (bucket, window_start, count, expires_at) VALUES (?1, ?2, 1, ?3)").bind(hex(), t - 100, exp));
      stmts.push(
        db().prepare("INSERT INTO webauthn_challenges (challenge, purpose, user_id, expires_at, created_at) VALUES (?1, 'authentication', NULL, ?2, ?3)").bind(hex(), exp, t - 100),
      );
      // Email links: expired ones go whether used or not (every other one here is used).
      stmts.push(
        db()
          .prepare("INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at, used_at) VALUES (?1, 'password_reset', ?2, 'a@example.com', ?3, ?4, ?5)")
          .bind(hex(), userId, t - 100, exp, i % 2 ? t - 50 : null),
      );
      // Account events: the "expired" ones are from 2000 (beyond USAGE_RETENTION_DAYS), the live ones from now.
      stmts.push(
        db().prepare("INSERT INTO auth_events (user_id, kind, detail, created_at) VALUES (?1, 'email_verified', '{}', ?2)").bind(userId, exp === t - 1 ? OLD_EVENT : t - 100),
      );
    }
  }
  // Usage counters: one 200 days old, one from today.
  stmts.push(db().prepare("INSERT OR REPLACE INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES ('2000-01-01', 'session', '', 'ua:curl', 5, 0)"));
  stmts.push(db().prepare("INSERT OR REPLACE INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES (?1, 'jwt', '', 'ua:curl', 5, 0)").bind(new Date().toISOString().slice(0, 10)));
  await db().batch(stmts);
  return { family, liveFamily };
}

describe("scheduled cleanup (Cron Trigger)", () => {
  // That wrangler.jsonc declares the Cron Trigger is checked in Node (test/node/wrangler-config.test.js): workerd cannot read files.
  it("the demo Worker's default export has a scheduled handler", async () => {
    const { default: worker } = await import("../demo/worker");
    expect(typeof worker.scheduled).toBe("function");
  });

  it("deletes expired sessions, refresh tokens, empty families, revocations, rate windows, challenges, email links and old usage and events; keeps live rows", async () => {
    const user = await registerUser();
    const { family, liveFamily } = await seed(user.id, 7, 2);
    await runScheduled();
    expect(await count("SELECT COUNT(*) AS n FROM sessions WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM refresh_tokens WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM revocations WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM rate_limits WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM webauthn_challenges WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM refresh_families WHERE id = '${family}'`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM refresh_families WHERE id = '${liveFamily}'`)).toBe(1);
    expect(await count(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = '${user.id}'`)).toBe(2);
    expect(await count(`SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = '${user.id}'`)).toBe(2);
    expect(await count("SELECT COUNT(*) AS n FROM webauthn_challenges")).toBeGreaterThanOrEqual(2);
    expect(await count("SELECT COUNT(*) AS n FROM auth_usage WHERE day = '2000-01-01'")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM auth_usage WHERE day <> '2000-01-01'")).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT COUNT(*) AS n FROM email_tokens WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM email_tokens WHERE user_id = '${user.id}'`)).toBe(2);
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE created_at = ${OLD_EVENT}`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = '${user.id}'`)).toBe(2);
  });

  it("keeps account events for USAGE_RETENTION_DAYS whole UTC days, like the usage counters", async () => {
    const user = await registerUser();
    const dayMs = 86_400_000;
    const nowMs = Date.now();
    const startOfToday = Math.floor(nowMs / dayMs) * dayMs;
    // Retention 3 days: today and the two days before it stay; the day before those goes.
    const at = (ms: number) => Math.floor(ms / 1000);
    const kept = [at(startOfToday), at(startOfToday - 2 * dayMs)];
    const gone = [at(startOfToday - 2 * dayMs) - 1, at(startOfToday - 10 * dayMs)];
    await db().batch(
      [...kept, ...gone].map((createdAt) => db().prepare("INSERT INTO auth_events (user_id, kind, created_at) VALUES (?1, 'password_reset', ?2)").bind(user.id, createdAt)),
    );
    await runScheduled(jwtEnv({ USAGE_RETENTION_DAYS: "3" }), nowMs);
    const left = await db().prepare("SELECT created_at FROM auth_events WHERE user_id = ?1 ORDER BY created_at DESC").bind(user.id).all<{ created_at: number }>();
    expect(left.results.map((r) => r.created_at)).toEqual(kept);
  });

  it("deletes in chunks of CLEANUP_BATCH_ROWS rows per statement until a chunk comes back short", async () => {
    const user = await registerUser();
    await seed(user.id, 7, 1);
    const { db: counted, counts } = countingDb(env.GENERAL_DB);
    await runScheduled(jwtEnv({ GENERAL_DB: counted, CLEANUP_BATCH_ROWS: "3" }));
    expect(await count("SELECT COUNT(*) AS n FROM sessions WHERE expires_at <= unixepoch()")).toBe(0);
    // 7 expired rows at 3 per statement: 3 + 3 + 1 → three DELETEs for each of
    // sessions, refresh_tokens, revocations, rate_limits, challenges,
    // email_tokens and auth_events; one each for families and usage; one
    // sqlite_master probe; one for totp_tickets, and one each for social_states and
    // social_tickets (none seeded: a short chunk at once).
    expect(counts.prepare).toBe(7 * 3 + 2 + 1 + 1 + 2);
    expect(counts.batch).toBe(0);
  });

  it("every chunked DELETE selects its rows through an index, not a scan of the table", async () => {
    const { cleanupQueryPlans } = await import("../src/db/cleanup");
    const plans = await cleanupQueryPlans(env.GENERAL_DB);
    expect(Object.keys(plans).sort()).toEqual(["auth_events", "auth_usage", "email_tokens", "rate_limits", "refresh_tokens", "revocations", "sessions", "social_states", "social_tickets", "totp_tickets", "webauthn_challenges"]);
    for (const [table, details] of Object.entries(plans)) {
      // "SEARCH t USING [COVERING] INDEX i (c<?)" or "... USING PRIMARY KEY"; a bare "SCAN t" reads every row.
      expect({ table, details }).toEqual({ table, details: [expect.stringMatching(new RegExp(`^SEARCH ${table} USING (COVERING INDEX|INDEX|PRIMARY KEY)`))] });
    }
  });

  it("the default chunk is 10,000 rows and more is refused", async () => {
    const { optionsFromEnv } = await import("hybrid-auth/hono");
    const { resolveOptions } = await import("../src/config");
    const database = (e: Env) => e.GENERAL_DB;
    expect(resolveOptions(optionsFromEnv({ GENERAL_DB: env.GENERAL_DB }, { database })).cleanupBatchRows).toBe(10_000);
    expect(() => optionsFromEnv({ GENERAL_DB: env.GENERAL_DB, CLEANUP_BATCH_ROWS: "10001" }, { database })).toThrow(/CLEANUP_BATCH_ROWS/);
    expect(() => resolveOptions({ database, cleanupBatchRows: 10_001 })).toThrow(/cleanupBatchRows/);
  });

  it("without the passkey challenges table, the rest is still cleaned", async () => {
    const user = await registerUser();
    const { family, liveFamily } = await seed(user.id, 2, 1);
    await env.GENERAL_DB.prepare("DROP TABLE webauthn_challenges").run();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const logs = vi.spyOn(console, "log").mockImplementation(() => {});
    await runScheduled();
    // A missing optional table is not an error.
    expect(errors).not.toHaveBeenCalled();
    // Every other table lost its expired rows and kept its live ones.
    const t = now();
    const left = async (table: string) => ({
      expired: await count(`SELECT COUNT(*) AS n FROM ${table} WHERE expires_at <= ${t}`),
      live: await count(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = '${user.id}' AND expires_at > ${t}`),
    });
    expect(await left("sessions")).toEqual({ expired: 0, live: 1 });
    expect(await left("refresh_tokens")).toEqual({ expired: 0, live: 1 });
    expect(await left("email_tokens")).toEqual({ expired: 0, live: 1 });
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = '${user.id}' AND created_at = ${OLD_EVENT}`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = '${user.id}' AND created_at > ${OLD_EVENT}`)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM revocations WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM revocations WHERE expires_at > unixepoch()")).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT COUNT(*) AS n FROM rate_limits WHERE expires_at <= unixepoch()")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM rate_limits WHERE expires_at > unixepoch()")).toBeGreaterThanOrEqual(1);
    expect(await count(`SELECT COUNT(*) AS n FROM refresh_families WHERE id = '${family}'`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM refresh_families WHERE id = '${liveFamily}'`)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM auth_usage WHERE day = '2000-01-01'")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM auth_usage WHERE day <> '2000-01-01'")).toBeGreaterThanOrEqual(1);
    // The run's report names every table it cleaned, and not the missing one.
    const line = logs.mock.calls.map((args) => String(args[0])).find((l) => l.includes("[hybrid-auth] cleanup ("));
    const deleted = JSON.parse(/: (\{.*\}) in \d+ statements$/.exec(line ?? "")?.[1] ?? "null") as Record<string, number> | null;
    expect(deleted, line).not.toBeNull();
    expect(Object.keys(deleted!).sort()).toEqual(["auth_events", "auth_usage", "email_tokens", "rate_limits", "refresh_families", "refresh_tokens", "revocations", "sessions", "social_states", "social_tickets", "totp_tickets"]);
    for (const table of ["sessions", "refresh_tokens", "revocations", "rate_limits", "email_tokens", "auth_events"]) expect(deleted![table], table).toBeGreaterThanOrEqual(2);
    expect(deleted!.refresh_families).toBeGreaterThanOrEqual(1);
    expect(deleted!.auth_usage).toBeGreaterThanOrEqual(1);
  });
});
