// KeyRing: kid header, rotation, stable reason codes, injected clock.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { KeyRing, generateJWT, deriveKid } from "hybrid-auth";
import { SECRET, SECRET_OLD, OTHER_SECRET, signRaw, b64u } from "./support.mjs";

const T0 = 1_800_000_000;
const fixed = (t = T0) => () => t;
const ring = (opts = {}) =>
  new KeyRing({ keys: [{ kid: "k1", secret: SECRET }], signWith: "k1", now: fixed(), ...opts });
const decode = (seg) => JSON.parse(Buffer.from(seg, "base64url"));
const H = (extra = {}) => ({ alg: "HS256", typ: "JWT", kid: "k1", ...extra });
const P = (extra = {}) => ({ sub: "u", iat: T0 - 10, exp: T0 + 60, ...extra });

function expectReason(r, token, reason) {
  const res = r.verify(token);
  assert.equal(res.ok, false, `expected ${reason}, got ok`);
  assert.equal(res.reason, reason);
  return res;
}

describe("KeyRing signing", () => {
  test("kid header is present and equals the configured kid", () => {
    const r = ring();
    assert.equal(r.signingKid, "k1");
    const t = r.sign({ sub: "u" }, 60);
    const h = decode(t.split(".")[0]);
    assert.equal(h.kid, "k1");
    assert.equal(h.alg, "HS256");
    const res = r.verify(t);
    assert.equal(res.ok, true);
    assert.equal(res.kid, "k1");
    assert.equal(res.claims.sub, "u");
    assert.equal(res.claims.iat, T0);
    assert.equal(res.claims.exp, T0 + 60);
    assert.equal(typeof res.claims.jti, "string");
  });

  test("deriveKid-based rings put the derived kid in the header", () => {
    const kid = deriveKid(SECRET);
    const r = new KeyRing({ keys: [{ kid, secret: SECRET }], signWith: kid });
    assert.equal(decode(r.sign({ sub: "u" }, 60).split(".")[0]).kid, kid);
  });

  test("sign adds iss and aud when configured, keeps custom claims", () => {
    const r = ring({ issuer: "https://issuer", audience: "api" });
    const res = r.verify(r.sign({ sub: "u", role: "admin", n: 3, nested: { a: [1] } }, 60));
    assert.equal(res.ok, true);
    assert.equal(res.claims.iss, "https://issuer");
    assert.ok([res.claims.aud].flat().includes("api"));
    assert.equal(res.claims.role, "admin");
    assert.deepEqual(res.claims.nested, { a: [1] });
  });

  test("sign refuses claims it could not verify", () => {
    const r = ring();
    assert.throws(() => r.sign({ email: "x" }, 60), /sub/);
    assert.throws(() => r.sign({ sub: "u" }), /exp|expir/);
    assert.throws(() => r.sign({ sub: "u", exp: T0 - 1 }), /exp/);
    for (const life of [0, -1, 1.5, NaN]) assert.throws(() => r.sign({ sub: "u" }, life), /expiresInSeconds/);
  });

  test("bad options throw clear errors", () => {
    const k = [{ kid: "k1", secret: SECRET }];
    assert.throws(() => new KeyRing({ keys: k, signWith: "nope" }), /signWith/);
    assert.throws(() => new KeyRing({ keys: [], signWith: "k1" }), /key/);
    assert.throws(() => new KeyRing({ keys: [...k, ...k], signWith: "k1" }), /duplicate/);
    assert.throws(() => new KeyRing({ keys: k, signWith: "k1", leewaySeconds: 3600 }), /leeway/);
    assert.throws(() => new KeyRing({ keys: k, signWith: "k1", maxTokenBytes: 10 }), /maxTokenBytes/);
    assert.throws(() => new KeyRing({ keys: k, signWith: "k1", bogus: 1 }), /bogus/);
  });
});

describe("KeyRing rotation", () => {
  const oldRing = new KeyRing({ keys: [{ kid: "old", secret: SECRET_OLD }], signWith: "old", now: fixed() });
  const newRing = new KeyRing({
    keys: [{ kid: "new", secret: SECRET }, { kid: "old", secret: SECRET_OLD }],
    signWith: "new",
    now: fixed(),
  });

  test("a [new, old] ring verifies tokens signed by the old ring (with kid)", () => {
    const res = newRing.verify(oldRing.sign({ sub: "u" }, 60));
    assert.equal(res.ok, true);
    assert.equal(res.kid, "old");
  });

  test("... and tokens without kid (older code) against every key", () => {
    const noKidOld = signRaw({ alg: "HS256", typ: "JWT" }, P(), SECRET_OLD);
    const noKidNew = signRaw({ alg: "HS256", typ: "JWT" }, P(), SECRET);
    assert.equal(newRing.verify(noKidOld).kid, "old");
    assert.equal(newRing.verify(noKidNew).kid, "new");
    expectReason(newRing, signRaw({ alg: "HS256" }, P(), OTHER_SECRET), "bad_signature");
  });

  test("generateJWT tokens (no kid) verify in a ring with that secret", () => {
    const t = generateJWT("u", "e", "n", SECRET, 60);
    const r = new KeyRing({ keys: [{ kid: "x", secret: SECRET_OLD }, { kid: "y", secret: SECRET }], signWith: "x" });
    assert.equal(r.verify(t).ok, true);
    assert.equal(r.verify(t).kid, "y");
  });

  test("new tokens carry the new kid; the old ring refuses them as unknown_kid", () => {
    const t = newRing.sign({ sub: "u" }, 60);
    assert.equal(decode(t.split(".")[0]).kid, "new");
    expectReason(oldRing, t, "unknown_kid");
  });

  test("a kid is checked against that key only", () => {
    // Signed with the old secret but claiming the new kid.
    expectReason(newRing, signRaw(H({ kid: "new" }), P(), SECRET_OLD), "bad_signature");
    expectReason(newRing, signRaw(H({ kid: "nope" }), P(), SECRET), "unknown_kid");
  });
});

describe("KeyRing reasons", () => {
  test("expired carries the verified claims", () => {
    const r = ring();
    const res = expectReason(r, signRaw(H(), P({ iat: T0 - 100, exp: T0 - 1, email: "e@x" }), SECRET), "expired");
    assert.equal(res.claims.sub, "u");
    assert.equal(res.claims.email, "e@x");
    expectReason(r, signRaw(H(), P({ exp: T0 }), SECRET), "expired"); // valid strictly before exp
  });

  test("a forged expired token is bad_signature, not expired", () => {
    const res = expectReason(ring(), signRaw(H(), P({ exp: T0 - 1 }), OTHER_SECRET), "bad_signature");
    assert.equal(res.claims, undefined);
  });

  test("not_yet_valid, issued_in_future, and leeway", () => {
    expectReason(ring(), signRaw(H(), P({ nbf: T0 + 30 }), SECRET), "not_yet_valid");
    expectReason(ring(), signRaw(H(), P({ iat: T0 + 30 }), SECRET), "issued_in_future");
    assert.equal(ring().verify(signRaw(H(), P({ nbf: T0 }), SECRET)).ok, true);
    const lenient = ring({ leewaySeconds: 60 });
    assert.equal(lenient.verify(signRaw(H(), P({ nbf: T0 + 30, iat: T0 + 30 }), SECRET)).ok, true);
    assert.equal(lenient.verify(signRaw(H(), P({ exp: T0 - 30 }), SECRET)).ok, true);
  });

  test("wrong_issuer and wrong_audience; configuring them makes them required", () => {
    const r = ring({ issuer: "iss-A", audience: "aud-A" });
    const ok = P({ iss: "iss-A", aud: ["x", "aud-A"] });
    assert.equal(r.verify(signRaw(H(), ok, SECRET)).ok, true);
    assert.equal(r.verify(signRaw(H(), P({ iss: "iss-A", aud: "aud-A" }), SECRET)).ok, true);
    expectReason(r, signRaw(H(), { ...ok, iss: "iss-B" }, SECRET), "wrong_issuer");
    expectReason(r, signRaw(H(), P({ aud: "aud-A" }), SECRET), "wrong_issuer");
    expectReason(r, signRaw(H(), { ...ok, aud: "aud-B" }, SECRET), "wrong_audience");
    expectReason(r, signRaw(H(), P({ iss: "iss-A" }), SECRET), "wrong_audience");
  });

  test("bad_typ vs an allowed typ list", () => {
    const plain = ring();
    const at = ring({ typ: ["at+jwt"] });
    const tok = (typ) => signRaw(H({ typ }), P(), SECRET);
    assert.equal(at.verify(tok("at+jwt")).ok, true);
    assert.equal(at.verify(tok("JWT")).ok, true);
    assert.equal(at.verify(signRaw({ alg: "HS256", kid: "k1" }, P(), SECRET)).ok, true, "typ absent");
    expectReason(plain, tok("at+jwt"), "bad_typ");
    expectReason(at, tok("dpop+jwt"), "bad_typ");
    expectReason(at, tok("JOSE"), "bad_typ");
    // Forged tokens never get as far as typ.
    expectReason(at, signRaw(H({ typ: "dpop+jwt" }), P(), OTHER_SECRET), "bad_signature");
  });

  test("too_large with maxTokenBytes, before any decoding", () => {
    const r = ring({ maxTokenBytes: 300 });
    const big = signRaw(H(), P({ pad: "x".repeat(400) }), SECRET);
    expectReason(r, big, "too_large");
    expectReason(r, "!".repeat(301), "too_large");
    expectReason(ring(), "a".repeat(8193), "too_large");
    assert.equal(r.verify(signRaw(H(), P(), SECRET)).ok, true);
  });

  test("malformed, unsupported_alg, unsupported_header, invalid_claims", () => {
    const r = ring();
    expectReason(r, "garbage", "malformed");
    expectReason(r, "", "malformed");
    expectReason(r, signRaw(H({ alg: "HS512" }), P(), SECRET), "unsupported_alg");
    expectReason(r, signRaw(H({ alg: "none" }), P(), SECRET), "unsupported_alg");
    expectReason(r, signRaw(H({ crit: ["exp"] }), P(), SECRET), "unsupported_header");
    expectReason(r, signRaw(H({ jwk: { kty: "oct" } }), P(), SECRET), "unsupported_header");
    expectReason(r, signRaw(H(), { exp: T0 + 60 }, SECRET), "invalid_claims");
    expectReason(r, signRaw(H(), { sub: "u" }, SECRET), "invalid_claims");
    expectReason(r, signRaw(H(), P({ exp: "soon" }), SECRET), "invalid_claims");
    const t = signRaw(H(), P(), SECRET);
    const [h, p, s] = t.split(".");
    expectReason(r, `${h}.${p}.${s.slice(0, -1)}${s.at(-1) === "A" ? "B" : "A"}`, "bad_signature");
  });

  test("the injected clock decides exp/nbf", () => {
    let clock = T0;
    const r = ring({ now: () => clock });
    const t = r.sign({ sub: "u" }, 60);
    assert.equal(r.verify(t).ok, true);
    clock = T0 + 59;
    assert.equal(r.verify(t).ok, true);
    clock = T0 + 60;
    expectReason(r, t, "expired");
    clock = T0 - 1;
    expectReason(r, t, "issued_in_future");
    clock = T0 + 0.5; // fractional clocks are fine
    assert.equal(r.verify(t).ok, true);
  });

  test("reasons and thrown messages never contain the token or the secret", () => {
    const r = ring({ issuer: "i", audience: "a", typ: ["at+jwt"], maxTokenBytes: 1024 });
    const tokens = [
      signRaw(H(), P({ iss: "i", aud: "a", exp: T0 - 1 }), SECRET),
      signRaw(H(), P(), SECRET),
      signRaw(H({ alg: "none" }), P(), SECRET),
      signRaw(H({ kid: SECRET }), P(), SECRET),
      signRaw(H({ typ: SECRET }), P({ iss: "i", aud: "a" }), SECRET),
      signRaw(H(), P({ sub: SECRET, iss: "i", aud: SECRET }), SECRET),
      `${SECRET}.${SECRET}.${SECRET}`,
      "x".repeat(2000),
    ];
    for (const t of tokens) {
      const res = r.verify(t);
      assert.equal(res.ok, false);
      const { claims, ...rest } = res;
      const text = JSON.stringify(rest);
      assert.ok(!text.includes(t) && !text.includes(SECRET) && !text.includes(t.split(".")[2] ?? "\0"), text);
      assert.match(res.reason, /^[a-z_]+$/);
    }
    const messages = [];
    const grab = (fn) => {
      try {
        fn();
      } catch (e) {
        messages.push(`${e.message}\n${e.stack}`);
      }
    };
    const shortSecret = "SuperSecretValue-31bytes-abcdef";
    grab(() => new KeyRing({ keys: [{ kid: "k", secret: shortSecret }], signWith: "k" }));
    grab(() => new KeyRing({ keys: [{ kid: "k", secret: SECRET }], signWith: SECRET }));
    grab(() => new KeyRing({ keys: [{ kid: "k", secret: SECRET }, { kid: "k", secret: SECRET }], signWith: "k" }));
    grab(() => r.sign({ sub: SECRET, huge: "y".repeat(5000) }, 60));
    grab(() => generateJWT("u", "e", "n", shortSecret, 60));
    grab(() => generateJWT("u", "e", "n", SECRET, 0));
    assert.equal(messages.length, 6);
    for (const m of messages) {
      assert.ok(!m.includes(shortSecret) && !m.includes(SECRET) && !m.includes("yyyyyyyy"), m);
    }
  });
});
