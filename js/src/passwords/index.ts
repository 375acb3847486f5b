// Password hashing: the policy (hashing.ts) over Argon2id (argon2id.ts) and PBKDF2 (pbkdf2.ts).
export { PasswordHashing } from "./hashing";
export type { PasswordAlgorithm, PasswordCheck, PasswordHashingConfig } from "./hashing";
export { DEFAULT_ARGON2ID_COST, OWASP_ARGON2ID_COSTS, checkArgon2idCost } from "./argon2id";
export type { Argon2idCost } from "./argon2id";
export { PBKDF2_ITERATIONS } from "./pbkdf2";
