import { deleteSession, denyJti, revokeAllForUser, revokeFamily } from "../../db";
import { stampLifetime } from "../../config";
import { countPasskeys } from "../../db/passkeyCount";
import type { AppContext } from "../../types";
// Cookie mode (issue 15): every successful logout also deletes the refresh cookie.
import { refreshTransportOf } from "../../lifecycle/refreshTransport";

/**
 * POST /auth/logout → ends the presented token.
 *
 * A session token is deleted from D1 and stops working at once.
 * A JWT ends its whole login: the refresh family it was minted for (`sid`) is
 * revoked together with a `sid` revocation row, in one batch, so its refresh
 * token and every JWT of that login (the first one and each refreshed one)
 * are refused, and no per-JWT row is written. This isolate refuses them at
 * once; other isolates within REVOCATION_CACHE_SECONDS (at once with
 * REVOCATION=strict). Only a JWT without `sid` (minted before refresh
 * families existed) is deny-listed by its `jti` until its `exp`.
 */
export async function logout(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const db = c.get("db");
  if (principal.kind === "session") {
    await deleteSession(db, principal.sessionTokenHash);
    refreshTransportOf(c).clear(c);
    return c.json({ logged_out: true, token_type: "session", revoked: true });
  }
  if (principal.jti === undefined) {
    // Not one of ours (we always set jti): nothing to deny-list it by.
    refreshTransportOf(c).clear(c);
    return c.json({
      logged_out: true,
      token_type: "jwt",
      revoked: false,
      message: "this JWT has no jti and stays valid until it expires; discard it on the client",
    });
  }
  const now = Math.floor(Date.now() / 1000);
  if (principal.sid === undefined) {
    c.get("auth").revocationSource.note((await denyJti(db, { jti: principal.jti, expiresAt: principal.expiresAt }, now)).rows);
    refreshTransportOf(c).clear(c);
    return c.json({ logged_out: true, token_type: "jwt", revoked: true, refresh_family_revoked: false });
  }
  const { rows } = await revokeFamily(db, { familyId: principal.sid, userId: principal.user.id, reason: "logout" }, now);
  c.get("auth").revocationSource.note(rows);
  if (rows.length === 0) {
    // The family was revoked already (by another isolate whose row this one
    // has not read yet): D1 holds its row; refuse the JWT here at once too.
    c.get("auth").revocationSource.note([{ seq: 0, kind: "sid", subject: principal.sid, userId: principal.user.id, notBeforeMs: principal.issuedAtMs, expiresAt: principal.expiresAt }]);
  }
  refreshTransportOf(c).clear(c);
  return c.json({ logged_out: true, token_type: "jwt", revoked: true, refresh_family_revoked: true });
}

/**
 * POST /auth/logout-all → ends every session and refresh family of the user,
 * and every JWT of theirs: those of each family by its `sid` row (which also
 * covers a refresh racing this request, see revokeAllForUser), those without
 * `sid` (accepted only under acceptLegacyTokens) by a per-user "not before"
 * stamp, kept as long as any such JWT could still be unexpired: a year with
 * acceptLegacyTokens, one access-token lifetime without (config.ts stampLifetime).
 */
export async function logoutAll(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const stampExpiresAt = now + stampLifetime(c.get("config"));
  // Passkeys survive logout-all (they are credentials, not sessions): say how
  // many there are, so the page can offer to review them after a suspected theft.
  // Read BEFORE the revocation, so a failed read leaves nothing half-done (503, nothing revoked).
  const passkeys = await countPasskeys(c.get("db"), principal.user.id);
  const { sessions, families, rows } = await revokeAllForUser(c.get("db"), { userId: principal.user.id, notBeforeMs: nowMs, stampExpiresAt }, now);
  c.get("auth").revocationSource.note(rows);
  refreshTransportOf(c).clear(c);
  return c.json({ logged_out: true, sessions_ended: sessions, refresh_families_revoked: families, not_before_ms: nowMs, passkeys });
}
