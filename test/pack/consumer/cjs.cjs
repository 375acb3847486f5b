// Node, CommonJS: require()s the installed package by name, as an adopter does.
// argv[2] is the probe input (JSON); prints { resolved, report } as JSON.
"use strict";
const { generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword } = require("hybrid-auth");
const { runProbe } = require("./probe.cjs");

const report = runProbe({ generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword }, JSON.parse(process.argv[2]));
console.log(JSON.stringify({ resolved: require.resolve("hybrid-auth"), report }));
