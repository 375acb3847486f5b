import { deleteUserSession, findLiveLogin, listLogins, revokeFamily, revokeOtherLogins } from "../../db";
import { HttpError } from "../../errors";
import { currentLoginOf, isLoginId, loginView } from "../../lifecycle/sessions";
import type { RevokeOthersResponseBody, SessionRevokedResponseBody, SessionsResponseBody } from "../../api/responses";
import type { AppContext } from "../../types";

/**
 * GET /auth/sessions → {sessions: [...]}: the user's live logins, both kinds
 * (refresh families in JWT mode, session tokens), the current one first.
 * See lifecycle/sessions.ts loginView for the fields.
 */
export async function listSessions(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const current = currentLoginOf(principal);
  const logins = await listLogins(c.get("db"), {
    userId: principal.user.id,
    now: Math.floor(Date.now() / 1000),
    familyMaxAge: c.get("config").refreshFamilyMaxAge,
    currentFamilyId: current.familyId,
    currentSessionHash: current.sessionHash,
  });
  return c.json({ sessions: logins.map(loginView) } satisfies SessionsResponseBody);
}

/**
 * DELETE /auth/sessions/:id → ends one login of the user.
 *  - a refresh family: revokeFamily, the same transaction as a logout (the
 *    family and a `sid` row), so its refresh token and every JWT it minted
 *    are refused; this isolate at once, the others within
 *    REVOCATION_CACHE_SECONDS;
 *  - a session: deleted.
 * An id that is not the user's live login (another user's, a revoked or
 * expired one, a replayed id, garbage) answers the same 404.
 */
export async function revokeSession(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const db = c.get("db");
  const id = c.req.param("id") ?? "";
  const notFound = () => new HttpError(404, "not_found", "no such sign-in");
  if (!isLoginId(id)) throw notFound();
  const now = Math.floor(Date.now() / 1000);
  const login = await findLiveLogin(db, { userId: principal.user.id, id, now });
  if (!login) throw notFound();
  const current = currentLoginOf(principal);
  if (login.kind === "jwt") {
    const { rows, revoked } = await revokeFamily(db, { familyId: login.familyId, userId: principal.user.id, reason: "revoked" }, now);
    c.get("auth").revocationSource.note(rows);
    // Revoked meanwhile by another request: for this caller it is gone all the same.
    if (!revoked) throw notFound();
    return c.json({ revoked: true, id, kind: "jwt", current: login.familyId === current.familyId } satisfies SessionRevokedResponseBody);
  }
  if (!(await deleteUserSession(db, principal.user.id, login.tokenHash))) throw notFound();
  return c.json({ revoked: true, id, kind: "session", current: login.tokenHash === current.sessionHash } satisfies SessionRevokedResponseBody);
}

/**
 * POST /auth/sessions/revoke-others → ends every login of the user but the
 * one making the request, in one transaction (db/revocations.ts
 * revokeOtherLogins): families revoked with their `sid` rows, sessions
 * deleted. Answers which logins ended.
 */
export async function revokeOtherSessions(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  const current = currentLoginOf(principal);
  const now = Math.floor(Date.now() / 1000);
  const ended = await revokeOtherLogins(
    c.get("db"),
    { userId: principal.user.id, keepFamilyId: current.familyId, keepSessionHash: current.sessionHash, reason: "revoke_others" },
    now,
  );
  c.get("auth").revocationSource.note(ended.rows);
  return c.json({ revoked: ended.families.length + ended.sessions.length, ended: [...ended.families, ...ended.sessions] } satisfies RevokeOthersResponseBody);
}
