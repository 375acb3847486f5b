/**
 * One-time tokens sent by email (password reset, address verification,
 * change of address; migration 0007) and the account changes they authorise.
 *
 * Every "spend" is one batch (one transaction) whose first statement is a
 * compare-and-set on the token (unused, unexpired, right purpose, still
 * addressed to the right mailbox) that writes a nonce of this request into
 * `consumed_by`; each later statement applies only where `consumed_by` names
 * that nonce. So a token changes the account at most once, two concurrent
 * uses produce one change, and a failure anywhere rolls everything back.
 */
import { guard } from "./errors";
import { hasLegacySessionTable } from "./revocations";
import type { RevocationWrite } from "./revocations";
import { endUnprovenCredentialsStatements } from "./unprovenCredentials";

export type EmailTokenPurpose = "password_reset" | "verify_email" | "change_email";

/** What `consumed_by` holds for a token that a newer one (or a completed change) replaced. */
export const SUPERSEDED = "superseded";

/** A stored token with its user's current address, for the checks before a spend. */
export interface EmailTokenRecord {
  purpose: EmailTokenPurpose;
  userId: string;
  /** Where the token was sent. */
  email: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  consumedBy: string | null;
  /** The account's address now (a reset token only works while it is still the one it was sent to). */
  userEmail: string;
}

interface EmailTokenRow {
  purpose: EmailTokenPurpose;
  user_id: string;
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  consumed_by: string | null;
  user_email: string;
}

export interface NewEmailToken {
  tokenHash: string;
  purpose: EmailTokenPurpose;
  userId: string;
  email: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * Stores a token and, in the same batch, retires the user's earlier unused
 * tokens of the same purpose: only the newest link of each kind works.
 */
export function storeEmailToken(db: D1Database, token: NewEmailToken): Promise<void> {
  return guard("storeEmailToken", async () => {
    await db.batch([
      db
        .prepare(`UPDATE email_tokens SET used_at = ?3, consumed_by = '${SUPERSEDED}' WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL`)
        .bind(token.userId, token.purpose, token.createdAt),
      db
        .prepare(`INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`)
        .bind(token.tokenHash, token.purpose, token.userId, token.email, token.createdAt, token.expiresAt),
    ]);
  });
}

/**
 * Retires the user's outstanding password-reset and change-of-address links,
 * for the change-password batch: a reset link requested before the change
 * (perhaps by whoever prompted it) must not be able to undo it, and a change
 * of address requested with the old password (a phished one) must not move
 * the account to another mailbox after the owner changed it.
 */
export function retirePasswordResetLinksStatement(db: D1Database, userId: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE email_tokens SET used_at = ?2, consumed_by = '${SUPERSEDED}' WHERE user_id = ?1 AND purpose IN ('password_reset', 'change_email') AND used_at IS NULL`,
    )
    .bind(userId, now);
}

export function findEmailToken(db: D1Database, tokenHash: string): Promise<EmailTokenRecord | null> {
  return guard("findEmailToken", async () => {
    const row = await db
      .prepare(
        `SELECT t.purpose, t.user_id, t.email, t.created_at, t.expires_at, t.used_at, t.consumed_by, u.email AS user_email
           FROM email_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ?1`,
      )
      .bind(tokenHash)
      .first<EmailTokenRow>();
    if (!row) return null;
    return {
      purpose: row.purpose,
      userId: row.user_id,
      email: row.email,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      consumedBy: row.consumed_by,
      userEmail: row.user_email,
    };
  });
}

/** Whether the account's address has been verified (null: no such user). */
export function findEmailVerified(db: D1Database, userId: string): Promise<boolean | null> {
  return guard("findEmailVerified", async () => {
    const row = await db.prepare(`SELECT email_verified_at FROM users WHERE id = ?1`).bind(userId).first<{ email_verified_at: number | null }>();
    return row ? row.email_verified_at !== null : null;
  });
}

/** `EXISTS`: this request spent the token (the condition of every statement after the spend). */
const SPENT_BY_US = `EXISTS (SELECT 1 FROM email_tokens WHERE token_hash = ?1 AND consumed_by = ?2)`;
/** The spent token's user. */
const SPENT_USER = `(SELECT user_id FROM email_tokens WHERE token_hash = ?1 AND consumed_by = ?2)`;

/** The spend itself: `extra` is the purpose-specific condition (which mailbox must still match). */
function spendStatement(db: D1Database, spend: Spend, purpose: EmailTokenPurpose, extra: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE email_tokens SET used_at = ?3, consumed_by = ?2
        WHERE token_hash = ?1 AND purpose = '${purpose}' AND used_at IS NULL AND expires_at > ?3 AND ${extra}`,
    )
    .bind(spend.tokenHash, spend.nonce, spend.now);
}

/** Retires every other unused token of the spent token's user (of the given purposes). */
function supersedeOthers(db: D1Database, spend: Spend, purposes: readonly EmailTokenPurpose[]): D1PreparedStatement {
  const list = purposes.map((p) => `'${p}'`).join(", ");
  return db
    .prepare(
      `UPDATE email_tokens SET used_at = ?3, consumed_by = '${SUPERSEDED}'
        WHERE user_id = ${SPENT_USER} AND purpose IN (${list}) AND used_at IS NULL AND token_hash <> ?1`,
    )
    .bind(spend.tokenHash, spend.nonce, spend.now);
}

/** Identifies one use of a token: its hash, a random nonce of this request, and the time. */
export interface Spend {
  tokenHash: string;
  nonce: string;
  now: number;
}

/** A reset token is addressed to the account's current address: after a change of address, old links are dead. */
const SENT_TO_CURRENT_ADDRESS = `EXISTS (SELECT 1 FROM users WHERE id = email_tokens.user_id AND email = email_tokens.email)`;

/** This request spent the token, and its user's address is still unproven (read inside the batch, before it is marked verified). */
const FIRST_PROOF = `${SPENT_BY_US} AND EXISTS (SELECT 1 FROM users WHERE id = ${SPENT_USER} AND email_verified_at IS NULL)`;

/** What ending the user's logins needs (revokeAllForUserStatements): the stamp's instant and lifetime. */
export interface EndLogins {
  userId: string;
  notBeforeMs: number;
  stampExpiresAt: number;
}

/** What a proof ended: the revocation rows (for this isolate), and counts. */
export type ProofEnded = RevocationWrite & { sessions: number; families: number; credentials: number };

const NOTHING_ENDED: ProofEnded = { rows: [], sessions: 0, families: 0, credentials: 0 };

/**
 * Completes a password reset, in ONE batch:
 *  1. spends the token (compare-and-set, see above);
 *  2. records an `auth_events` row (how many logins it ends);
 *  3. ends every login of the user (every refresh family with its `sid`
 *     row, a per-user stamp, every session: db/revocations.ts) and, if the
 *     address was never proven, every credential set up before this first
 *     proof (db/unprovenCredentials.ts: account pre-hijacking);
 *  4. sets the new password hash, and marks the address verified (the link reached it);
 *  5. retires every other outstanding token of the user (other reset links,
 *     a pending change of address: a reset is how an owner takes the account back).
 * The revocation statements carry no nonce condition: if two requests race
 * with one token, the loser revokes the (new) logins a second time, which
 * only a holder of that token can cause. The credential deletes do carry it.
 */
export function completePasswordReset(
  db: D1Database,
  spend: Spend,
  change: EndLogins & { passwordHash: string },
): Promise<{ completed: boolean } & ProofEnded> {
  return guard("completePasswordReset", async () => {
    const end = endUnprovenCredentialsStatements(db, {
      userId: change.userId,
      when: { sql: FIRST_PROOF, binds: [spend.tokenHash, spend.nonce] },
      logins: { notBeforeMs: change.notBeforeMs, stampExpiresAt: change.stampExpiresAt, now: spend.now, reason: "password_reset", legacySessions: await hasLegacySessionTable(db) },
    });
    const results = await db.batch([
      spendStatement(db, spend, "password_reset", SENT_TO_CURRENT_ADDRESS),
      db
        .prepare(
          `INSERT INTO auth_events (user_id, kind, detail, created_at)
           SELECT ?4, 'password_reset',
                  json_object('sessions_ended', (SELECT COUNT(*) FROM sessions WHERE user_id = ?4),
                              'refresh_families_revoked', (SELECT COUNT(*) FROM refresh_families WHERE user_id = ?4 AND revoked_at IS NULL)),
                  ?3
            WHERE ${SPENT_BY_US}`,
        )
        .bind(spend.tokenHash, spend.nonce, spend.now, change.userId),
      ...end.statements,
      db
        .prepare(
          `UPDATE users SET password_hash = ?4, updated_at = ?3, email_verified_at = COALESCE(email_verified_at, ?3)
            WHERE id = ?5 AND id = ${SPENT_USER}`,
        )
        .bind(spend.tokenHash, spend.nonce, spend.now, change.passwordHash, change.userId),
      supersedeOthers(db, spend, ["password_reset", "verify_email", "change_email"]),
    ]);
    return { completed: (results[0]?.meta.changes ?? 0) === 1, ...end.read(results.slice(2, 2 + end.statements.length)) };
  });
}

/**
 * Verifies the account's address with a verification token, in ONE batch:
 * the spend (only while the account still has the address the link went
 * to), then, when `firstProof` (the caller read the address as unproven),
 * everything set up while it was unproven ends (db/unprovenCredentials.ts:
 * credentials guarded by FIRST_PROOF inside the batch, every login), the
 * account marked verified, the user's other verification links retired, an
 * `auth_events` row.
 */
export function verifyEmailWithToken(db: D1Database, spend: Spend, firstProof: EndLogins | null): Promise<{ verified: boolean } & ProofEnded> {
  return guard("verifyEmailWithToken", async () => {
    const end = firstProof
      ? endUnprovenCredentialsStatements(db, {
          userId: firstProof.userId,
          when: { sql: FIRST_PROOF, binds: [spend.tokenHash, spend.nonce] },
          logins: { notBeforeMs: firstProof.notBeforeMs, stampExpiresAt: firstProof.stampExpiresAt, now: spend.now, reason: "email_verified", legacySessions: await hasLegacySessionTable(db) },
        })
      : null;
    const results = await db.batch([
      spendStatement(db, spend, "verify_email", SENT_TO_CURRENT_ADDRESS),
      ...(end?.statements ?? []),
      db
        .prepare(`UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?3), updated_at = ?3 WHERE id = ${SPENT_USER}`)
        .bind(spend.tokenHash, spend.nonce, spend.now),
      supersedeOthers(db, spend, ["verify_email"]),
      db
        .prepare(
          `INSERT INTO auth_events (user_id, kind, detail, created_at)
           SELECT user_id, 'email_verified', json_object('email', email), ?3 FROM email_tokens WHERE token_hash = ?1 AND consumed_by = ?2`,
        )
        .bind(spend.tokenHash, spend.nonce, spend.now),
    ]);
    const ended = end ? end.read(results.slice(1, 1 + end.statements.length)) : NOTHING_ENDED;
    return { verified: (results[0]?.meta.changes ?? 0) === 1, ...ended };
  });
}

/**
 * Moves the account to the address a change-of-address token was sent to,
 * in ONE batch: the spend (only while no account holds that address), an
 * `auth_events` row naming both addresses, everything set up before this
 * first proof of the new address ends (db/unprovenCredentials.ts: every
 * credential and every login of the account, all of which predate it), the
 * new address set and marked verified, and every other outstanding token of
 * the user retired (they were addressed to the old mailbox, or to another
 * requested address).
 */
export function confirmEmailChange(db: D1Database, spend: Spend, logins: EndLogins): Promise<{ changed: boolean } & ProofEnded> {
  return guard("confirmEmailChange", async () => {
    const end = endUnprovenCredentialsStatements(db, {
      userId: logins.userId,
      // A new address is always proven here for the first time for this account.
      when: { sql: SPENT_BY_US, binds: [spend.tokenHash, spend.nonce] },
      logins: { notBeforeMs: logins.notBeforeMs, stampExpiresAt: logins.stampExpiresAt, now: spend.now, reason: "email_changed", legacySessions: await hasLegacySessionTable(db) },
    });
    const results = await db.batch([
      spendStatement(db, spend, "change_email", `NOT EXISTS (SELECT 1 FROM users WHERE email = email_tokens.email)`),
      db
        .prepare(
          `INSERT INTO auth_events (user_id, kind, detail, created_at)
           SELECT t.user_id, 'email_changed', json_object('from', u.email, 'to', t.email), ?3
             FROM email_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = ?1 AND t.consumed_by = ?2`,
        )
        .bind(spend.tokenHash, spend.nonce, spend.now),
      ...end.statements,
      db
        .prepare(
          `UPDATE users SET email = (SELECT email FROM email_tokens WHERE token_hash = ?1 AND consumed_by = ?2),
                            email_verified_at = ?3, updated_at = ?3
            WHERE id = ${SPENT_USER}`,
        )
        .bind(spend.tokenHash, spend.nonce, spend.now),
      supersedeOthers(db, spend, ["password_reset", "verify_email", "change_email"]),
    ]);
    return { changed: (results[0]?.meta.changes ?? 0) === 1, ...end.read(results.slice(2, 2 + end.statements.length)) };
  });
}
