// Node, CommonJS: require()s the installed package by name, as an adopter does.
// argv[2] is the probe input (JSON); prints { resolved, report } as JSON.
"use strict";
const { generateJWT, verifyJWT, isJWT, KeyRing } = require("hybrid-auth");
// The password module is its own subpath export (issue 20: the core entry loads no argon2 .wasm).
const { hashPassword, verifyPassword } = require("hybrid-auth/argon2");
const { runProbe } = require("./probe.cjs");

const report = runProbe({ generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword }, JSON.parse(process.argv[2]));
console.log(JSON.stringify({ resolved: require.resolve("hybrid-auth"), resolvedArgon2: require.resolve("hybrid-auth/argon2"), report }));
