import { findRefreshToken, revokeFamily, rotateRefreshToken } from "../../db";
import { HttpError, badRequest, unauthorized } from "../../errors";
import { refreshTransportOf } from "../../lifecycle/refreshTransport";
import type { RouteInput } from "../../http/schema";
import type { RefreshBody } from "../../api/requests";
import { enforceRateLimits, clientIpKey } from "../../lifecycle/rateLimit";
import { familyDeadline, isRefreshTokenShape, newRefreshToken } from "../../lifecycle/refreshTokens";
import { jwtLifetimes, sightingOf } from "../../lifecycle/logins";
import { jwtIssuerFor, observe, scopeOf } from "../../scope";
import { sha256Hex } from "../../utils/encoding";
import type { AppContext } from "../../types";
import type { LoginResponse } from "../../lifecycle/loginTokens";

/**
 * POST /auth/refresh {refresh_token} → a new access JWT and a new refresh
 * token; the presented one is retired (rotation).
 *
 *  - unknown, expired or revoked            → 401 invalid_refresh_token
 *  - its login is older than REFRESH_FAMILY_MAX_AGE → 401 refresh_family_expired
 *  - retired less than REFRESH_REUSE_GRACE_SECONDS ago (a concurrent tab, a
 *    retried request)                        → 409 refresh_token_rotated; nothing revoked
 *  - retired longer ago: someone replays an old token, so it was copied →
 *    the whole family is revoked            → 401 refresh_token_reused
 *
 * Rotation is one compare-and-set batch (see rotateRefreshToken), so two
 * concurrent refreshes of one token produce exactly one successor. The new
 * JWT is signed before that batch and recorded on the family by it, and is
 * only handed out if the batch rotated: so a family that is revoked later
 * (its `sid` row) covers this JWT too, whatever request races with which.
 */
export async function refresh(c: AppContext, input: RouteInput<RefreshBody, never>): Promise<Response> {
  const config = c.get("config");
  const db = c.get("db");
  /** Cookie mode: the token came from the refresh cookie, which a 401 then clears (a 409 must not: another tab just set the new one). */
  let fromCookie = false;
  const transport = refreshTransportOf(c);
  const fail = (reason: string, error: HttpError): never => {
    observe(scopeOf(c), c, { kind: "failed", reason });
    throw fromCookie && error.status === 401 ? transport.refuse(c, error) : error;
  };

  // Cookie mode (issue 15). The CSRF checks come first, so a page of another
  // origin learns nothing about the cookie and cannot make us clear it.
  const cookie = transport.read(c);
  if (cookie.kind === "invalid") throw transport.refuse(c, new HttpError(400, "invalid_cookie", cookie.message));
  const { refresh_token: bodyToken } = await input.body();
  if (cookie.kind === "present" && bodyToken !== undefined) {
    throw new HttpError(400, "refresh_token_ambiguous", "send the refresh token in the cookie or in the body, not both");
  }
  fromCookie = cookie.kind === "present";
  const presented = cookie.kind === "present" ? cookie.token : bodyToken;
  if (presented === undefined) throw badRequest("missing_field", "refresh_token is required");
  await enforceRateLimits(db, [{ name: "refresh:ip", rule: config.rateLimits.refreshPerIp, subject: clientIpKey(c) }]);
  if (config.mode !== "jwt") {
    return fail("refresh_without_jwt", unauthorized("invalid_refresh_token", "refresh tokens need JWT mode (JWT_SECRET)"));
  }
  const invalid = () => unauthorized("invalid_refresh_token", "the refresh token is invalid, expired or revoked");
  if (!isRefreshTokenShape(presented)) return fail("invalid_refresh_token", invalid());

  const oldHash = await sha256Hex(presented);
  const now = Math.floor(Date.now() / 1000);
  let record = await findRefreshToken(db, oldHash);
  if (!record || record.familyRevokedAt !== null) return fail("invalid_refresh_token", invalid());
  // The family's absolute end: checked before the token's own expiry, which
  // rotation caps at it, so the client learns why and logs in again.
  const deadline = familyDeadline(record.familyCreatedAt, config.refreshFamilyMaxAge);
  if (record.usedAt === null && now >= deadline) {
    return fail("refresh_family_expired", unauthorized("refresh_family_expired", "this login is older than REFRESH_FAMILY_MAX_AGE; log in again"));
  }
  if (record.expiresAt <= now) return fail("invalid_refresh_token", invalid());

  const newToken = newRefreshToken();
  // The login's "remember me" lifetime, capped at its deadline (issue 14 §5).
  const { accessTtl, refreshExpiresAt: expiresAt } = jwtLifetimes(config, record.remember, now, record.familyCreatedAt);
  if (record.usedAt === null) {
    const user = { id: record.userId, email: record.email, name: record.name };
    const jwt = jwtIssuerFor(c).issue(user, accessTtl, { sid: record.familyId, authTime: record.authenticatedAt, emailVerified: record.emailVerified });
    const access = { expiresAt: jwt.expiresAt, iatMs: jwt.iatMs };
    const seen = sightingOf(c, now);
    const { rotated } = await rotateRefreshToken(db, { oldHash, newHash: await sha256Hex(newToken), now, expiresAt, access, seen });
    if (rotated) {
      observe(scopeOf(c), c, { kind: "refresh", reason: "" });
      const response: LoginResponse = {
        token: jwt.token,
        token_type: "jwt",
        expires_at: jwt.expiresAt,
        user,
        refresh_token: newToken,
        refresh_expires_at: expiresAt,
      };
      // The family's "remember me" choice: a session cookie stays one (issue 19 §5).
      return transport.answer(c, response, fromCookie ? "cookie" : "body", record.remember);
    }
    // Lost the race (or the family was revoked meanwhile): look again.
    record = await findRefreshToken(db, oldHash);
    if (!record || record.familyRevokedAt !== null || record.usedAt === null) return fail("invalid_refresh_token", invalid());
  }

  if (now - record.usedAt <= config.refreshReuseGrace) {
    return fail(
      "refresh_token_rotated",
      new HttpError(409, "refresh_token_rotated", "this refresh token was just rotated by another request; use the newest refresh token you hold"),
    );
  }
  c.get("auth").revocationSource.note((await revokeFamily(db, { familyId: record.familyId, userId: record.userId, reason: "reuse" }, now)).rows);
  console.warn(`[hybrid-auth] refresh token reuse: family ${record.familyId} of user ${record.userId} revoked`);
  return fail("refresh_token_reused", unauthorized("refresh_token_reused", "this refresh token was already used; every token of its login is now revoked, log in again"));
}
