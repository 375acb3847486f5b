import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import { claimLegacySession, findSessionUser, hasLegacySessions, touchSession } from "../db";
import { unauthorized } from "../errors";
import { sha256Hex } from "../utils/encoding";
import { isJWT } from "../utils/jwt";
import type { AppContext, AppEnv, Principal } from "../types";
import type { Config } from "../config";
export type { AuthScope };
import { issuerOf, observe, scopeOf, waitUntilOf } from "../scope";
import type { AuthScope } from "../scope";

/**
 * Why a request is not authenticated. Kept separate from the HTTP answer so
 * callers and the usage counters can tell the cases apart.
 */
export type AuthFailure =
  | "missing" // no Authorization header
  | "malformed_header" // not exactly `Bearer <token>`
  | "jwt_not_accepted" // JWT-shaped, but no JWT_SECRET is configured
  | "invalid_jwt" // bad signature, expired, wrong key, bad claims, no `sid` (missing_sid)...
  | "revoked_jwt" // valid, but logged out (jti denied, or issued before a logout-all)
  | "not_a_session_token" // neither JWT-shaped nor a UUID: rejected without a query
  | "session_auth_disabled" // a session token while SESSION_AUTH=off: rejected without a query
  | "unknown_session"; // no such session, or it has expired

/**
 * `legacy`: an access JWT of the seed era (no typ/iss/aud), or a bound one
 * without `sid` (minted before refresh families), accepted only under
 * `acceptLegacyTokens`; counted apart in the usage report so the operator sees
 * when the option can go.
 */
export type AuthOutcome = { ok: true; principal: Principal; legacy?: true } | { ok: false; reason: AuthFailure; detail?: string };

/** The usage reason under which accepted legacy JWTs are counted (kind "jwt"). */
export const LEGACY_JWT_REASON = "legacy";

// RFC 6750 §2.1: `Bearer` SP b64token. The scheme is case-insensitive
// (RFC 9110 §11.1); exactly one space; the token is 1+ b64token characters
// with nothing after it. (Leading/trailing whitespace of the whole value is
// already stripped by the Fetch Headers object before we see it.)
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
/** Tokens we issue are < 1 KiB; the bound keeps hashing and regexes cheap. */
const MAX_AUTHORIZATION_LENGTH = 4096;
/** crypto.randomUUID(): lower-case UUID v4. Nothing else can be a session token. */
const SESSION_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Extracts the token of `Authorization: Bearer <token>`, or says why not. */
export function parseBearer(header: string | undefined): { ok: true; token: string } | { ok: false; reason: "missing" | "malformed_header" } {
  if (header === undefined || header === "") return { ok: false, reason: "missing" };
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, reason: "malformed_header" };
  const match = BEARER.exec(header);
  if (!match?.[1]) return { ok: false, reason: "malformed_header" };
  return { ok: true, token: match[1] };
}

/**
 * The one authentication routine for both token kinds.
 *
 * `isJWT` routes the token before any work is done, so a session token never
 * costs a signature check:
 *  - JWT-shaped  → verified by the wasm key ring (only if JWT_SECRET is set),
 *                  then checked against revocations: from the isolate's
 *                  snapshot (REVOCATION=cached, no D1 query while the snapshot
 *                  is fresh) or from D1 (REVOCATION=strict, one query).
 *  - UUID v4     → one D1 query: SHA-256 of the token joined with its user,
 *                  unexpired. With SESSION_AUTH=off: refused without a query.
 *  - anything else → rejected with no work at all.
 */
export async function authenticate(scope: AuthScope, authorization: string | undefined): Promise<AuthOutcome> {
  const parsed = parseBearer(authorization);
  if (!parsed.ok) return parsed;
  const { token } = parsed;
  const { config, db, auth } = scope;

  if (isJWT(token)) {
    if (config.mode !== "jwt") return { ok: false, reason: "jwt_not_accepted" };
    const checked = await issuerOf(scope).verify(token);
    if (!checked.ok) return { ok: false, reason: "invalid_jwt", detail: checked.reason };
    const { id, email, name, exp, iat, iatMs, jti, sid, kid, authTime, emailVerified, legacy } = checked.identity;
    if (await auth.revocationSource.isRevoked(db, config, checked.identity)) return { ok: false, reason: "revoked_jwt" };
    const principal: Principal = { kind: "jwt", user: { id, email, name }, expiresAt: exp, issuedAt: iat, issuedAtMs: iatMs, kid, jti };
    if (sid !== undefined) principal.sid = sid;
    if (authTime !== undefined) principal.authTime = authTime;
    if (emailVerified !== undefined) principal.emailVerified = emailVerified;
    return legacy ? { ok: true, principal, legacy: true } : { ok: true, principal };
  }

  if (!SESSION_TOKEN.test(token)) return { ok: false, reason: "not_a_session_token" };
  if (config.sessionAuth.mode === "off") return { ok: false, reason: "session_auth_disabled" };
  const sessionTokenHash = await sha256Hex(token);
  const now = Math.floor(Date.now() / 1000);
  const session = (await findSessionUser(db, sessionTokenHash, now)) ?? (await claimLegacy(scope, token, sessionTokenHash, now));
  if (!session) return { ok: false, reason: "unknown_session" };
  return {
    ok: true,
    principal: {
      kind: "session",
      user: { id: session.userId, email: session.email, name: session.name },
      expiresAt: session.expiresAt,
      sessionTokenHash,
      authTime: session.createdAt,
      lastUsedAt: session.lastUsedAt ?? session.createdAt,
      ...(session.emailVerified === undefined ? {} : { emailVerified: session.emailVerified }),
    },
  };
}

/**
 * How stale a session's "last used" may get (issue 14 §1): a session request
 * older than this since the last touch records its use, after the response.
 * So "last used" is exact to within 5 minutes and costs one write per
 * session per 5 minutes at most, never one per request.
 */
export const SESSION_TOUCH_SECONDS = 300;

/**
 * A seed-era session (bin/hybrid-auth.mjs upgrade-seed moved the raw-UUID
 * table to legacy_sessions): on first use it is moved into `sessions` as its
 * hash, so it keeps working and the raw token leaves the database. Whether
 * the table exists is asked once per instance, and only on a miss.
 */
async function claimLegacy(scope: AuthScope, token: string, tokenHash: string, now: number) {
  const { auth, db } = scope;
  if (auth.legacySessions === undefined) auth.legacySessions = await hasLegacySessions(db);
  return auth.legacySessions ? claimLegacySession(db, token, tokenHash, now) : null;
}

const MESSAGES: Record<AuthFailure, string> = {
  missing: "an Authorization: Bearer token is required",
  malformed_header: "the Authorization header must be exactly: Bearer <token>",
  jwt_not_accepted: "the token is invalid or expired",
  invalid_jwt: "the token is invalid or expired",
  revoked_jwt: "the token is invalid or expired",
  not_a_session_token: "the token is invalid or expired",
  session_auth_disabled: "session tokens are no longer accepted; log in again to get a new token",
  unknown_session: "the token is invalid or expired",
};

/** The usage reason of a failure: the core's reason for a refused JWT ("expired", "bad_signature", ...). */
function usageReason(outcome: { reason: AuthFailure; detail?: string }): string {
  return outcome.reason === "invalid_jwt" && outcome.detail ? `jwt_${outcome.detail}` : outcome.reason;
}

/** Phase 3 headers for a response authenticated by a session token (RFC 9745, RFC 8594). */
export function sessionDeprecationHeaders(config: Config, nowMs: number = Date.now()): Record<string, string> {
  if (config.sessionAuth.mode !== "deprecated") return {};
  const deprecatedAt = config.sessionAuth.deprecatedAt ?? Math.floor(nowMs / 1000);
  const headers: Record<string, string> = { Deprecation: `@${deprecatedAt}` };
  if (config.sessionAuth.sunset !== null) headers.Sunset = new Date(config.sessionAuth.sunset * 1000).toUTCString();
  return headers;
}


/**
 * Route guard: runs authenticate() and answers 401 unless it succeeds; the
 * principal is then available as c.get("principal"). Counts the outcome for
 * the usage report (flushed after the response, never on its path) and adds
 * the deprecation headers to session-authenticated responses.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const principal = await authenticateOrThrow(scopeOf(c), c);
  c.set("principal", principal);
  await next();
  if (principal.kind === "session") {
    for (const [name, value] of Object.entries(sessionDeprecationHeaders(c.get("config")))) c.header(name, value);
  }
});

/**
 * authenticate() plus what every guarded request does with the outcome:
 * count it for the usage report (flushed after the response, never on its
 * path) and turn a failure into the 401 with its stable code.
 */
export async function authenticateOrThrow(scope: AuthScope, c: Context): Promise<Principal> {
  const outcome = await authenticate(scope, c.req.header("Authorization"));
  const reason = outcome.ok ? (outcome.legacy ? LEGACY_JWT_REASON : "") : usageReason(outcome);
  observe(scope, c, { kind: outcome.ok ? outcome.principal.kind : "failed", reason });
  if (outcome.ok && outcome.principal.kind === "session") {
    const { sessionTokenHash, lastUsedAt } = outcome.principal;
    const now = Math.floor(Date.now() / 1000);
    if (lastUsedAt === undefined || now - lastUsedAt >= SESSION_TOUCH_SECONDS) {
      // Best effort: a failed touch only leaves "last used" older.
      const touch = touchSession(scope.db, sessionTokenHash, now).catch((err: unknown) =>
        console.error("[hybrid-auth] recording a session's last use failed", err instanceof Error ? err.message : err),
      );
      const waitUntil = waitUntilOf(c);
      if (waitUntil) waitUntil(touch);
    }
  }
  if (!outcome.ok) {
    if (outcome.reason === "session_auth_disabled") throw unauthorized("session_auth_disabled", MESSAGES.session_auth_disabled);
    throw unauthorized(outcome.reason === "missing" ? "missing_token" : "invalid_token", MESSAGES[outcome.reason]);
  }
  return outcome.principal;
}
