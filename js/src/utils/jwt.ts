/**
 * The JWT side of authentication, backed by the wasm core (`hybrid-auth`).
 *
 * One `KeyRing` per isolate, built from the environment and cached by its
 * secret strings: JWT_SECRET signs, each JWT_SECRET_PREVIOUS entry only
 * verifies, and every key's `kid` is `deriveKid(secret)` (8 bytes of an HMAC
 * of the secret: it names the key without revealing it). Rotating the secret
 * therefore logs nobody out: old tokens verify against their old key until
 * they expire, new ones carry the new kid.
 */
import { KeyRing, deriveKid, isJWT } from "hybrid-auth";
import type { JwtClaims } from "hybrid-auth";

export { deriveKid, isJWT };

/** The identity a JWT vouches for. */
export interface JwtIdentity {
  id: string;
  email: string;
  name: string;
  /** Unix seconds. */
  iat: number;
  /** Milliseconds: `iat_ms` when we signed it, else iat × 1000. Compared with "logout everywhere" stamps. */
  iatMs: number;
  /** Unix seconds. */
  exp: number;
  jti?: string;
  /** The refresh-token family this token was minted for, when there is one. */
  sid?: string;
  /** Unix seconds of the password/passkey authentication behind it (OIDC `auth_time`); a refresh keeps its login's. */
  authTime?: number;
  /** The `email_verified` claim (issue 14 §4), when the token carries one. */
  emailVerified?: boolean;
  /** The key that verified it. */
  kid: string;
}

export type JwtCheck = { ok: true; identity: JwtIdentity } | { ok: false; reason: string };

export interface IssuedJwt {
  token: string;
  /** Unix seconds, as in the token's `exp`. */
  expiresAt: number;
  /** Milliseconds, as in the token's `iat_ms` (recorded on its refresh family, issue 11). */
  iatMs: number;
  jti: string;
  kid: string;
}

export interface JwtIssuer {
  readonly signingKid: string;
  issue(user: { id: string; email: string; name: string }, ttlSeconds: number, extra?: { sid?: string; authTime?: number; emailVerified?: boolean }): IssuedJwt;
  verify(token: string): JwtCheck;
}

/**
 * The key rings of one auth instance, keyed by the secret strings themselves
 * (never logged): a configuration with new secrets gets a new ring, and the
 * bound keeps a misbehaving caller from growing the cache.
 */
export class IssuerCache {
  private readonly issuers = new Map<string, JwtIssuer>();

  get(secret: string, previous: readonly string[] = [], extraClaims?: ExtraClaims): JwtIssuer {
    const key = JSON.stringify([secret, ...previous]);
    let issuer = this.issuers.get(key);
    if (!issuer) {
      issuer = createIssuer(secret, previous, extraClaims);
      if (this.issuers.size >= 4) this.issuers.clear();
      this.issuers.set(key, issuer);
    }
    return issuer;
  }
}

/** Adds claims to every issued JWT (createAuth's `hooks.extraClaims`). */
export type ExtraClaims = (user: { id: string; email: string; name: string }) => Record<string, unknown>;

/** Claims the issuer owns: a hook may not set them (they carry the security decisions). */
const RESERVED_CLAIMS = new Set(["sub", "email", "name", "iat", "iat_ms", "exp", "nbf", "jti", "sid", "auth_time", "email_verified"]);

function createIssuer(secret: string, previous: readonly string[], extraClaims?: ExtraClaims): JwtIssuer {
  const signingKid = deriveKid(secret);
  const keys = [{ kid: signingKid, secret }];
  for (const old of previous) {
    const kid = deriveKid(old);
    if (!keys.some((k) => k.kid === kid)) keys.push({ kid, secret: old });
  }
  const ring = new KeyRing({ keys, signWith: signingKid });
  return {
    signingKid,
    issue(user, ttlSeconds, extra = {}) {
      const nowMs = Date.now();
      const extraValues = extraClaims ? extraClaims(user) : {};
      for (const name of Object.keys(extraValues)) {
        if (RESERVED_CLAIMS.has(name)) throw new Error(`hooks.extraClaims may not set the reserved claim "${name}"`);
      }
      const claims: Record<string, unknown> = {
        ...extraValues,
        sub: user.id,
        email: user.email,
        name: user.name,
        iat: Math.floor(nowMs / 1000),
        // Sub-second issue time, so "logout everywhere" at second T refuses
        // tokens issued earlier in T but not a login made right after it.
        iat_ms: nowMs,
      };
      if (extra.sid !== undefined) claims.sid = extra.sid;
      if (extra.authTime !== undefined) claims.auth_time = extra.authTime;
      // OIDC's claim name: whether the address in `email` was verified when this token was issued.
      if (extra.emailVerified !== undefined) claims.email_verified = extra.emailVerified;
      const token = ring.sign(claims, ttlSeconds);
      // Read exp/jti back through verification rather than recomputing them.
      const checked = ring.verify(token);
      if (!checked.ok) throw new Error(`the JWT just issued does not verify: ${checked.reason}`);
      return { token, expiresAt: checked.claims.exp, iatMs: nowMs, jti: String(checked.claims.jti), kid: checked.kid };
    },
    verify(token) {
      const checked = ring.verify(token);
      if (!checked.ok) return { ok: false, reason: checked.reason };
      const identity = toIdentity(checked.claims, checked.kid);
      return identity ? { ok: true, identity } : { ok: false, reason: "invalid_claims" };
    },
  };
}

/** The seed's claims are required: sub, email, name, iat, exp. */
function toIdentity(claims: JwtClaims, kid: string): JwtIdentity | null {
  const { sub, email, name, iat, exp, jti, sid } = claims;
  if (typeof sub !== "string" || typeof email !== "string" || typeof name !== "string") return null;
  if (typeof iat !== "number" || typeof exp !== "number") return null;
  const iatMs = typeof claims.iat_ms === "number" && Number.isSafeInteger(claims.iat_ms) ? claims.iat_ms : iat * 1000;
  const identity: JwtIdentity = { id: sub, email, name, iat, iatMs, exp, kid };
  if (typeof jti === "string") identity.jti = jti;
  if (typeof sid === "string") identity.sid = sid;
  // Absent (tokens issued before sudo mode) means unknown: never "recent".
  if (typeof claims.auth_time === "number" && Number.isSafeInteger(claims.auth_time)) identity.authTime = claims.auth_time;
  if (typeof claims.email_verified === "boolean") identity.emailVerified = claims.email_verified;
  return identity;
}
