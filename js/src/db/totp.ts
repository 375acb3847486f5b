/**
 * The totp() plugin's tables (migration 0009): one authenticator per user,
 * its recovery codes (hashed) and the tickets of logins held back for a code.
 * Every write that must happen once (a time step, a recovery code, a ticket)
 * is a compare-and-set whose change count says whether this request won.
 */
import { guard } from "./errors";

export interface TotpCredential {
  secret: string;
  confirmedAt: number | null;
  lastStep: number | null;
}

export interface TotpTicket {
  userId: string;
  remember: boolean;
  delivery: "body" | "cookie";
  /** Attempts counted so far, this one included. */
  attempts: number;
  /** How the first factor was proven ("password", "passkey", "social:<provider>"); null for tickets older than migration 0011. */
  method: string | null;
}

export function findTotpCredential(db: D1Database, userId: string): Promise<TotpCredential | null> {
  return guard("findTotpCredential", async () => {
    const row = await db
      .prepare(`SELECT secret, confirmed_at, last_step FROM totp_credentials WHERE user_id = ?1`)
      .bind(userId)
      .first<{ secret: string; confirmed_at: number | null; last_step: number | null }>();
    return row ? { secret: row.secret, confirmedAt: row.confirmed_at, lastStep: row.last_step } : null;
  });
}

/** Starts (or restarts) an enrolment: a new secret, not confirmed. Refused (false) when the user's factor is already confirmed. */
export function startTotpEnrolment(db: D1Database, userId: string, secret: string, now: number): Promise<boolean> {
  return guard("startTotpEnrolment", async () => {
    const result = await db
      .prepare(
        `INSERT INTO totp_credentials (user_id, secret, created_at, confirmed_at, last_step) VALUES (?1, ?2, ?3, NULL, NULL)
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = NULL
         WHERE totp_credentials.confirmed_at IS NULL`,
      )
      .bind(userId, secret, now)
      .run();
    return result.meta.changes === 1;
  });
}

/**
 * Records that a code of time step `step` was accepted, only if no code of
 * this step or a later one was: false means replay (or a concurrent use of
 * the same code, which lost).
 */
export function claimTotpStep(db: D1Database, userId: string, step: number): Promise<boolean> {
  return guard("claimTotpStep", async () => {
    const result = await db
      .prepare(`UPDATE totp_credentials SET last_step = ?2 WHERE user_id = ?1 AND (last_step IS NULL OR last_step < ?2)`)
      .bind(userId, step)
      .run();
    return result.meta.changes === 1;
  });
}

/** Statements that replace the user's recovery codes by these hashes (for a batch). */
function replaceCodesStatements(db: D1Database, userId: string, codeHashes: readonly string[], now: number): D1PreparedStatement[] {
  return [
    db.prepare(`DELETE FROM totp_recovery_codes WHERE user_id = ?1`).bind(userId),
    ...codeHashes.map((hash) => db.prepare(`INSERT INTO totp_recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)`).bind(userId, hash, now)),
  ];
}

/**
 * The statements that finish an enrolment: the factor confirmed and fresh
 * recovery codes, to run in one batch before the other logins are ended
 * (db/revocations.ts revokeOtherLogins' `before`).
 */
export function confirmTotpStatements(db: D1Database, userId: string, codeHashes: readonly string[], now: number): D1PreparedStatement[] {
  return [
    db.prepare(`UPDATE totp_credentials SET confirmed_at = ?2 WHERE user_id = ?1 AND confirmed_at IS NULL`).bind(userId, now),
    ...replaceCodesStatements(db, userId, codeHashes, now),
  ];
}

/** New recovery codes for an enrolled user (the old ones stop working), in one batch. */
export function replaceRecoveryCodes(db: D1Database, userId: string, codeHashes: readonly string[], now: number): Promise<void> {
  return guard("replaceRecoveryCodes", async () => {
    await db.batch(replaceCodesStatements(db, userId, codeHashes, now));
  });
}

/** Spends one unused recovery code of the user; false when there is none with this hash (wrong, or used). */
export function spendRecoveryCode(db: D1Database, userId: string, codeHash: string, now: number): Promise<boolean> {
  return guard("spendRecoveryCode", async () => {
    const result = await db
      .prepare(`UPDATE totp_recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL`)
      .bind(userId, codeHash, now)
      .run();
    return result.meta.changes === 1;
  });
}

export function countUnusedRecoveryCodes(db: D1Database, userId: string): Promise<number> {
  return guard("countUnusedRecoveryCodes", async () => {
    const row = await db.prepare(`SELECT COUNT(*) AS n FROM totp_recovery_codes WHERE user_id = ?1 AND used_at IS NULL`).bind(userId).first<{ n: number }>();
    return row?.n ?? 0;
  });
}

/** Turns the factor off: the authenticator, its codes and its open tickets go, and an auth_events row says so, in one batch. */
export function disableTotp(db: D1Database, userId: string, now: number): Promise<boolean> {
  return guard("disableTotp", async () => {
    // The event first, while the row it depends on still exists: it is written only when a factor was on.
    const results = await db.batch([
      db
        .prepare(
          `INSERT INTO auth_events (user_id, kind, detail, created_at)
           SELECT ?1, 'totp_disabled', '{}', ?2 WHERE EXISTS (SELECT 1 FROM totp_credentials WHERE user_id = ?1 AND confirmed_at IS NOT NULL)`,
        )
        .bind(userId, now),
      db.prepare(`DELETE FROM totp_credentials WHERE user_id = ?1`).bind(userId),
      db.prepare(`DELETE FROM totp_recovery_codes WHERE user_id = ?1`).bind(userId),
      db.prepare(`DELETE FROM totp_tickets WHERE user_id = ?1`).bind(userId),
    ]);
    return (results[0]?.meta.changes ?? 0) === 1;
  });
}

export function createTotpTicket(db: D1Database, ticket: { hash: string; userId: string; remember: boolean; delivery: "body" | "cookie"; now: number; expiresAt: number; method: string }): Promise<void> {
  return guard("createTotpTicket", async () => {
    await db
      .prepare(`INSERT INTO totp_tickets (ticket_hash, user_id, remember, delivery, created_at, expires_at, method) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`)
      .bind(ticket.hash, ticket.userId, ticket.remember ? 1 : 0, ticket.delivery, ticket.now, ticket.expiresAt, ticket.method)
      .run();
  });
}

/**
 * Counts one attempt on a live ticket (unused, unexpired, under `maxAttempts`)
 * before the code is checked, so concurrent guesses cannot pass the limit.
 * null: no such live ticket.
 */
export function attemptTotpTicket(db: D1Database, hash: string, now: number, maxAttempts: number): Promise<TotpTicket | null> {
  return guard("attemptTotpTicket", async () => {
    const row = await db
      .prepare(
        `UPDATE totp_tickets SET attempts = attempts + 1
          WHERE ticket_hash = ?1 AND used_at IS NULL AND expires_at > ?2 AND attempts < ?3
          RETURNING user_id, remember, delivery, attempts, method`,
      )
      .bind(hash, now, maxAttempts)
      .first<{ user_id: string; remember: number; delivery: "body" | "cookie"; attempts: number; method: string | null }>();
    return row ? { userId: row.user_id, remember: row.remember === 1, delivery: row.delivery, attempts: row.attempts, method: row.method } : null;
  });
}

/** Spends a ticket once its code was right; false when another request spent it first. */
export function spendTotpTicket(db: D1Database, hash: string, now: number): Promise<boolean> {
  return guard("spendTotpTicket", async () => {
    const result = await db.prepare(`UPDATE totp_tickets SET used_at = ?2 WHERE ticket_hash = ?1 AND used_at IS NULL`).bind(hash, now).run();
    return result.meta.changes === 1;
  });
}
