/**
 * The JWT side of authentication, backed by the wasm core (`hybrid-auth`).
 *
 * Routes and middleware talk to a `JwtIssuer` and never to the core's
 * functions directly, so the lifecycle work (issue 4) can swap this
 * implementation for a `KeyRing` holding JWT_SECRET + JWT_SECRET_PREVIOUS
 * (kid = deriveKid(secret)) and richer failure reasons without touching them.
 */
import { generateJWT, isJWT, verifyJWT } from "hybrid-auth";

export { isJWT };

/** The identity a JWT vouches for. */
export interface JwtIdentity {
  id: string;
  email: string;
  name: string;
  /** Unix seconds. */
  iat: number;
  /** Unix seconds. */
  exp: number;
  jti?: string;
}

export type JwtCheck = { ok: true; identity: JwtIdentity } | { ok: false; reason: "invalid" };

export interface IssuedJwt {
  token: string;
  /** Unix seconds, as in the token's `exp`. */
  expiresAt: number;
}

export interface JwtIssuer {
  issue(user: { id: string; email: string; name: string }, ttlSeconds: number): IssuedJwt;
  verify(token: string): JwtCheck;
}

// One issuer per secret per isolate: the core caches the imported key
// internally, and keeping the object avoids re-creating closures per request.
const issuers = new Map<string, JwtIssuer>();

export function getJwtIssuer(secret: string): JwtIssuer {
  let issuer = issuers.get(secret);
  if (!issuer) {
    issuer = createIssuer(secret);
    // A secret only changes on redeploy; the bound keeps a misbehaving
    // caller from growing this map forever.
    if (issuers.size >= 4) issuers.clear();
    issuers.set(secret, issuer);
  }
  return issuer;
}

function createIssuer(secret: string): JwtIssuer {
  return {
    issue(user, ttlSeconds) {
      const token = generateJWT(user.id, user.email, user.name, secret, ttlSeconds);
      // `exp` is what the client needs; read it back through verification
      // rather than recomputing it from a clock that may differ from the core's.
      const claims = verifyJWT(token, secret);
      if (!claims) throw new Error("the JWT just issued does not verify");
      return { token, expiresAt: claims.exp };
    },
    verify(token) {
      const claims = verifyJWT(token, secret);
      if (!claims) return { ok: false, reason: "invalid" };
      const identity: JwtIdentity = { id: claims.id, email: claims.email, name: claims.name, iat: claims.iat, exp: claims.exp };
      if (claims.jti !== undefined) identity.jti = claims.jti;
      return { ok: true, identity };
    },
  };
}
