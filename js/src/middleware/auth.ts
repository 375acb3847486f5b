import { createMiddleware } from "hono/factory";
import { findSessionUser } from "../db";
import { unauthorized } from "../errors";
import { sha256Hex } from "../utils/encoding";
import { getJwtIssuer, isJWT } from "../utils/jwt";
import type { AppContext, AppEnv, Principal } from "../types";

/**
 * Why a request is not authenticated. Kept separate from the HTTP answer so
 * callers (and later the usage counters) can tell the cases apart.
 */
export type AuthFailure =
  | "missing" // no Authorization header
  | "malformed_header" // not exactly `Bearer <token>`
  | "jwt_not_accepted" // JWT-shaped, but no JWT_SECRET is configured
  | "invalid_jwt" // bad signature, expired, wrong key, bad claims...
  | "not_a_session_token" // neither JWT-shaped nor a UUID: rejected without a query
  | "unknown_session"; // no such session, or it has expired

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

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
 * `isJWT` routes the token before any work is done, so a JWT never costs a
 * D1 query and a session token never costs a signature check:
 *  - JWT-shaped  → verified by the wasm core (only if JWT_SECRET is set); zero D1 queries.
 *  - UUID v4     → one D1 query: SHA-256 of the token joined with its user, unexpired.
 *  - anything else → rejected with no work at all.
 * Session tokens are accepted whether or not JWT_SECRET is set, so tokens
 * issued before JWTs were turned on keep working (the seed's phase 1).
 */
export async function authenticate(c: AppContext): Promise<AuthOutcome> {
  const parsed = parseBearer(c.req.header("Authorization"));
  if (!parsed.ok) return parsed;
  const { token } = parsed;
  const config = c.get("config");

  if (isJWT(token)) {
    if (config.mode !== "jwt") return { ok: false, reason: "jwt_not_accepted" };
    const checked = getJwtIssuer(config.jwtSecret).verify(token);
    if (!checked.ok) return { ok: false, reason: "invalid_jwt" };
    const { id, email, name, exp, iat, jti } = checked.identity;
    const principal: Principal = { kind: "jwt", user: { id, email, name }, expiresAt: exp, issuedAt: iat };
    if (jti !== undefined) principal.jti = jti;
    return { ok: true, principal };
  }

  if (!SESSION_TOKEN.test(token)) return { ok: false, reason: "not_a_session_token" };
  const sessionTokenHash = await sha256Hex(token);
  const now = Math.floor(Date.now() / 1000);
  const session = await findSessionUser(c.env.GENERAL_DB, sessionTokenHash, now);
  if (!session) return { ok: false, reason: "unknown_session" };
  return {
    ok: true,
    principal: {
      kind: "session",
      user: { id: session.userId, email: session.email, name: session.name },
      expiresAt: session.expiresAt,
      sessionTokenHash,
    },
  };
}

const MESSAGES: Record<AuthFailure, string> = {
  missing: "an Authorization: Bearer token is required",
  malformed_header: "the Authorization header must be exactly: Bearer <token>",
  jwt_not_accepted: "the token is invalid or expired",
  invalid_jwt: "the token is invalid or expired",
  not_a_session_token: "the token is invalid or expired",
  unknown_session: "the token is invalid or expired",
};

/**
 * Route guard: runs authenticate() and answers 401 unless it succeeds; the
 * principal is then available as c.get("principal").
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const outcome = await authenticate(c);
  if (!outcome.ok) {
    throw unauthorized(outcome.reason === "missing" ? "missing_token" : "invalid_token", MESSAGES[outcome.reason]);
  }
  c.set("principal", outcome.principal);
  await next();
});
