// Public types of `hybrid-auth/argon2` (issue 21): the wasm-bindgen declarations of pkg/argon2.
export { hashPassword, verifyPassword, argon2idOwaspCosts } from "../../pkg/argon2/hybrid_auth_argon2.js";
export type {
  Argon2idCost,
  HashPasswordOptions,
  VerifyPasswordOptions,
  VerifyPasswordResult,
  VerifyPasswordReason,
} from "../../pkg/argon2/hybrid_auth_argon2.js";
