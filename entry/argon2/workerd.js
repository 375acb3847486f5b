// `hybrid-auth/argon2` for Cloudflare Workers (wrangler/workerd): a subpath of its own, so
// a Worker that only imports the core `hybrid-auth` bundles and compiles no password .wasm
// (issue 20, "pay only for what you use"; bench/notes.md measured the start-up cost of
// exporting it from the core entry). The runtime compiles the imported .wasm; it is
// instantiated on the first password call.
import argon2Module from "../../pkg/argon2/hybrid_auth_argon2_bg.wasm";
import { initSync } from "../../pkg/argon2/hybrid_auth_argon2.js";
import { passwordApi } from "./password.js";

export const { hashPassword, verifyPassword, argon2idOwaspCosts } = passwordApi(() => initSync({ module: argon2Module }));
