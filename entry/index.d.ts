// Public types: the wasm-bindgen declarations, minus the loader internals.
export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
export type {
  AuthUser,
  Secret,
  KeyRingKey,
  Ed25519Jwk,
  KeyRingOptions,
  JwtClaims,
  VerifyReason,
  VerifyResult,
} from "../pkg/web/hybrid_auth.js";

// createJwksVerifier and Ed25519 keys are in `hybrid-auth/eddsa` (entry/eddsa/index.d.ts): this
// module's build has no Ed25519, so a KeyRing given an Ed25519 key refuses it with a message
// naming that entry, and an EdDSA token is `unsupported_alg`.
