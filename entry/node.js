// Node.js, ES modules: read the .wasm next to the glue and instantiate synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "../pkg/web/hybrid_auth.js";

initSync({ module: readFileSync(new URL("../pkg/web/hybrid_auth_bg.wasm", import.meta.url)) });

export { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "../pkg/web/hybrid_auth.js";
