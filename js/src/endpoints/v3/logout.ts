import { deleteSession, revokeAllForUser, revokeJwt } from "../../db";
import { MAX_TTL_SECONDS } from "../../config";
import { noteRevokedJti, noteUserNotBefore } from "../../lifecycle/revocation";
import type { AppContext } from "../../types";

/**
 * POST /auth/logout → ends the presented token.
 *
 * A session token is deleted from D1 and stops working at once.
 * A JWT's `jti` is deny-listed until its `exp`, and the refresh family it was
 * minted for (`sid`) is revoked, in one batch. This isolate refuses the JWT at
 * once; other isolates within REVOCATION_CACHE_SECONDS (at once with
 * REVOCATION=strict).
 */
export async function logout(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const db = c.env.GENERAL_DB;
  if (principal.kind === "session") {
    await deleteSession(db, principal.sessionTokenHash);
    return c.json({ logged_out: true, token_type: "session", revoked: true });
  }
  if (principal.jti === undefined) {
    // Not one of ours (we always set jti): nothing to deny-list it by.
    return c.json({
      logged_out: true,
      token_type: "jwt",
      revoked: false,
      message: "this JWT has no jti and stays valid until it expires; discard it on the client",
    });
  }
  const now = Math.floor(Date.now() / 1000);
  await revokeJwt(db, { jti: principal.jti, expiresAt: principal.expiresAt, familyId: principal.sid ?? null, userId: principal.user.id }, now);
  noteRevokedJti(principal.jti, principal.expiresAt);
  return c.json({ logged_out: true, token_type: "jwt", revoked: true, refresh_family_revoked: principal.sid !== undefined });
}

/**
 * POST /auth/logout-all → ends every session and refresh family of the user
 * and refuses every JWT of theirs issued up to now (a per-user "not before"
 * stamp, kept as long as any such JWT could still be unexpired).
 */
export async function logoutAll(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const stampExpiresAt = now + MAX_TTL_SECONDS;
  const { sessions, families } = await revokeAllForUser(c.env.GENERAL_DB, { userId: principal.user.id, notBeforeMs: nowMs, stampExpiresAt }, now);
  noteUserNotBefore(principal.user.id, nowMs, stampExpiresAt);
  return c.json({ logged_out: true, sessions_ended: sessions, refresh_families_revoked: families, not_before_ms: nowMs });
}
