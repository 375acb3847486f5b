import { createRefreshFamily, createSession, findEmailVerified } from "../db";
import type { SecondFactor } from "../db";
import { newRefreshToken } from "./refreshTokens";
import { jwtLifetimes, sessionTtlFor, sightingOf } from "./logins";
import { jwtIssuerFor } from "../scope";
import { sha256Hex } from "../utils/encoding";
import type { AppContext, PublicUser } from "../types";
import type { LoginResponseBody } from "../api/responses";

/** The body of a successful login (password, passkey) and of a refresh: the declared LOGIN_RESPONSE shape. */
export type LoginResponse = LoginResponseBody;

/**
 * Issues what the configuration calls for, and is the ONLY place that does
 * (password and passkey logins both call it):
 *  - JWT mode: an access JWT (ACCESS_TOKEN_TTL) whose `sid` names a new
 *    refresh family, and that family's first refresh token (REFRESH_TOKEN_TTL,
 *    stored only as its SHA-256), written in one batch; the JWT's `auth_time`
 *    and the family's `authenticated_at` are now (sudo mode, issue 11);
 *  - session mode: a session (random UUID v4, stored only as its SHA-256).
 * Both record the device (User-Agent family, request.cf location) for the
 * sign-ins list, and `remember` picks the long or the short lifetime
 * (issue 14 §1, §5; see lifecycle/logins.ts).
 */
export async function issueLoginToken(
  c: AppContext,
  user: PublicUser,
  options: {
    remember?: boolean;
    /** For the JWT's `email_verified` claim; read from D1 when the caller does not know. */
    emailVerified?: boolean;
    /** The login's second factor, recorded for the sessions list (issue 21). */
    secondFactor?: SecondFactor | null;
    /** How the login was proven, recorded for the sessions list (migration 0011). */
    method?: string | null;
  } = {},
): Promise<LoginResponse> {
  const db = c.get("db");
  const config = c.get("config");
  const now = Math.floor(Date.now() / 1000);
  const remember = options.remember !== false;
  const seen = sightingOf(c, now);
  if (config.mode === "jwt") {
    const familyId = crypto.randomUUID();
    const refreshToken = newRefreshToken();
    // Never past REFRESH_FAMILY_MAX_AGE from this login (issue 11).
    const { accessTtl, refreshExpiresAt } = jwtLifetimes(config, remember, now, now);
    // Signed before the family is written, which records its exp and iat_ms:
    // a later `sid` revocation then covers it (issue 11).
    const emailVerified = options.emailVerified ?? (await findEmailVerified(db, user.id)) === true;
    const { token, expiresAt, iatMs } = jwtIssuerFor(c).issue(user, accessTtl, { sid: familyId, authTime: now, emailVerified });
    await createRefreshFamily(db, {
      familyId,
      userId: user.id,
      tokenHash: await sha256Hex(refreshToken),
      createdAt: now,
      expiresAt: refreshExpiresAt,
      authenticatedAt: now,
      access: { expiresAt, iatMs },
      seen,
      remember,
      secondFactor: options.secondFactor ?? null,
      method: options.method ?? null,
    });
    return { token, token_type: "jwt", expires_at: expiresAt, user, refresh_token: refreshToken, refresh_expires_at: refreshExpiresAt };
  }
  const token = crypto.randomUUID();
  const expiresAt = now + sessionTtlFor(config, remember);
  await createSession(db, { tokenHash: await sha256Hex(token), userId: user.id, expiresAt, createdAt: now, seen, remember, secondFactor: options.secondFactor ?? null, method: options.method ?? null });
  return { token, token_type: "session", expires_at: expiresAt, user };
}
