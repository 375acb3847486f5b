/**
 * Account pre-hijacking (issue 19 §1): what was set up while an address was
 * unproven ends at that address's FIRST proof.
 *
 * Whoever held the account before its address was proven (someone who
 * registered victim@ first, or who moved their own account to victim@ and got
 * the confirm link opened) may have added ways back in. The first proof of
 * the address (a verification link, a change-of-address confirmation, or a
 * password reset that reaches an unproven address) is made by the mailbox's
 * owner, who holds the link; so in the SAME batch as that proof:
 *  - every credential of the account is deleted (passkeys, a TOTP factor with its recovery codes and held logins);
 *  - every login of the account ends: refresh families with their `sid`
 *    rows, a per-user "not before" stamp for the JWTs, sessions, unclaimed
 *    seed-era sessions (revokeAllForUserStatements). None is kept: the proof
 *    is not a sign-in, so no login is the prover's own.
 *
 * This is THE place for it: a new kind of credential or linked sign-in (a
 * TOTP secret, recovery codes, a linked OAuth identity) must add its DELETE
 * to credentialStatements below, or pre-hijacking comes back through it.
 */
import { revokeAllForUserStatements } from "./revocations";
import type { RevocationWrite } from "./revocations";

/**
 * When the credentials go: a SQL boolean expression evaluated inside the
 * proof's batch (typically "this request spent the token, and the address
 * was still unproven"), with its own bound values `binds`, numbered ?1..?n.
 */
export interface ProofCondition {
  sql: string;
  binds: readonly unknown[];
}

export interface EndUnproven {
  userId: string;
  /** The in-transaction guard of the credential deletes. */
  when: ProofCondition;
  /** The login revocation (the caller decides, before the batch, that this is a first proof). */
  logins: { notBeforeMs: number; stampExpiresAt: number; now: number; reason: string; legacySessions: boolean };
}

/** One DELETE per kind of credential, each guarded by `when`, for the user bound last. */
function credentialStatements(db: D1Database, userId: string, when: ProofCondition): D1PreparedStatement[] {
  const userParam = `?${when.binds.length + 1}`;
  const guarded = (table: string) => db.prepare(`DELETE FROM ${table} WHERE user_id = ${userParam} AND (${when.sql})`).bind(...when.binds, userId);
  return [
    guarded("passkeys"),
    // A second factor enrolled by whoever held the account first would lock the owner out (migration 0009).
    guarded("totp_credentials"),
    guarded("totp_recovery_codes"),
    guarded("totp_tickets"),
    // A provider linked by whoever held the account first would let them sign in after the owner's proof (migration 0011),
    // and so would a link of theirs still in flight.
    guarded("social_identities"),
    guarded("social_states"),
    guarded("social_tickets"),
    // Later second factors and linked providers: one guarded(...) line each.
  ];
}

/**
 * The statements that end what was set up while the address was unproven,
 * for the proof's own batch; they must run BEFORE the statement that marks
 * the address verified (their guard usually reads `email_verified_at IS NULL`).
 * `read` takes the results of exactly these statements, in order.
 */
export function endUnprovenCredentialsStatements(
  db: D1Database,
  end: EndUnproven,
): { statements: D1PreparedStatement[]; read: (results: D1Result[]) => RevocationWrite & { sessions: number; families: number; credentials: number } } {
  const credentials = credentialStatements(db, end.userId, end.when);
  const { logins } = end;
  const revokeAll = revokeAllForUserStatements(
    db,
    { userId: end.userId, notBeforeMs: logins.notBeforeMs, stampExpiresAt: logins.stampExpiresAt },
    logins.now,
    logins.reason,
    logins.legacySessions,
  );
  return {
    statements: [...credentials, ...revokeAll.statements],
    read: (results) => ({
      credentials: results.slice(0, credentials.length).reduce((n, r) => n + (r?.meta.changes ?? 0), 0),
      ...revokeAll.read(results.slice(credentials.length)),
    }),
  };
}
