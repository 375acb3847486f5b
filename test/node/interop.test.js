// Interoperability with jose, in both directions, including non-ASCII names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, jwtVerify, decodeProtectedHeader } from "jose";
import { generateJWT, verifyJWT, KeyRing } from "hybrid-auth";
import { SECRET, SECRET_OLD } from "./support.mjs";

const key = new TextEncoder().encode(SECRET);
const NAMES = ["Ada Lovelace", "Zoë 👩🏽‍💻", "שלום", "مرحبا", "e\u0301\u0327 combining", "漢字", "\u{1F9D1}\u200D\u{1F680}"];

test("jose-signed tokens verify with verifyJWT and KeyRing.verify", async () => {
  const ring = new KeyRing({ keys: [{ kid: "k1", secret: SECRET }], signWith: "k1" });
  for (const name of NAMES) {
    const t = await new SignJWT({ email: `${name}@example.com`, name })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(`user-${name}`)
      .setIssuedAt()
      .setExpirationTime("10m")
      .setJti(crypto.randomUUID())
      .sign(key);
    const u = verifyJWT(t, SECRET);
    assert.ok(u, name);
    assert.equal(u.id, `user-${name}`);
    assert.equal(u.name, name);
    assert.equal(u.email, `${name}@example.com`);
    const res = ring.verify(t);
    assert.equal(res.ok, true, JSON.stringify(res));
    assert.equal(res.claims.name, name);

    const withKid = await new SignJWT({ name })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setSubject("u")
      .setExpirationTime("5m")
      .sign(key);
    assert.equal(ring.verify(withKid).kid, "k1");
  }
});

test("jose-signed tokens with the wrong key, expired, or another alg are refused", async () => {
  const ring = new KeyRing({ keys: [{ kid: "k1", secret: SECRET }], signWith: "k1" });
  const base = () => new SignJWT({ email: "e", name: "n" }).setSubject("u").setIssuedAt();
  const wrong = await base().setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(SECRET_OLD));
  const expired = await base().setProtectedHeader({ alg: "HS256" }).setIssuedAt(1000).setExpirationTime(2000).sign(key);
  const hs384 = await base().setProtectedHeader({ alg: "HS384" }).setExpirationTime("5m").sign(new Uint8Array(48).fill(7));
  assert.equal(verifyJWT(wrong, SECRET), null);
  assert.equal(verifyJWT(expired, SECRET), null);
  assert.equal(verifyJWT(hs384, SECRET), null);
  assert.equal(ring.verify(wrong).reason, "bad_signature");
  assert.equal(ring.verify(expired).reason, "expired");
  assert.equal(ring.verify(hs384).reason, "unsupported_alg");
});

test("generateJWT tokens verify in jose, including non-ASCII names", async () => {
  for (const name of NAMES) {
    const t = generateJWT(`id-${name}`, `${name}@x.test`, name, SECRET, 600);
    const { payload, protectedHeader } = await jwtVerify(t, key, { algorithms: ["HS256"], typ: "JWT" });
    assert.deepEqual(protectedHeader, { alg: "HS256", typ: "JWT" });
    assert.equal(payload.sub, `id-${name}`);
    assert.equal(payload.name, name);
    assert.equal(payload.email, `${name}@x.test`);
    assert.equal(payload.exp - payload.iat, 600);
    assert.equal(typeof payload.jti, "string");
  }
});

test("KeyRing.sign tokens verify in jose (kid, iss, aud, non-ASCII)", async () => {
  const ring = new KeyRing({
    keys: [{ kid: "k-2024", secret: key }],
    signWith: "k-2024",
    issuer: "https://auth.example",
    audience: "api",
  });
  for (const name of NAMES) {
    const t = ring.sign({ sub: "u", name, roles: ["a", "ü"] }, 300);
    assert.equal(decodeProtectedHeader(t).kid, "k-2024");
    const { payload } = await jwtVerify(t, key, {
      algorithms: ["HS256"],
      issuer: "https://auth.example",
      audience: "api",
      requiredClaims: ["sub", "exp", "iat", "jti"],
    });
    assert.equal(payload.name, name);
    assert.deepEqual(payload.roles, ["a", "ü"]);
  }
  // jose rejects a tampered one as well (sanity of the comparison).
  const t = ring.sign({ sub: "u" }, 60);
  await assert.rejects(jwtVerify(t.slice(0, -2) + (t.at(-2) === "A" ? "B" : "A") + t.at(-1), key));
});
