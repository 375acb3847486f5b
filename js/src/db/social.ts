/**
 * The social() plugin's tables (issue 22, migration 0011): sign-ins in flight
 * (social_states), linked provider accounts (social_identities) and finished
 * sign-ins waiting for the page (social_tickets). See social/linking.ts for
 * the rules these statements enforce.
 */
import { DatabaseError, guard, isUniqueViolation } from "./errors";

/** The password_hash of an account made by a provider sign-in: no password can match it (passwords.ts). */
export const NO_PASSWORD = "!no-password";

export interface SocialState {
  provider: string;
  codeVerifier: string;
  nonce: string;
  redirectTo: string;
  /** The signed-in user linking a provider; null for a sign-in. */
  userId: string | null;
}

export function createSocialState(
  db: D1Database,
  state: SocialState & { stateHash: string; bindingHash: string; now: number; expiresAt: number },
): Promise<void> {
  return guard("createSocialState", async () => {
    await db
      .prepare(
        `INSERT INTO social_states (state_hash, provider, binding_hash, code_verifier, nonce, redirect_to, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
      )
      .bind(state.stateHash, state.provider, state.bindingHash, state.codeVerifier, state.nonce, state.redirectTo, state.userId, state.now, state.expiresAt)
      .run();
  });
}

/**
 * Spends a sign-in in flight: the row must be this provider's, unexpired,
 * unused, and bound to this browser (its cookie's hash). One statement, so two
 * callbacks with the same state cannot both get it. null: refused.
 */
export function spendSocialState(db: D1Database, query: { stateHash: string; bindingHash: string; provider: string; now: number }): Promise<SocialState | null> {
  return guard("spendSocialState", async () => {
    const row = await db
      .prepare(
        `UPDATE social_states SET used_at = ?4
          WHERE state_hash = ?1 AND binding_hash = ?2 AND provider = ?3 AND used_at IS NULL AND expires_at > ?4
          RETURNING provider, code_verifier, nonce, redirect_to, user_id`,
      )
      .bind(query.stateHash, query.bindingHash, query.provider, query.now)
      .first<{ provider: string; code_verifier: string; nonce: string; redirect_to: string; user_id: string | null }>();
    return row ? { provider: row.provider, codeVerifier: row.code_verifier, nonce: row.nonce, redirectTo: row.redirect_to, userId: row.user_id } : null;
  });
}

export interface SocialIdentity {
  provider: string;
  subject: string;
  userId: string;
  email: string | null;
  emailVerified: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

interface IdentityRow {
  provider: string;
  subject: string;
  user_id: string;
  email: string | null;
  email_verified: number;
  created_at: number;
  last_used_at: number | null;
}

const identityOf = (row: IdentityRow): SocialIdentity => ({
  provider: row.provider,
  subject: row.subject,
  userId: row.user_id,
  email: row.email,
  emailVerified: row.email_verified === 1,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

/** The account a provider subject is linked to (the only way sign-in finds one: never by email). */
export function findSocialIdentity(db: D1Database, provider: string, subject: string): Promise<SocialIdentity | null> {
  return guard("findSocialIdentity", async () => {
    const row = await db.prepare(`SELECT * FROM social_identities WHERE provider = ?1 AND subject = ?2`).bind(provider, subject).first<IdentityRow>();
    return row ? identityOf(row) : null;
  });
}

export function listSocialIdentities(db: D1Database, userId: string): Promise<SocialIdentity[]> {
  return guard("listSocialIdentities", async () => {
    const { results } = await db.prepare(`SELECT * FROM social_identities WHERE user_id = ?1 ORDER BY created_at, provider`).bind(userId).all<IdentityRow>();
    return results.map(identityOf);
  });
}

export function touchSocialIdentity(db: D1Database, provider: string, subject: string, now: number): Promise<void> {
  return guard("touchSocialIdentity", async () => {
    await db.prepare(`UPDATE social_identities SET last_used_at = ?3 WHERE provider = ?1 AND subject = ?2`).bind(provider, subject, now).run();
  });
}

export type LinkResult = { ok: true } | { ok: false; reason: "taken" };

function linkStatements(db: D1Database, identity: Omit<SocialIdentity, "lastUsedAt">, automatic: boolean): D1PreparedStatement[] {
  return [
    db
      .prepare(`INSERT INTO social_identities (provider, subject, user_id, email, email_verified, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)`)
      .bind(identity.provider, identity.subject, identity.userId, identity.email, identity.emailVerified ? 1 : 0, identity.createdAt),
    db
      .prepare(`INSERT INTO auth_events (user_id, kind, detail, created_at) VALUES (?1, 'social_linked', ?2, ?3)`)
      .bind(identity.userId, JSON.stringify({ provider: identity.provider, email: identity.email, automatic }), identity.createdAt),
  ];
}

/**
 * Links a provider subject to an account, with its auth_events row, in one
 * batch. "taken": the subject is linked already (to any account), or the
 * account has an identity of this provider (the table's two UNIQUE keys).
 */
export function linkSocialIdentity(db: D1Database, identity: Omit<SocialIdentity, "lastUsedAt">, automatic: boolean): Promise<LinkResult> {
  return guardUnique("linkSocialIdentity", () => db.batch(linkStatements(db, identity, automatic)));
}

/**
 * A new account made by a provider sign-in, verified when the provider
 * verified the address (else the caller does not get here), with its
 * identity and the event, in one batch. "taken": the email (a concurrent
 * registration) or the subject (a concurrent callback) won the race.
 */
export function createSocialUser(
  db: D1Database,
  user: { id: string; email: string; name: string; now: number },
  identity: Omit<SocialIdentity, "lastUsedAt" | "userId" | "createdAt">,
): Promise<LinkResult> {
  return guardUnique("createSocialUser", () =>
    db.batch([
      db
        .prepare(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at, email_verified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)`)
        .bind(user.id, user.email, user.name, NO_PASSWORD, user.now),
      ...linkStatements(db, { ...identity, userId: user.id, createdAt: user.now }, false),
    ]),
  );
}

async function guardUnique(operation: string, run: () => Promise<unknown>): Promise<LinkResult> {
  try {
    await run();
    return { ok: true };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "taken" };
    throw new DatabaseError(operation, err);
  }
}

/**
 * Unlinks a provider, only if the account keeps another way to sign in: a
 * password, a passkey or another provider. The condition is part of the
 * DELETE, so two concurrent unlinks of an account's last two providers
 * cannot both pass. Then the auth_events row, when a row went.
 * "last": refused; "absent": no such link.
 */
export function unlinkSocialIdentity(db: D1Database, userId: string, provider: string, now: number): Promise<"unlinked" | "last" | "absent"> {
  return guard("unlinkSocialIdentity", async () => {
    const removed = await db
      .prepare(
        `DELETE FROM social_identities
          WHERE user_id = ?1 AND provider = ?2
            AND (EXISTS (SELECT 1 FROM users WHERE id = ?1 AND password_hash NOT LIKE '!%')
              OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1)
              OR EXISTS (SELECT 1 FROM social_identities WHERE user_id = ?1 AND provider <> ?2))
          RETURNING email`,
      )
      .bind(userId, provider)
      .first<{ email: string | null }>();
    if (removed) {
      await db
        .prepare(`INSERT INTO auth_events (user_id, kind, detail, created_at) VALUES (?1, 'social_unlinked', ?2, ?3)`)
        .bind(userId, JSON.stringify({ provider, email: removed.email }), now)
        .run();
      return "unlinked";
    }
    const linked = await db.prepare(`SELECT 1 AS x FROM social_identities WHERE user_id = ?1 AND provider = ?2`).bind(userId, provider).first();
    return linked ? "last" : "absent";
  });
}

export function createSocialTicket(db: D1Database, ticket: { hash: string; userId: string; provider: string; now: number; expiresAt: number }): Promise<void> {
  return guard("createSocialTicket", async () => {
    await db
      .prepare(`INSERT INTO social_tickets (ticket_hash, user_id, provider, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)`)
      .bind(ticket.hash, ticket.userId, ticket.provider, ticket.now, ticket.expiresAt)
      .run();
  });
}

/** Spends a ticket once (unused, unexpired): its user and provider, or null. */
export function spendSocialTicket(db: D1Database, hash: string, now: number): Promise<{ userId: string; provider: string } | null> {
  return guard("spendSocialTicket", async () => {
    const row = await db
      .prepare(`UPDATE social_tickets SET used_at = ?2 WHERE ticket_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING user_id, provider`)
      .bind(hash, now)
      .first<{ user_id: string; provider: string }>();
    return row ? { userId: row.user_id, provider: row.provider } : null;
  });
}
