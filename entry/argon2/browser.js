// `hybrid-auth/argon2` for browsers and bundlers: fetch the .wasm beside the glue (bundlers
// rewrite the URL), with top-level await, because browsers refuse to compile a module of
// this size synchronously on the main thread.
import init from "../../pkg/argon2/hybrid_auth_argon2.js";
import { passwordApi } from "./password.js";

await init({ module_or_path: new URL("../../pkg/argon2/hybrid_auth_argon2_bg.wasm", import.meta.url) });

export const { hashPassword, verifyPassword, argon2idOwaspCosts } = passwordApi(() => {});
