// Node, ES modules: imports the installed package by name, as an adopter does.
// argv[2] is the probe input (JSON); prints { resolved, report } as JSON.
import * as api from "hybrid-auth";
// The password module is its own subpath export (issue 20: the core entry loads no argon2 .wasm).
import { hashPassword, verifyPassword } from "hybrid-auth/argon2";
import { fileURLToPath } from "node:url";
import probe from "./probe.cjs";

const { generateJWT, verifyJWT, isJWT, KeyRing } = api;
const report = probe.runProbe({ generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword }, JSON.parse(process.argv[2]));
console.log(
  JSON.stringify({
    resolved: fileURLToPath(import.meta.resolve("hybrid-auth")),
    resolvedArgon2: fileURLToPath(import.meta.resolve("hybrid-auth/argon2")),
    report,
  }),
);
