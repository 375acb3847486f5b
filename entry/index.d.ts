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
