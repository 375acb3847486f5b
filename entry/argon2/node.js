// `hybrid-auth/argon2` for Node.js, ES modules: the .wasm beside the glue is read and
// instantiated synchronously on the first password call, so importing costs nothing.
import { readFileSync } from "node:fs";
import { initSync } from "../../pkg/argon2/hybrid_auth_argon2.js";
import { passwordApi } from "./password.js";

export const { hashPassword, verifyPassword, argon2idOwaspCosts } = passwordApi(() =>
  initSync({ module: readFileSync(new URL("../../pkg/argon2/hybrid_auth_argon2_bg.wasm", import.meta.url)) }),
);
