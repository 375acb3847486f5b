/**
 * Issue 20: each plugin declares its own cleanup work (AuthPlugin.cleanup).
 * The Cron Trigger's run of a core-only instance leaves the plugins' tables
 * alone, expired rows included (not mounted, not managed); an instance that
 * mounts a plugin deletes that plugin's expired rows and reports them. Each
 * expired row is tagged, so only this file's rows are looked at.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAuth } from "hybrid-auth/hono";
import type { AuthPlugin } from "hybrid-auth/hono";
import { email } from "hybrid-auth/email";
import { passkeys } from "hybrid-auth/passkeys";
import { usage } from "hybrid-auth/usage";
import { SECRET, registerUser, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
}

const CORE = { database: (e: TestEnv) => e.GENERAL_DB, secret: SECRET };
const RP = { rpId: "localhost", rpName: "cleanup tests", origins: ["http://localhost:8787"] };

/** One expired row in each plugin table, tagged; returns a counter of the tagged rows still there. */
async function seedExpired(tag: string): Promise<() => Promise<Record<string, number>>> {
  const owner = await registerUser(env, uniqueEmail("plugin-cleanup"));
  const long = Math.floor(Date.now() / 1000) - 400 * 86_400;
  await env.GENERAL_DB.batch([
    env.GENERAL_DB.prepare("INSERT INTO webauthn_challenges (challenge, purpose, user_id, expires_at, created_at) VALUES (?1, 'authentication', NULL, ?2, ?2)").bind(`expired-${tag}`, long),
    env.GENERAL_DB.prepare("INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at) VALUES (?1, 'password_reset', ?2, ?3, ?4, ?4)").bind(`expired-${tag}`, owner.id, owner.email, long),
    env.GENERAL_DB.prepare("INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES ('2020-01-01', 'jwt', '', ?1, 1, ?2)").bind(`id:expired-${tag}`, long),
  ]);
  const count = async (sql: string, value: string) => ((await env.GENERAL_DB.prepare(sql).bind(value).first<{ n: number }>())?.n ?? -1);
  return async () => ({
    webauthn_challenges: await count("SELECT COUNT(*) AS n FROM webauthn_challenges WHERE challenge = ?1", `expired-${tag}`),
    email_tokens: await count("SELECT COUNT(*) AS n FROM email_tokens WHERE token_hash = ?1", `expired-${tag}`),
    auth_usage: await count("SELECT COUNT(*) AS n FROM auth_usage WHERE client = ?1", `id:expired-${tag}`),
  });
}

describe("plugin cleanup work", () => {
  it("a core-only run leaves every plugin table alone, expired rows included, and reports none of them", async () => {
    const remaining = await seedExpired(crypto.randomUUID());
    const report = await createAuth({ ...CORE }).cleanup(env);
    expect(report.errors).toEqual([]);
    expect(Object.keys(report.deleted).sort()).toEqual(["auth_events", "rate_limits", "refresh_families", "refresh_tokens", "revocations", "sessions"]);
    expect(await remaining()).toEqual({ webauthn_challenges: 1, email_tokens: 1, auth_usage: 1 });
  });

  it("each mounted plugin deletes its own expired rows, and only its own", async () => {
    const cases: [AuthPlugin, string][] = [
      [passkeys(RP), "webauthn_challenges"],
      [email({ devMailbox: true }), "email_tokens"],
      [usage(), "auth_usage"],
    ];
    for (const [plugin, table] of cases) {
      const remaining = await seedExpired(crypto.randomUUID());
      const report = await createAuth({ ...CORE, plugins: [plugin] }).cleanup(env);
      expect(report.errors, table).toEqual([]);
      expect(report.deleted[table as keyof typeof report.deleted], table).toBeGreaterThanOrEqual(1);
      const left = await remaining();
      expect(left[table], table).toBe(0);
      // The other plugins' rows stay.
      for (const [other, n] of Object.entries(left)) if (other !== table) expect(n, `${table} run left ${other}`).toBe(1);
    }
  });
});
