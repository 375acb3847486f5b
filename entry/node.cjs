// Node.js, CommonJS: wasm-bindgen's nodejs target loads its .wasm synchronously.
"use strict";
const m = require("../pkg/nodejs/hybrid_auth.js");

module.exports = {
  generateJWT: m.generateJWT,
  verifyJWT: m.verifyJWT,
  isJWT: m.isJWT,
  deriveKid: m.deriveKid,
  KeyRing: m.KeyRing,
};
