import { createRefreshFamily, createSession, findUserByEmail, replacePasswordHash } from "../../db";
import { unauthorized } from "../../errors";
import { readJsonObject } from "../../http/body";
import { boundedLoginInput, normalizeEmail, requireString } from "../../http/fields";
import { emailKey, enforceRateLimits, ipKey } from "../../lifecycle/rateLimit";
import { newRefreshToken } from "../../lifecycle/refreshTokens";
import { jwtIssuerFor } from "../../middleware/auth";
import { burnOneVerification, hashPassword, verifyPassword } from "../../passwords";
import { sha256Hex } from "../../utils/encoding";
import type { Config } from "../../config";
import type { AppContext, PublicUser, TokenType } from "../../types";

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
 *    stored only as its SHA-256), written in one batch;
 *  - session mode: a session (random UUID v4, stored only as its SHA-256).
 */
export async function issueLoginToken(c: AppContext, user: PublicUser): Promise<LoginResponse> {
  const db = c.env.GENERAL_DB;
  const config = c.get("config");
  const now = Math.floor(Date.now() / 1000);
  if (config.mode === "jwt") {
    const familyId = crypto.randomUUID();
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = now + config.refreshTokenTtl;
    const { token, expiresAt } = jwtIssuerFor(config).issue(user, config.accessTokenTtl, { sid: familyId });
    await createRefreshFamily(db, { familyId, userId: user.id, tokenHash: await sha256Hex(refreshToken), createdAt: now, expiresAt: refreshExpiresAt });
    return { token, token_type: "jwt", expires_at: expiresAt, user, refresh_token: refreshToken, refresh_expires_at: refreshExpiresAt };
  }
  const token = crypto.randomUUID();
  const expiresAt = now + config.sessionTtl;
  await createSession(db, { tokenHash: await sha256Hex(token), userId: user.id, expiresAt, createdAt: now });
  return { token, token_type: "session", expires_at: expiresAt, user };
}

/** POST /auth/login {email, password} → {token, token_type, expires_at, user, refresh_token?, refresh_expires_at?}. */
export async function login(c: AppContext): Promise<Response> {
  const body = await readJsonObject(c.req.raw);
  const rawEmail = requireString(body, "email");
  const email = normalizeEmail(rawEmail);
  const password = requireString(body, "password");
  boundedLoginInput(email, password);

  const db = c.env.GENERAL_DB;
  const limits = c.get("config").rateLimits;
  // Counted before any password work, so a refused attempt costs no PBKDF2.
  await enforceRateLimits(db, [
    { name: "login:email", rule: limits.loginPerEmail, subject: emailKey(rawEmail) },
    { name: "login:ip", rule: limits.loginPerIp, subject: ipKey(c.req.header("CF-Connecting-IP")) },
  ]);

  const user = await findUserByEmail(db, email);
  if (!user) {
    // Same work, same answer as a wrong password: no account enumeration.
    await burnOneVerification(password);
    throw badCredentials();
  }
  const check = await verifyPassword(password, user.passwordHash);
  if (!check.ok) throw badCredentials();

  if (check.needsRehash) {
    // Raise an old hash to today's cost now that we hold the password. A
    // failure here must not fail a correct login: it is retried next time.
    try {
      await replacePasswordHash(db, user.id, user.passwordHash, await hashPassword(password), Math.floor(Date.now() / 1000));
    } catch (err) {
      console.error("[hybrid-auth] password rehash failed; will retry on next login", err);
    }
  }

  const response = await issueLoginToken(c, { id: user.id, email: user.email, name: user.name });
  return c.json(response);
}

function badCredentials() {
  return unauthorized("invalid_credentials", "invalid email or password");
}
