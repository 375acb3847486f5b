// Browsers and bundlers: fetch the .wasm beside the glue (bundlers rewrite the URL),
// with top-level await so importers get a ready module.
import init from "../pkg/web/hybrid_auth.js";
import initArgon2 from "../pkg/argon2/hybrid_auth_argon2.js";
import { passwordApi } from "./password.js";

// Browsers refuse to compile a module of this size synchronously on the main thread, so
// the password module is fetched and compiled here too, in parallel with the JWT one.
await Promise.all([
  init({ module_or_path: new URL("../pkg/web/hybrid_auth_bg.wasm", import.meta.url) }),
  initArgon2({ module_or_path: new URL("../pkg/argon2/hybrid_auth_argon2_bg.wasm", import.meta.url) }),
]);

export const { hashPassword, verifyPassword, argon2idOwaspCosts } = passwordApi(() => {});

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
