// Node.js, ES modules: read the .wasm next to the glue and instantiate synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "../pkg/web/hybrid_auth.js";
import { initSync as initArgon2 } from "../pkg/argon2/hybrid_auth_argon2.js";
import { passwordApi } from "./password.js";

initSync({ module: readFileSync(new URL("../pkg/web/hybrid_auth_bg.wasm", import.meta.url)) });

export const { hashPassword, verifyPassword, argon2idOwaspCosts } = passwordApi(() =>
  initArgon2({ module: readFileSync(new URL("../pkg/argon2/hybrid_auth_argon2_bg.wasm", import.meta.url)) }),
);
export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
