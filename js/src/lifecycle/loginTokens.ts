import { createRefreshFamily, createSession } from "../db";
import { newRefreshToken } from "./refreshTokens";
import { jwtIssuerFor } from "../scope";
import { sha256Hex } from "../utils/encoding";
import type { AppContext, PublicUser, TokenType } from "../types";

/** The body of a successful login (password, passkey) and of a refresh. */
export interface LoginResponse {
  token: string;
  token_type: TokenType;
  /** Unix seconds. */
  expires_at: number;
  user: PublicUser;
  /** JWT mode only: the opaque token for POST /auth/refresh. */
  refresh_token?: string;
  /** Unix seconds. */
  refresh_expires_at?: number;
}

/**
 * Issues what the configuration calls for, and is the ONLY place that does
 * (password and passkey logins both call it):
 *  - JWT mode: an access JWT (ACCESS_TOKEN_TTL) whose `sid` names a new
 *    refresh family, and that family's first refresh token (REFRESH_TOKEN_TTL,
 *    stored only as its SHA-256), written in one batch; the JWT's `auth_time`
 *    and the family's `authenticated_at` are now (sudo mode, issue 11);
 *  - session mode: a session (random UUID v4, stored only as its SHA-256).
 */
export async function issueLoginToken(c: AppContext, user: PublicUser): Promise<LoginResponse> {
  const db = c.get("db");
  const config = c.get("config");
  const now = Math.floor(Date.now() / 1000);
  if (config.mode === "jwt") {
    const familyId = crypto.randomUUID();
    const refreshToken = newRefreshToken();
    // Never past REFRESH_FAMILY_MAX_AGE from this login (issue 11).
    const refreshExpiresAt = now + Math.min(config.refreshTokenTtl, config.refreshFamilyMaxAge);
    // Signed before the family is written, which records its exp and iat_ms:
    // a later `sid` revocation then covers it (issue 11).
    const { token, expiresAt, iatMs } = jwtIssuerFor(c).issue(user, config.accessTokenTtl, { sid: familyId, authTime: now });
    await createRefreshFamily(db, {
      familyId,
      userId: user.id,
      tokenHash: await sha256Hex(refreshToken),
      createdAt: now,
      expiresAt: refreshExpiresAt,
      authenticatedAt: now,
      access: { expiresAt, iatMs },
    });
    return { token, token_type: "jwt", expires_at: expiresAt, user, refresh_token: refreshToken, refresh_expires_at: refreshExpiresAt };
  }
  const token = crypto.randomUUID();
  const expiresAt = now + config.sessionTtl;
  await createSession(db, { tokenHash: await sha256Hex(token), userId: user.id, expiresAt, createdAt: now });
  return { token, token_type: "session", expires_at: expiresAt, user };
}
