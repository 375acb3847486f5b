// Public types of `hybrid-auth/eddsa`: the same API as `hybrid-auth`, from the build with
// Ed25519 (KeyRing accepts JWK, PKCS#8 and SPKI Ed25519 keys and JWKS), plus createJwksVerifier.
export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../../pkg/eddsa/hybrid_auth.js";
export type {
  AuthUser,
  Secret,
  KeyRingKey,
  Ed25519Jwk,
  KeyRingOptions,
  JwtClaims,
  VerifyReason,
  VerifyResult,
  Ed25519Request,
} from "../../pkg/eddsa/hybrid_auth.js";

import type { VerifyResult } from "../../pkg/eddsa/hybrid_auth.js";

/** Options of {@link createJwksVerifier}. */
export interface JwksVerifierOptions {
  /** The issuer's JWKS, e.g. "https://auth.example.com/auth/.well-known/jwks.json" (https; http only for localhost). */
  jwksUrl: string;
  /** Required `iss` of every token. */
  issuer: string;
  /** Required `aud` (the token's, or one of them). */
  audience: string;
  /** Required `typ`, e.g. "at+jwt" (hybrid-auth's access tokens). Default: "JWT" or none. */
  tokenType?: string;
  /** Clock skew tolerated, 0..300 seconds. Default 0. */
  leewaySeconds?: number;
  /** How long a fetched key set is used before it is fetched again. Default 300. */
  cacheSeconds?: number;
  /** At most one network fetch per this many seconds (unknown kids, failures). Default 30. */
  minRefetchSeconds?: number;
  /** While refetching fails, the last set stays in use this long past `cacheSeconds`, then every token is refused. Default 3600. */
  maxStaleSeconds?: number;
  /** The fetch to use. Default: globalThis.fetch. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** A Cache API cache; default `caches.default` where it exists (Workers); `false`: memory only. */
  cache?: Pick<Cache, "match" | "put"> | false;
  /**
   * Check the Ed25519 signature with the runtime's WebCrypto (native: about 2.8x the wasm
   * check in workerd), the key selection, signature form and claims in the ring. Falls
   * back to the wasm check where WebCrypto has no Ed25519. Default true; false: wasm only.
   */
  nativeEd25519?: boolean;
  /** The clock, in seconds. Default Date.now() / 1000. */
  now?: () => number;
}

/** What {@link JwksVerifier.verify} answers: a KeyRing result, or `jwks_unavailable` when no key set could be had (fail closed). */
export type JwksVerifyResult = VerifyResult | { ok: false; reason: "jwks_unavailable" };

export interface JwksVerifier {
  verify(token: string): Promise<JwksVerifyResult>;
  /** Network fetches of the JWKS so far. */
  readonly fetches: number;
}

/**
 * Verifies EdDSA tokens of another service (e.g. a hybrid-auth server) from its JWKS, in
 * Workers, Node and browsers. Keys are prepared once per fetched set; the set is cached in
 * memory (and in the Cache API on Workers), refetched on an unknown kid at most once per
 * `minRefetchSeconds`, and every token is refused while no set is available.
 */
export declare function createJwksVerifier(options: JwksVerifierOptions): JwksVerifier;
