// Cloudflare Workers (wrangler/workerd): a `.wasm` import arrives as a compiled
// WebAssembly.Module, so the instance is created synchronously at module scope and
// users write only `import { verifyJWT } from "hybrid-auth"`.
import wasmModule from "../pkg/web/hybrid_auth_bg.wasm";
import { initSync } from "../pkg/web/hybrid_auth.js";
// Compiled by the runtime like the JWT module; instantiated on the first password call.
import argon2Module from "../pkg/argon2/hybrid_auth_argon2_bg.wasm";
import { initSync as initArgon2 } from "../pkg/argon2/hybrid_auth_argon2.js";
import { passwordApi } from "./password.js";

initSync({ module: wasmModule });

export const { hashPassword, verifyPassword, argon2idOwaspCosts } = passwordApi(() => initArgon2({ module: argon2Module }));
export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
