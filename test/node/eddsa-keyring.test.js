// KeyRing with Ed25519 keys (issue 24) from JavaScript: the key forms (JWK, PKCS#8, SPKI),
// the public JWKS, a verify-only ring from a JWKS, and interoperability with jose and
// node:crypto in both directions. These are `hybrid-auth/eddsa`'s KeyRing (the Ed25519 build);
// the last test shows that `hybrid-auth`'s (HS256 only) refuses Ed25519 keys and EdDSA tokens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, verify as edVerify, createHmac } from "node:crypto";
import * as jose from "jose";
import { KeyRing } from "hybrid-auth/eddsa";
import { KeyRing as CoreKeyRing } from "hybrid-auth";
import { SECRET, b64u } from "./support.mjs";

const T0 = 1_800_000_000;
const now = () => T0;
const fresh = () => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { publicKey, privateKey, jwk: privateKey.export({ format: "jwk" }) };
};

test("a ring with a private JWK signs EdDSA; its public JWKS verifies it in a verify-only ring", () => {
  const k = fresh();
  const signer = new KeyRing({ keys: [{ kid: "ed1", jwk: k.jwk }], signWith: "ed1", issuer: "https://a", audience: "api", now });
  assert.equal(signer.signingAlg, "EdDSA");
  const token = signer.sign({ sub: "u1" }, 300);
  const header = JSON.parse(Buffer.from(token.split(".")[0], "base64url"));
  assert.deepEqual(header, { alg: "EdDSA", typ: "JWT", kid: "ed1" });
  const jwks = JSON.parse(signer.publicJwks());
  assert.deepEqual(jwks, { keys: [{ kty: "OKP", crv: "Ed25519", x: k.jwk.x, kid: "ed1", alg: "EdDSA", use: "sig" }] });
  const verifier = new KeyRing({ jwks: signer.publicJwks(), issuer: "https://a", audience: "api", now });
  assert.equal(verifier.signingAlg, undefined);
  const res = verifier.verify(token);
  assert.equal(res.ok, true);
  assert.equal(res.claims.sub, "u1");
  assert.throws(() => verifier.sign({ sub: "u" }, 60), /only verifies/);
  // node:crypto agrees the signature is Ed25519 over the signing input.
  const [h, p, s] = token.split(".");
  assert.ok(edVerify(null, Buffer.from(`${h}.${p}`), k.publicKey, Buffer.from(s, "base64url")));
  // Tampered: refused as bad_signature, the claims unread.
  const forged = `${h}.${b64u(JSON.stringify({ sub: "admin", exp: T0 + 60, iss: "https://a", aud: "api" }))}.${s}`;
  assert.deepEqual(verifier.verify(forged), { ok: false, reason: "bad_signature" });
});

test("PKCS#8 and SPKI DER keys verify each other's tokens, and a JWK without kid is named by its RFC 7638 thumbprint", async () => {
  const k = fresh();
  const pkcs8 = new Uint8Array(k.privateKey.export({ format: "der", type: "pkcs8" }));
  const spki = new Uint8Array(k.publicKey.export({ format: "der", type: "spki" }));
  const signer = new KeyRing({ keys: [{ kid: "p", privateKey: pkcs8 }], signWith: "p", now });
  const token = signer.sign({ sub: "u" }, 60);
  // A ring that signs HS256 and verifies the Ed25519 key given as SPKI (mid-rotation).
  const mixed = new KeyRing({ keys: [{ kid: "h", secret: SECRET }, { kid: "p", publicKey: spki }], signWith: "h", now });
  assert.equal(mixed.verify(token).kid, "p");
  assert.equal(mixed.verify(mixed.sign({ sub: "u" }, 60)).kid, "h");
  assert.equal(JSON.parse(mixed.publicJwks()).keys.length, 1, "secrets are never published");
  const { x } = k.jwk;
  const thumb = await jose.calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x });
  const byThumb = new KeyRing({ keys: [{ jwk: { kty: "OKP", crv: "Ed25519", x, d: k.jwk.d } }], signWith: thumb, now });
  assert.equal(byThumb.signingKid, thumb);
  assert.throws(() => new KeyRing({ keys: [{ kid: "p", publicKey: spki }], signWith: "p", now }), /private half/);
  assert.throws(() => new KeyRing({ keys: [{ kid: "p", privateKey: "-----BEGIN PRIVATE KEY-----" }], signWith: "p", now }), /Uint8Array \(DER\)/);
  assert.throws(() => new KeyRing({ keys: [{ kid: "p", jwk: k.jwk, secret: SECRET }], signWith: "p", now }), /exactly one of/);
  assert.throws(() => new KeyRing({ keys: [{ kid: "p", jwk: { ...k.jwk, kid: "q" } }], signWith: "p", now }), /differs from the JWK's kid/);
});

test("jose verifies our EdDSA tokens, and we verify jose's", async () => {
  const k = fresh();
  const ring = new KeyRing({ keys: [{ kid: "ed1", jwk: k.jwk }], signWith: "ed1", issuer: "https://a", audience: "api", now });
  const token = ring.sign({ sub: "u1" }, 300);
  const keySet = jose.createLocalJWKSet(JSON.parse(ring.publicJwks()));
  const { payload, protectedHeader } = await jose.jwtVerify(token, keySet, {
    issuer: "https://a",
    audience: "api",
    algorithms: ["EdDSA"],
    currentDate: new Date(T0 * 1000),
  });
  assert.equal(payload.sub, "u1");
  assert.equal(protectedHeader.kid, "ed1");
  const joseToken = await new jose.SignJWT({ sub: "u2" })
    .setProtectedHeader({ alg: "EdDSA", kid: "ed1" })
    .setIssuer("https://a")
    .setAudience("api")
    .setIssuedAt(T0)
    .setExpirationTime(T0 + 60)
    .sign(k.privateKey);
  const res = ring.verify(joseToken);
  assert.equal(res.ok, true);
  assert.equal(res.claims.sub, "u2");
});

test("a JWKS that is malformed, oversized, ambiguous or holds a private key is refused", () => {
  const a = fresh().jwk;
  const pub = (jwk, kid) => ({ kty: "OKP", crv: "Ed25519", x: jwk.x, kid });
  const make = (keys) => JSON.stringify({ keys });
  for (const [jwks, message] of [
    ["{", /not valid JSON/],
    [make([pub(a, "k"), pub(a, "k")]), /duplicate/],
    [make([{ ...pub(a, "k"), d: a.d }]), /private key/],
    [make([{ kty: "RSA", kid: "r", n: "AQAB", e: "AQAB" }]), /no usable key/],
    [JSON.stringify({ keys: [pub(a, "k")], pad: "x".repeat(70_000) }), /over the 65536-byte limit/],
  ]) {
    assert.throws(() => new KeyRing({ jwks, now }), message);
  }
  assert.throws(() => new KeyRing({ jwks: make([pub(a, "k")]), signWith: "k", now }), /only verifies/);
  assert.throws(() => new KeyRing({ jwks: make([pub(a, "k")]), keys: [], now }), /not both/);
  // An EdDSA ring refuses an HS256 token MAC'd with its public key as the secret.
  const ring = new KeyRing({ jwks: make([pub(a, "k")]), now });
  const input = `${b64u(JSON.stringify({ alg: "HS256", kid: "k" }))}.${b64u(JSON.stringify({ sub: "u", exp: T0 + 60 }))}`;
  const mac = (secret) => `${input}.${Buffer.from(new Uint8Array(createHmac("sha256", secret).update(input).digest())).toString("base64url")}`;
  for (const secret of [Buffer.from(a.x, "base64url"), a.x]) {
    assert.deepEqual(ring.verify(mac(secret)), { ok: false, reason: "unsupported_alg" });
  }
});

test("hybrid-auth's own KeyRing (HS256 build) refuses every Ed25519 key form and a JWKS, naming hybrid-auth/eddsa, and an EdDSA token is unsupported_alg", () => {
  const k = fresh();
  const pkcs8 = new Uint8Array(k.privateKey.export({ format: "der", type: "pkcs8" }));
  const spki = new Uint8Array(k.publicKey.export({ format: "der", type: "spki" }));
  const refusals = [
    () => new CoreKeyRing({ keys: [{ kid: "e", jwk: k.jwk }], signWith: "e", now }),
    () => new CoreKeyRing({ keys: [{ kid: "e", privateKey: pkcs8 }], signWith: "e", now }),
    () => new CoreKeyRing({ keys: [{ kid: "h", secret: SECRET }, { kid: "e", publicKey: spki }], signWith: "h", now }),
    () => new CoreKeyRing({ jwks: JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", x: k.jwk.x, kid: "e" }] }), now }),
  ];
  for (const make of refusals) assert.throws(make, /need the EdDSA build: import KeyRing from "hybrid-auth\/eddsa"/);
  const token = new KeyRing({ keys: [{ kid: "e", jwk: k.jwk }], signWith: "e", now }).sign({ sub: "u" }, 60);
  const hsOnly = new CoreKeyRing({ keys: [{ kid: "e", secret: SECRET }], signWith: "e", now });
  assert.deepEqual(hsOnly.verify(token), { ok: false, reason: "unsupported_alg" });
  // The same HS256 ring of the Ed25519 build answers the same: one policy, two builds.
  const hsOnlyFull = new KeyRing({ keys: [{ kid: "e", secret: SECRET }], signWith: "e", now });
  assert.deepEqual(hsOnlyFull.verify(token), { ok: false, reason: "unsupported_alg" });
});
