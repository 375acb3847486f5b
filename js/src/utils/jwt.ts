/**
 * The JWT side of authentication, backed by the wasm core (`hybrid-auth`).
 *
 * One `KeyRing` per isolate, built from the environment and cached by its
 * secret strings: JWT_SECRET signs, each JWT_SECRET_PREVIOUS entry only
 * verifies, and every key's `kid` is `deriveKid(secret)` (8 bytes of an HMAC
 * of the secret: it names the key without revealing it). Rotating the secret
 * therefore logs nobody out: old tokens verify against their old key until
 * they expire, new ones carry the new kid.
 *
 * Tokens are bound to this server (RFC 8725 §3.9-3.11, RFC 9068): every access
 * token is issued with `typ: "at+jwt"`, `iss`, `aud` and a `jti`, and only such a
 * token is accepted. A token signed with the same secret for another purpose
 * (another audience, another issuer, an untyped or ID token) is refused. Tokens
 * of the seed era (no `typ` or `typ: "JWT"`, no `iss`, no `aud`) verify only while
 * `acceptLegacyTokens` is on, and are marked `legacy` so the usage report counts
 * them; one that names any `iss` or `aud` is never legacy.
 *
 * A bound token without `sid` (minted before refresh families, issue 11) is
 * legacy too (issue 23): only a per-user stamp could log it out, and stamps are
 * kept a year only while such tokens pass (config.ts stampLifetime). Without
 * `acceptLegacyTokens` it is refused as `missing_sid`; every token this code
 * mints carries a `sid`.
 */
import { KeyRing, deriveKid, isJWT } from "hybrid-auth";
import type { JwtClaims, KeyRingKey } from "hybrid-auth";
import type { AccessTokenSigning } from "../accessTokenSigning";
import { nativeEd25519Verify } from "./nativeEd25519";

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
  /** Always present: a token without one is refused (it could not be logged out alone). */
  jti: string;
  /** The refresh-token family this token was minted for; absent only on a legacy token. */
  sid?: string;
  /** Unix seconds of the password/passkey authentication behind it (OIDC `auth_time`); a refresh keeps its login's. */
  authTime?: number;
  /** The `email_verified` claim (issue 14 §4), when the token carries one. */
  emailVerified?: boolean;
  /** The key that verified it. */
  kid: string;
  /** A seed-era token (untyped, no iss/aud) or a bound one without `sid`, accepted only under `acceptLegacyTokens`. */
  legacy: boolean;
}

/** What binds a token to this server, and whether unbound seed-era tokens still pass. */
export interface TokenBinding {
  /** The `iss` written into and required of every access token. */
  issuer: string;
  /** The `aud` written into and required of every access token. */
  audience: string;
  /** Accept tokens with no `typ` (or "JWT"), no `iss` and no `aud` (the seed's and earlier v3 releases'), and bound ones without `sid`. */
  acceptLegacy: boolean;
}

/** The `typ` header of every access token we issue (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = "at+jwt";

export type JwtCheck = { ok: true; identity: JwtIdentity } | { ok: false; reason: string };

/** The refusal of a bound token without `sid` while acceptLegacyTokens is off (AuthFailure invalid_jwt, usage reason jwt_missing_sid). */
export const MISSING_SID = "missing_sid";

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
  /** The public JWKS (JSON text) of the EdDSA keys; `{"keys":[]}` with HS256 only (secrets are never published). */
  readonly jwks: string;
  issue(user: { id: string; email: string; name: string }, ttlSeconds: number, extra?: { sid?: string; authTime?: number; emailVerified?: boolean }): IssuedJwt;
  /** Async: an EdDSA token's signature is checked with the runtime's native Ed25519 (utils/nativeEd25519.ts). */
  verify(token: string): Promise<JwtCheck>;
}

/**
 * The key rings of one auth instance, keyed by the secret strings themselves
 * (never logged): a configuration with new secrets gets a new ring, and the
 * bound keeps a misbehaving caller from growing the cache.
 */
export class IssuerCache {
  private readonly issuers = new Map<string, JwtIssuer>();

  get(secret: string, previous: readonly string[], binding: TokenBinding, extraClaims?: ExtraClaims, signing: AccessTokenSigning | null = null): JwtIssuer {
    const key = JSON.stringify([binding.issuer, binding.audience, binding.acceptLegacy, signing, secret, ...previous]);
    let issuer = this.issuers.get(key);
    if (!issuer) {
      issuer = createIssuer(secret, previous, binding, extraClaims, signing);
      if (this.issuers.size >= 4) this.issuers.clear();
      this.issuers.set(key, issuer);
    }
    return issuer;
  }
}

/** Adds claims to every issued JWT (createAuth's `hooks.extraClaims`). */
export type ExtraClaims = (user: { id: string; email: string; name: string }) => Record<string, unknown>;

/** Claims the issuer owns: a hook may not set them (they carry the security decisions). */
const RESERVED_CLAIMS = new Set(["sub", "email", "name", "iat", "iat_ms", "exp", "nbf", "jti", "sid", "auth_time", "email_verified", "iss", "aud"]);

/** Refusals a seed-era token gets from the bound ring: only these send it on to the legacy ring. */
const UNBOUND_REASONS = new Set(["bad_typ", "wrong_issuer", "wrong_audience"]);

function createIssuer(secret: string, previous: readonly string[], binding: TokenBinding, extraClaims?: ExtraClaims, signing: AccessTokenSigning | null = null): JwtIssuer {
  // With EdDSA (issue 24) its keys come first and its key signs; the HS256
  // secrets stay in the ring, verify-only, so tokens issued before the switch
  // keep working until they expire. Each key's algorithm is pinned by the ring.
  const signingKid = signing ? signing.kid : deriveKid(secret);
  const keys: KeyRingKey[] = signing ? [signing.key, ...signing.published].map((jwk) => ({ jwk })) : [];
  for (const hs of [secret, ...previous]) {
    const kid = deriveKid(hs);
    if (!keys.some((k) => k.kid === kid)) keys.push({ kid, secret: hs });
  }
  // The Ed25519 build's KeyRing with EdDSA (it holds the HS256 keys too); the core's otherwise.
  const Ring = signing ? signing.keyRing : KeyRing;
  const ring = new Ring({ keys, signWith: signingKid, issuer: binding.issuer, audience: binding.audience, tokenType: ACCESS_TOKEN_TYPE });
  // Verifies the seed-era shape only (typ absent or "JWT"; iss and aud are checked
  // absent below). Built only when the operator asked for it.
  const legacyRing = binding.acceptLegacy ? new Ring({ keys, signWith: signingKid }) : null;
  const jwks = ring.publicJwks();
  // HS256 rings verify in the ring alone (nothing to gain); EdDSA ones natively where possible.
  const verifyBound = signing ? nativeEd25519Verify(ring) : async (token: string) => ring.verify(token);
  return {
    signingKid,
    jwks,
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
    async verify(token) {
      const checked = await verifyBound(token);
      if (checked.ok) {
        const result = identityResult(checked.claims, checked.kid, false);
        if (!result.ok || result.identity.sid !== undefined) return result;
        // Bound but without `sid`: minted before refresh families, a legacy token.
        if (!binding.acceptLegacy) return { ok: false, reason: MISSING_SID };
        result.identity.legacy = true;
        return result;
      }
      if (legacyRing === null || !UNBOUND_REASONS.has(checked.reason)) return { ok: false, reason: checked.reason };
      const legacy = legacyRing.verify(token);
      if (!legacy.ok) return { ok: false, reason: legacy.reason };
      // A token that names an issuer or an audience was minted for someone: if it
      // were ours the bound ring would have taken it, so it is never legacy.
      if (legacy.claims.iss !== undefined || legacy.claims.aud !== undefined) return { ok: false, reason: checked.reason };
      return identityResult(legacy.claims, legacy.kid, true);
    },
  };
}

function identityResult(claims: JwtClaims, kid: string, legacy: boolean): JwtCheck {
  const identity = toIdentity(claims, kid, legacy);
  return identity ? { ok: true, identity } : { ok: false, reason: "invalid_claims" };
}

/**
 * The seed's claims are required: sub, email, name, iat, exp, and a `jti`:
 * every token we (and the seed's generateJWT) issue has one, and a token
 * without one could not be logged out on its own.
 */
function toIdentity(claims: JwtClaims, kid: string, legacy: boolean): JwtIdentity | null {
  const { sub, email, name, iat, exp, jti, sid } = claims;
  if (typeof sub !== "string" || typeof email !== "string" || typeof name !== "string") return null;
  if (typeof iat !== "number" || typeof exp !== "number") return null;
  if (typeof jti !== "string" || jti === "") return null;
  const iatMs = typeof claims.iat_ms === "number" && Number.isSafeInteger(claims.iat_ms) ? claims.iat_ms : iat * 1000;
  const identity: JwtIdentity = { id: sub, email, name, iat, iatMs, exp, kid, legacy, jti };
  if (typeof sid === "string" && sid !== "") identity.sid = sid;
  // Absent (tokens issued before sudo mode) means unknown: never "recent".
  if (typeof claims.auth_time === "number" && Number.isSafeInteger(claims.auth_time)) identity.authTime = claims.auth_time;
  if (typeof claims.email_verified === "boolean") identity.emailVerified = claims.email_verified;
  return identity;
}
