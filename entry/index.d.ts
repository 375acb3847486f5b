// Public types: the wasm-bindgen declarations, minus the loader internals.
export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
// Argon2id password hashing (issue 21): its own module, pkg/argon2.
export { hashPassword, verifyPassword, argon2idOwaspCosts } from "../pkg/argon2/hybrid_auth_argon2.js";
export type {
  Argon2idCost,
  HashPasswordOptions,
  VerifyPasswordOptions,
  VerifyPasswordResult,
  VerifyPasswordReason,
} from "../pkg/argon2/hybrid_auth_argon2.js";
export type {
  AuthUser,
  Secret,
  KeyRingKey,
  KeyRingOptions,
  JwtClaims,
  VerifyReason,
  VerifyResult,
} from "../pkg/web/hybrid_auth.js";
