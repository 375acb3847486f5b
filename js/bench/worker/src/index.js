// Bench Worker: GET /?impl=<name>&op=verify|verify_kid|sign&n=<N> runs N operations of one
// implementation, sequentially (async ones awaited one by one), in this isolate,
// and answers {impl, op, n, checksum}. The checksum depends on every result so
// the work cannot be optimised away. n=0 does all the per-request work except the
// loop: bench/workerd.mjs subtracts its time (measured from outside, because
// inside a request the clock does not advance during CPU work).
//
// GET /check verifies every implementation's token with every verifier once.
//
// op=verify times the token generateJWT writes (its header is recognised by its exact
// text: the fast path); op=verify_kid times the same claims under a header this project
// did not write, {"typ":"JWT","alg":"HS256","kid":"x"}, so the general header parse is
// timed too. Peers run in each of their documented key modes: the secret as a string or
// bytes (imported again on every call) and a CryptoKey imported once (`*_key`).
import { generateJWT, verifyJWT, KeyRing } from "hybrid-auth";
import { SignJWT, jwtVerify } from "jose";
import { sign as honoSign, verify as honoVerify } from "hono/jwt";
import tsndr from "@tsndr/cloudflare-worker-jwt";

// A fixed, non-secret bench key (32 bytes of ASCII) and a fixed user.
const SECRET = "bench-secret-0123456789abcdef-0123456789abcdef";
const SECRET_BYTES = new TextEncoder().encode(SECRET);
const USER = { id: "user_01JBENCH0000000000000000", email: "ada@example.com", name: "Ada Lovelace" };
const TTL = 3600;

// Built once per isolate, at module scope (no randomness needed to build it).
const ring = new KeyRing({ keys: [{ kid: "bench", secret: SECRET }], signWith: "bench" });
// The foreign token names kid "x"; a ring refuses kids it does not hold (by design), so
// the KeyRing row of verify_kid uses a ring whose one key is "x".
const ringX = new KeyRing({ keys: [{ kid: "x", secret: SECRET }], signWith: "x" });
const FOREIGN_HEADER = '{"typ":"JWT","alg":"HS256","kid":"x"}';

// Lazily on the first request: workerd forbids random values (generateJWT's jti)
// and has no awaiting at global scope. Cached for the isolate's lifetime.
let state = null;
async function init() {
  if (state) return state;
  const cryptoKey = await crypto.subtle.importKey("raw", SECRET_BYTES, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  // One token, the seed's shape (sub, email, name, iat, exp, jti), verified by everyone.
  const token = generateJWT(USER.id, USER.email, USER.name, SECRET, TTL);
  // The same payload under a header this project did not write, signed with the same key.
  const input = `${bytesToB64url(enc.encode(FOREIGN_HEADER))}.${token.split(".")[1]}`;
  const tokenKid = `${input}.${bytesToB64url(new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, enc.encode(input))))}`;
  state = { cryptoKey, token, tokenKid };
  return state;
}

// ---- base64url helpers for the hand-written WebCrypto implementation ----
const enc = new TextEncoder();
const dec = new TextDecoder();

function b64urlToBytes(s) {
  let b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const pad = b64.length % 4;
  if (pad === 1) throw new Error("bad base64url");
  if (pad) b64 += "===".slice(pad - 1);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToB64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const HEADER_B64 = bytesToB64url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));

// The runtime's native limit: split, HMAC verify with a cached CryptoKey,
// decode + parse the payload, check exp. (Checks the header too, as any honest
// verifier must refuse alg=none and friends.)
async function webcryptoVerify(token, key) {
  const a = token.indexOf(".");
  const b = token.indexOf(".", a + 1);
  if (a < 1 || b < 0 || token.indexOf(".", b + 1) !== -1) return null;
  const header = JSON.parse(dec.decode(b64urlToBytes(token.slice(0, a))));
  if (header.alg !== "HS256") return null;
  const ok = await crypto.subtle.verify("HMAC", key, b64urlToBytes(token.slice(b + 1)), enc.encode(token.slice(0, b)));
  if (!ok) return null;
  const payload = JSON.parse(dec.decode(b64urlToBytes(token.slice(a + 1, b))));
  if (typeof payload.exp !== "number" || payload.exp <= Date.now() / 1000) return null;
  return payload;
}

async function webcryptoSign(claims, key) {
  const body = `${HEADER_B64}.${bytesToB64url(enc.encode(JSON.stringify(claims)))}`;
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return `${body}.${bytesToB64url(sig)}`;
}

function claimsNow() {
  const iat = Math.floor(Date.now() / 1000);
  return { sub: USER.id, email: USER.email, name: USER.name, iat, exp: iat + TTL, jti: crypto.randomUUID() };
}

// Each returns a number derived from the result (the payload's exp for verify,
// the token length for sign), throws when a verification fails.
function must(value, impl) {
  if (value == null || value === false) throw new Error(`${impl}: verification failed`);
  return value;
}

function joseSign(key) {
  const c = claimsNow();
  return new SignJWT({ email: c.email, name: c.name })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(c.sub)
    .setIssuedAt(c.iat)
    .setExpirationTime(c.exp)
    .setJti(c.jti)
    .sign(key);
}

function ringVerify(r, token, impl) {
  const v = r.verify(token);
  if (!v.ok) throw new Error(`${impl}: ${v.reason}`);
  return v.claims.exp;
}

// Every implementation: verify (the project's header), verify_kid (a foreign header), sign.
const IMPLS = {
  verifyJWT: {
    verify: (s) => must(verifyJWT(s.token, SECRET), "verifyJWT").exp,
    // The two-argument drop-in; if it refuses the foreign token, /check reports it and
    // bench/workerd.mjs leaves this row out of verify_kid.
    verify_kid: (s) => must(verifyJWT(s.tokenKid, SECRET), "verifyJWT").exp,
    sign: () => generateJWT(USER.id, USER.email, USER.name, SECRET, TTL).length,
  },
  keyring: {
    verify: (s) => ringVerify(ring, s.token, "keyring"),
    verify_kid: (s) => ringVerify(ringX, s.tokenKid, "keyring"),
    sign: () => ring.sign({ sub: USER.id, email: USER.email, name: USER.name }, TTL).length,
  },
  // jose with the secret as bytes (a Uint8Array: imported into a CryptoKey on every call)...
  jose: {
    verify: async (s) => (await jwtVerify(s.token, SECRET_BYTES, { algorithms: ["HS256"] })).payload.exp,
    verify_kid: async (s) => (await jwtVerify(s.tokenKid, SECRET_BYTES, { algorithms: ["HS256"] })).payload.exp,
    sign: async () => (await joseSign(SECRET_BYTES)).length,
  },
  // ... and with a CryptoKey imported once (jose's documented key type for HMAC here).
  jose_key: {
    verify: async (s) => (await jwtVerify(s.token, s.cryptoKey, { algorithms: ["HS256"] })).payload.exp,
    verify_kid: async (s) => (await jwtVerify(s.tokenKid, s.cryptoKey, { algorithms: ["HS256"] })).payload.exp,
    sign: async (s) => (await joseSign(s.cryptoKey)).length,
  },
  // hono/jwt takes a string (imported on every call) or a CryptoKey, used as it is
  // (hono/dist/utils/jwt/jws.js: importPublicKey / importPrivateKey).
  hono: {
    verify: async (s) => (await honoVerify(s.token, SECRET, "HS256")).exp,
    verify_kid: async (s) => (await honoVerify(s.tokenKid, SECRET, "HS256")).exp,
    sign: async () => (await honoSign(claimsNow(), SECRET, "HS256")).length,
  },
  hono_key: {
    verify: async (s) => (await honoVerify(s.token, s.cryptoKey, "HS256")).exp,
    verify_kid: async (s) => (await honoVerify(s.tokenKid, s.cryptoKey, "HS256")).exp,
    sign: async (s) => (await honoSign(claimsNow(), s.cryptoKey, "HS256")).length,
  },
  // @tsndr/cloudflare-worker-jwt: a string or a CryptoKey (its index.d.ts).
  tsndr: {
    verify: async (s) => must(await tsndr.verify(s.token, SECRET, { algorithm: "HS256" }), "tsndr").payload.exp,
    verify_kid: async (s) => must(await tsndr.verify(s.tokenKid, SECRET, { algorithm: "HS256" }), "tsndr").payload.exp,
    sign: async () => (await tsndr.sign(claimsNow(), SECRET, { algorithm: "HS256" })).length,
  },
  tsndr_key: {
    verify: async (s) => must(await tsndr.verify(s.token, s.cryptoKey, { algorithm: "HS256" }), "tsndr").payload.exp,
    verify_kid: async (s) => must(await tsndr.verify(s.tokenKid, s.cryptoKey, { algorithm: "HS256" }), "tsndr").payload.exp,
    sign: async (s) => (await tsndr.sign(claimsNow(), s.cryptoKey, { algorithm: "HS256" })).length,
  },
  webcrypto: {
    verify: async (s) => must(await webcryptoVerify(s.token, s.cryptoKey), "webcrypto").exp,
    verify_kid: async (s) => must(await webcryptoVerify(s.tokenKid, s.cryptoKey), "webcrypto").exp,
    sign: async (s) => (await webcryptoSign(claimsNow(), s.cryptoKey)).length,
  },
};
const OPS = ["verify", "verify_kid", "sign"];

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

async function check(s) {
  // Every implementation's token must pass every verifier (same key, same claims shape).
  const tokens = {};
  tokens.verifyJWT = generateJWT(USER.id, USER.email, USER.name, SECRET, TTL);
  tokens.keyring = ring.sign({ sub: USER.id, email: USER.email, name: USER.name }, TTL);
  tokens.jose = await joseSign(SECRET_BYTES);
  tokens.jose_key = await joseSign(s.cryptoKey);
  tokens.hono = await honoSign(claimsNow(), SECRET, "HS256");
  tokens.hono_key = await honoSign(claimsNow(), s.cryptoKey, "HS256");
  tokens.tsndr = await tsndr.sign(claimsNow(), SECRET, { algorithm: "HS256" });
  tokens.tsndr_key = await tsndr.sign(claimsNow(), s.cryptoKey, { algorithm: "HS256" });
  tokens.webcrypto = await webcryptoSign(claimsNow(), s.cryptoKey);
  const failures = [];
  for (const [signer, token] of Object.entries(tokens)) {
    for (const [verifier, impl] of Object.entries(IMPLS)) {
      // The drop-in verifyJWT accepts only the seed's header ({alg, typ}); the key
      // ring's tokens carry a `kid`, which it refuses by design.
      if (signer === "keyring" && verifier === "verifyJWT") continue;
      try {
        await impl.verify({ ...s, token });
      } catch (err) {
        failures.push(`${signer} -> ${verifier}: ${err.message}`);
      }
    }
  }
  // The foreign-header token: which verifiers accept it (bench/workerd.mjs times those).
  const verifyKid = {};
  for (const [name, impl] of Object.entries(IMPLS)) {
    try {
      await impl.verify_kid(s);
      verifyKid[name] = true;
    } catch (err) {
      verifyKid[name] = String(err?.message ?? err);
    }
  }
  for (const [name, ok] of Object.entries(verifyKid)) {
    if (ok !== true && name !== "verifyJWT") failures.push(`${name} refused the foreign-header token: ${ok}`);
  }
  // The hand-written verifier must refuse a forged token.
  const forged = s.token.slice(0, -2) + (s.token.endsWith("AA") ? "BB" : "AA");
  if ((await webcryptoVerify(forged, s.cryptoKey)) !== null) failures.push("webcrypto accepted a forged token");
  if (verifyJWT(forged, SECRET) !== null) failures.push("verifyJWT accepted a forged token");
  return { ok: failures.length === 0, failures, impls: Object.keys(IMPLS), ops: OPS, token_bytes: s.token.length, token_kid_bytes: s.tokenKid.length, foreign_header: FOREIGN_HEADER, verify_kid: verifyKid };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      const s = await init();
      if (url.pathname === "/check") return json(await check(s));
      if (url.pathname !== "/") return json({ error: "not found" }, 404);
      const implName = url.searchParams.get("impl") ?? "";
      const op = url.searchParams.get("op") ?? "";
      const n = Number(url.searchParams.get("n") ?? "0");
      const impl = IMPLS[implName];
      if (!impl || !OPS.includes(op)) return json({ error: "unknown impl or op", impls: Object.keys(IMPLS), ops: OPS }, 400);
      if (!Number.isInteger(n) || n < 0 || n > 1_000_000) return json({ error: "bad n" }, 400);
      const fn = impl[op];
      let checksum = 0;
      for (let i = 0; i < n; i++) {
        // `await` on a plain number is a microtask hop; the sync implementations
        // are not given it, so they are called directly.
        const r = fn(s);
        checksum = (checksum + (typeof r === "number" ? r : await r)) % 2147483647;
      }
      return json({ impl: implName, op, n, checksum });
    } catch (err) {
      return json({ error: String(err && err.message ? err.message : err) }, 500);
    }
  },
};
