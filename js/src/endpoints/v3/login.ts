import { createSession, findUserByEmail, replacePasswordHash } from "../../db";
import { unauthorized } from "../../errors";
import { readJsonObject } from "../../http/body";
import { boundedLoginInput, normalizeEmail, requireString } from "../../http/fields";
import { burnOneVerification, hashPassword, verifyPassword } from "../../passwords";
import { sha256Hex } from "../../utils/encoding";
import { getJwtIssuer } from "../../utils/jwt";
import type { Config } from "../../config";
import type { AppContext, PublicUser, TokenType } from "../../types";

/** The body of a successful login (password now, passkeys later). */
export interface LoginResponse {
  token: string;
  token_type: TokenType;
  /** Unix seconds. */
  expires_at: number;
  user: PublicUser;
}

/**
 * Issues the token the configuration calls for: a JWT when JWT_SECRET is set,
 * otherwise a session (random UUID v4, stored only as its SHA-256).
 * Shared by every login method so they all answer the same way.
 */
export async function issueLoginToken(db: D1Database, config: Config, user: PublicUser): Promise<LoginResponse> {
  if (config.mode === "jwt") {
    const { token, expiresAt } = getJwtIssuer(config.jwtSecret).issue(user, config.accessTokenTtl);
    return { token, token_type: "jwt", expires_at: expiresAt, user };
  }
  const token = crypto.randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + config.sessionTtl;
  await createSession(db, { tokenHash: await sha256Hex(token), userId: user.id, expiresAt, createdAt: now });
  return { token, token_type: "session", expires_at: expiresAt, user };
}

/** POST /auth/login {email, password} → {token, token_type, expires_at, user}. */
export async function login(c: AppContext): Promise<Response> {
  const body = await readJsonObject(c.req.raw);
  const email = normalizeEmail(requireString(body, "email"));
  const password = requireString(body, "password");
  boundedLoginInput(email, password);

  const db = c.env.GENERAL_DB;
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

  const response = await issueLoginToken(db, c.get("config"), { id: user.id, email: user.email, name: user.name });
  return c.json(response);
}

function badCredentials() {
  return unauthorized("invalid_credentials", "invalid email or password");
}
