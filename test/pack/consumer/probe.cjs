// Exercises the installed package's API and reports what it observed, for the pack test
// to check against its own inputs. Copied into a fresh project next to esm.mjs, cjs.cjs
// and worker.js, so Node (both module systems) and workerd all run this same code.
// Plain JavaScript with no Node built-ins, because it also runs in workerd.
"use strict";

const b64uToString = (s) => atob(s.replace(/-/g, "+").replace(/_/g, "/"));
const stringToB64u = (s) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/**
 * `api` holds the functions of "hybrid-auth" and of "hybrid-auth/argon2"; `input` holds { secret, otherSecret,
 * sub, email, name, ttl, nonce } chosen by the test.
 */
function runProbe(api, input) {
  const { generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword } = api;
  const { secret, otherSecret, sub, email, name, ttl, nonce } = input;

  const token = generateJWT(sub, email, name, secret, ttl);
  // A forgery: the same header and signature over a payload naming another user.
  const [header, payload, signature] = token.split(".");
  const forgedPayload = { ...JSON.parse(b64uToString(payload)), sub: `${sub}-forged` };
  const forged = `${header}.${stringToB64u(JSON.stringify(forgedPayload))}.${signature}`;

  const ring = new KeyRing({ keys: [{ kid: "k1", secret }], signWith: "k1" });
  const ringToken = ring.sign({ sub, nonce }, ttl);
  const otherRing = new KeyRing({ keys: [{ kid: "k1", secret: otherSecret }], signWith: "k1" });

  // Argon2id (issue 21), default cost: hybrid-auth/argon2's .wasm, in every runtime.
  const stored = hashPassword(secret);

  return {
    password: {
      stored,
      verified: verifyPassword(secret, stored),
      wrong: verifyPassword(otherSecret, stored),
      tampered: verifyPassword(secret, stored.replace("m=19456", "m=4194304")),
    },
    token,
    verified: verifyJWT(token, secret),
    withOtherSecret: verifyJWT(token, otherSecret),
    forged: verifyJWT(forged, secret),
    isJWT: { token: isJWT(token), garbage: isJWT("not a token") },
    ring: {
      token: ringToken,
      signingKid: ring.signingKid,
      verified: ring.verify(ringToken),
      withOtherSecret: otherRing.verify(ringToken),
    },
  };
}

module.exports = { runProbe };
