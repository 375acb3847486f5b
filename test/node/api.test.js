// The drop-in API, imported exactly as a user does.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { generateJWT, verifyJWT, isJWT, deriveKid, KeyRing } from "hybrid-auth";
import { SECRET, OTHER_SECRET, signRaw, b64u } from "./support.mjs";

const now = () => Math.floor(Date.now() / 1000);
const SHORT = "short-secret-of-31-bytes-ABCDEF"; // 31 bytes

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

describe("generateJWT / verifyJWT", () => {
  test("round trip returns the user with id = sub", () => {
    const t = generateJWT("user-1", "a@example.com", "Ada", SECRET, 3600);
    const u = verifyJWT(t, SECRET);
    assert.equal(u.id, "user-1");
    assert.equal(u.email, "a@example.com");
    assert.equal(u.name, "Ada");
    assert.equal(u.exp - u.iat, 3600);
    assert.ok(Math.abs(u.iat - now()) <= 2);
    assert.match(u.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("header is exactly {alg:HS256,typ:JWT} and claims are the seed's", () => {
    const t = generateJWT("u", "e@x", "N", SECRET, 60);
    const [h, p] = t.split(".");
    assert.deepEqual(JSON.parse(Buffer.from(h, "base64url")), { alg: "HS256", typ: "JWT" });
    assert.deepEqual(Object.keys(JSON.parse(Buffer.from(p, "base64url"))).sort(), [
      "email", "exp", "iat", "jti", "name", "sub",
    ]);
  });

  test("jti is fresh for every token", () => {
    const seen = new Set();
    for (let i = 0; i < 200; i++) seen.add(verifyJWT(generateJWT("u", "e", "n", SECRET, 60), SECRET).jti);
    assert.equal(seen.size, 200);
  });

  test("Uint8Array secret equals the string's UTF-8 bytes", () => {
    const bytes = new TextEncoder().encode(SECRET);
    assert.ok(verifyJWT(generateJWT("u", "e", "n", bytes, 60), SECRET));
    assert.ok(verifyJWT(generateJWT("u", "e", "n", SECRET, 60), bytes));
  });

  test("non-ASCII names, emails and ids round-trip (emoji, RTL, combining marks)", () => {
    const names = [
      "Zoë 👩🏽‍💻 🇺🇦",
      "שלום עולם",
      "مرحبا بالعالم",
      "e\u0301 n\u0303 a\u030a (combining)",
      "漢字かなカナ",
      "\u{1F600}\u{10FFFF}",
      "quote\" back\\slash \n newline \u0000 nul \u2028",
    ];
    for (const name of names) {
      const t = generateJWT(`id-${name}`, `${name}@例え.jp`, name, SECRET, 60);
      const u = verifyJWT(t, SECRET);
      assert.ok(u, name);
      assert.equal(u.name, name);
      assert.equal(u.id, `id-${name}`);
      assert.equal(u.email, `${name}@例え.jp`);
    }
  });

  test("a secret under 32 bytes throws a message naming the minimum and how to make one", () => {
    for (const secret of [SHORT, "", new Uint8Array(31)]) {
      for (const fn of [
        () => generateJWT("u", "e", "n", secret, 60),
        () => verifyJWT("a.b.c", secret),
        () => deriveKid(secret),
        () => new KeyRing({ keys: [{ kid: "k", secret }], signWith: "k" }),
      ]) {
        const e = thrown(fn);
        assert.ok(e instanceof Error);
        assert.match(e.message, /32/);
        assert.match(e.message, /openssl rand|randomBytes/);
        if (typeof secret === "string" && secret) assert.ok(!e.message.includes(secret), "secret echoed");
      }
    }
  });

  test("exactly 32 bytes is enough", () => {
    const s = "0123456789abcdef0123456789abcdef";
    assert.ok(verifyJWT(generateJWT("u", "e", "n", s, 60), s));
  });

  test("bad lifetimes throw: 0, -1, 1.5, NaN, Infinity, > 1 year", () => {
    for (const life of [0, -1, 1.5, NaN, Infinity, -Infinity, 365 * 86400 + 1, 10 * 365 * 86400]) {
      const e = thrown(() => generateJWT("u", "e", "n", SECRET, life));
      assert.match(e.message, /expiresInSeconds/, String(life));
    }
    assert.ok(generateJWT("u", "e", "n", SECRET, 1));
    assert.ok(generateJWT("u", "e", "n", SECRET, 365 * 86400));
  });

  test("absurd field lengths throw", () => {
    const huge = "x".repeat(100_000);
    for (const [args, field] of [
      [[huge, "e", "n"], /userId/],
      [["u", huge, "n"], /email/],
      [["u", "e", huge], /name/],
      [["u", "e", "é".repeat(600)], /name/], // 1200 bytes, 600 chars
    ]) {
      const e = thrown(() => generateJWT(...args, SECRET, 60));
      assert.match(e.message, field);
      assert.ok(!e.message.includes("xxxxxxxxxx"), "input echoed");
    }
  });

  test("verifyJWT returns null for tampered, expired, wrong-key and garbage tokens", () => {
    const t = generateJWT("u", "e", "n", SECRET, 60);
    const [h, p, s] = t.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url"));
    const cases = {
      wrongKey: generateJWT("u", "e", "n", OTHER_SECRET, 60),
      tamperedPayload: `${h}.${b64u(JSON.stringify({ ...claims, sub: "admin" }))}.${s}`,
      tamperedSig: `${h}.${p}.${s.slice(0, -2)}${s.at(-2) === "A" ? "B" : "A"}${s.at(-1)}`,
      expired: signRaw({ alg: "HS256", typ: "JWT" }, { ...claims, iat: now() - 100, exp: now() - 10 }, SECRET),
      expiresNow: signRaw({ alg: "HS256", typ: "JWT" }, { ...claims, iat: now() - 100, exp: now() }, SECRET),
      algNone: `${b64u('{"alg":"none","typ":"JWT"}')}.${p}.`,
      algHS512: signRaw({ alg: "HS512", typ: "JWT" }, claims, SECRET),
      noSig: `${h}.${p}`,
      extraSegment: `${t}.${s}`,
      padded: `${h}.${p}=.${s}`,
      empty: "",
      dots: "..",
      uuid: "550e8400-e29b-41d4-a716-446655440000",
      garbage: "not a token at all",
      bearer: `Bearer ${t}`,
      space: ` ${t}`,
      newline: `${t}\n`,
    };
    for (const [name, tok] of Object.entries(cases)) assert.equal(verifyJWT(tok, SECRET), null, name);
    assert.ok(verifyJWT(t, SECRET), "the original still verifies");
  });

  test("verifyJWT requires the seed's claims (email, name) and returns null without them", () => {
    const base = { sub: "u", iat: now(), exp: now() + 60 };
    assert.equal(verifyJWT(signRaw({ alg: "HS256" }, base, SECRET), SECRET), null);
    assert.ok(verifyJWT(signRaw({ alg: "HS256" }, { ...base, email: "e", name: "n" }, SECRET), SECRET));
  });

  test("verifyJWT never throws for non-string tokens either", () => {
    for (const v of [undefined, null, 0, 1n, {}, [], Symbol("s"), () => 1, new String("a.b.c")]) {
      assert.equal(verifyJWT(v, SECRET), null);
    }
  });

  // The token is copied into a reused wasm buffer through a cached view; a bigger
  // buffer (a ring with a larger maxTokenBytes) moves it and grows wasm memory, which
  // detaches every old view. Each path must still read the token it was given.
  test("tokens are read correctly after the input buffer moves and wasm memory grows", () => {
    const token = generateJWT("u-1", "a@example.com", "A", SECRET, 60);
    assert.equal(verifyJWT(token, SECRET)?.id, "u-1");
    const big = new KeyRing({ keys: [{ kid: "k", secret: SECRET }], signWith: "k", maxTokenBytes: 1 << 20 });
    const long = big.sign({ sub: "u-2", exp: now() + 60, pad: "x".repeat(600_000) });
    assert.equal(big.verify(long).ok, true);
    assert.equal(verifyJWT(token, SECRET)?.id, "u-1");
    const other = generateJWT("u-3", "b@example.com", "B", SECRET, 60);
    assert.equal(verifyJWT(other, SECRET)?.id, "u-3");
    assert.equal(big.verify(long).ok, true);
    assert.equal(big.verify(token).ok, true);
  });

  test("verifyJWT throws for a short secret even when the token is garbage", () => {
    assert.throws(() => verifyJWT("garbage", SHORT), /32/);
    assert.throws(() => verifyJWT(generateJWT("u", "e", "n", SECRET, 60), SHORT), /32/);
  });
});

describe("isJWT", () => {
  test("true for real tokens", () => {
    assert.equal(isJWT(generateJWT("u", "e", "n", SECRET, 60)), true);
    const ring = new KeyRing({ keys: [{ kid: "k", secret: SECRET }], signWith: "k" });
    assert.equal(isJWT(ring.sign({ sub: "u" }, 60)), true);
  });
  test("false for UUIDs, empty strings, non-strings and junk", () => {
    for (const v of [
      "550e8400-e29b-41d4-a716-446655440000",
      crypto.randomUUID(),
      "",
      ".",
      "..",
      "a.b.c",
      "eyJhbGciOiJub25lIn0.e30.",
      "eyJhbGciOiJIUzI1NiJ9.e30.a+cd/efgh",
      "eyJhbGciOiJIUzI1NiJ9.e30.ab cd",
      `${"a".repeat(9000)}.e30.abcd`,
      undefined,
      null,
      42,
      {},
      ["a.b.c"],
    ]) {
      assert.equal(isJWT(v), false, String(v).slice(0, 40));
    }
  });
});

describe("deriveKid", () => {
  test("a KeyRing keyed by deriveKid(secret) signs tokens verifyJWT(secret) accepts", () => {
    const kid = deriveKid(SECRET);
    const ring = new KeyRing({ keys: [{ kid, secret: SECRET }], signWith: kid });
    const u = verifyJWT(ring.sign({ sub: "u", email: "e", name: "ñ" }, 60), SECRET);
    assert.equal(u?.id, "u");
    assert.equal(u.name, "ñ");
  });

  test("stable, short, base64url and secret-free", () => {
    const k = deriveKid(SECRET);
    assert.equal(k, deriveKid(new TextEncoder().encode(SECRET)));
    assert.notEqual(k, deriveKid(OTHER_SECRET));
    assert.match(k, /^[A-Za-z0-9_-]{8,}$/);
    assert.ok(!SECRET.includes(k));
  });
});

test("CommonJS: require('hybrid-auth') works and interoperates with the ESM build", () => {
  const require = createRequire(import.meta.url);
  const cjs = require("hybrid-auth");
  for (const name of ["generateJWT", "verifyJWT", "isJWT", "deriveKid", "KeyRing"]) {
    assert.equal(typeof cjs[name], "function", name);
  }
  const t = cjs.generateJWT("u-cjs", "e", "Ünïcødé 🎉", SECRET, 60);
  assert.equal(verifyJWT(t, SECRET).name, "Ünïcødé 🎉", "ESM verifies a CJS token");
  assert.equal(cjs.verifyJWT(generateJWT("u", "e", "n", SECRET, 60), SECRET).id, "u", "CJS verifies an ESM token");
  assert.equal(cjs.isJWT(t), true);
  assert.equal(cjs.deriveKid(SECRET), deriveKid(SECRET));
  const ring = new cjs.KeyRing({ keys: [{ kid: "k", secret: SECRET }], signWith: "k" });
  assert.equal(ring.verify(ring.sign({ sub: "x" }, 60)).ok, true);
  assert.throws(() => cjs.generateJWT("u", "e", "n", SHORT, 60), /32/);
});
