// Differential test: on every generated token, the core's full answer must equal a
// strict reference verifier written with node:crypto (reference.mjs):
//   KeyRing.verify -> ok, kid and claims, or the reason (and the claims of an expired token);
//   verifyJWT      -> the AuthUser (every field) or null.
import { test } from "node:test";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { KeyRing, verifyJWT } from "hybrid-auth";
import { SECRET, SECRET_OLD, OTHER_SECRET, signRaw, b64u, macB64, rng } from "./support.mjs";
import { referenceVerify, referenceVerifyJWT } from "./reference.mjs";

const NOW = 1_800_000_000;
const KEYS = new Map([["new", SECRET], ["old", SECRET_OLD]]);
const TYPS = ["JWT", "at+jwt"];
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function headerVariants() {
  const v = [];
  const add = (h) => v.push(h);
  // alg variants
  for (const alg of ["HS256", "hs256", "HS384", "HS512", "none", "None", "RS256", "ES256", "HS256 ", " HS256", "", "HS2560", "HS256\u0000"])
    add({ alg, typ: "JWT" });
  for (const alg of [null, 256, true, ["HS256"], { alg: "HS256" }]) add({ alg, typ: "JWT" });
  add({ typ: "JWT" });
  add({});
  // crit and embedded keys
  for (const [k, val] of [
    ["crit", []], ["crit", ["exp"]], ["crit", "exp"], ["crit", null],
    ["jwk", { kty: "oct", k: "AAAA" }], ["jku", "https://x"], ["x5u", "https://x"], ["x5c", ["AAAA"]],
    ["b64", false], ["b64", true], ["zip", "DEF"], ["cty", "JWT"], ["x5t", "abc"], ["foo", "bar"],
  ]) add({ alg: "HS256", typ: "JWT", [k]: val });
  // kid types and values
  for (const kid of ["new", "old", "unknown", "", "NEW", "new ", 1, 0, null, true, [], ["new"], { kid: "new" }])
    add({ alg: "HS256", kid });
  // typ values
  for (const typ of ["JWT", "jwt", "Jwt", "application/jwt", "APPLICATION/JWT", "at+jwt", "AT+JWT", "application/at+jwt", "JOSE", "dpop+jwt", "", "application/", 1, null, ["JWT"]])
    add({ alg: "HS256", typ, kid: "new" });
  // raw JSON: duplicate keys, escapes, whitespace, odd shapes
  for (const raw of [
    '{"alg":"HS256","alg":"HS256"}',
    '{"alg":"none","alg":"HS256"}',
    '{"alg":"HS256","alg":"none"}',
    '{"alg":"HS256","kid":"new","kid":"old"}',
    '{"alg":"HS256","typ":"JWT","typ":"JWT"}',
    '{"alg":"HS256","\\u0061lg":"HS256"}',
    '{"\\u0061lg":"HS256"}',
    '{"alg":"HS\\u0032\\u0035\\u0036"}',
    '{"alg":"HS256","kid":"\\u006eew"}',
    ' {"alg" : "HS256" ,\r\n\t"typ":"JWT"} ',
    '{"alg":"HS256",}',
    '{"alg":"HS256"',
    '{"alg":"HS256"}x',
    '{"alg":"HS256"}{}',
    '["alg","HS256"]',
    '"HS256"',
    "null",
    "",
    "{'alg':'HS256'}",
    '{"alg":"HS256","typ":"JWT","n":01}',
    '{"alg":"HS256","n":1.}',
    '{"alg":"HS256","n":-}',
    '{"alg":"HS256","n":1e5,"m":-0.5E-3,"t":true,"f":false,"z":null}',
    '{"alg":"HS256","s":"\\x41"}',
    '{"alg":"HS256","s":"tab\there"}',
    '{"alg":"HS256","nested":{"a":[1,{"b":[]}]}}',
    '{"alg":"HS256","nested":' + "[".repeat(17) + "]".repeat(17) + "}",
    '{"alg":"HS256","nested":' + "[".repeat(14) + "]".repeat(14) + "}",
  ]) add(raw);
  add(Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"alg":"HS256"}')])); // BOM
  add(Buffer.from('{"alg":"HS256","x":"\xff"}', "latin1")); // invalid UTF-8
  add(Buffer.from('{"alg":"HS256","x":"\xc3\xa9"}', "latin1")); // valid UTF-8 é
  return v;
}

/** Claims sets around the instant NOW (a parameter: verifyJWT reads the real clock). */
function payloadVariants(NOW) {
  const base = { sub: "u", iat: NOW - 10, exp: NOW + 600 };
  const profile = { sub: "u", email: "e@x", name: "Zoë 🎉" };
  const v = [
    base,
    { ...base, email: "e@x", name: "Zoë 🎉", jti: "j" },
    { sub: "u", exp: NOW + 1 },
    { sub: "u", exp: NOW },
    { sub: "u", exp: NOW - 1 },
    { sub: "u", exp: NOW + 0.5 },
    { sub: "u", exp: NOW - 0.5 },
    { sub: "u" },
    { exp: NOW + 60 },
    { sub: 1, exp: NOW + 60 },
    { sub: null, exp: NOW + 60 },
    { sub: "", exp: NOW + 60 },
    { sub: "u", exp: String(NOW + 60) },
    { sub: "u", exp: null },
    { sub: "u", exp: [NOW + 60] },
    { ...base, nbf: NOW },
    { ...base, nbf: NOW + 1 },
    { ...base, nbf: "0" },
    { ...base, iat: NOW },
    { ...base, iat: NOW + 1 },
    { ...base, iat: "now" },
    { ...base, jti: 5 },
    { ...base, iss: 5 },
    { ...base, iss: "anything" },
    { ...base, aud: "x" },
    { ...base, aud: ["x", "y"] },
    { ...base, aud: ["x", 1] },
    { ...base, aud: 7 },
    '{"sub":"u","exp":1e400}',
    '{"sub":"u","exp":-1e400}',
    `{"sub":"u","exp":${NOW + 60}e0}`,
    `{"sub":"u","exp":${NOW + 60}.000}`,
    `{"sub":"u","exp":${(NOW + 60) / 1e9}E9}`,
    `{"sub":"u","exp":${NOW + 60},"exp":1}`,
    `{"sub":"u","exp":1,"exp":${NOW + 60}}`,
    `{"sub":"u","sub":"v","exp":${NOW + 60}}`,
    `{"sub":"u","\\u0065xp":1,"exp":${NOW + 60}}`,
    `{"sub":"\\u0075","exp":${NOW + 60}}`,
    ` \n{"sub":"u" , "exp":${NOW + 60}}\t`,
    `{"sub":"u","exp":${NOW + 60},}`,
    `{"sub":"u","exp":+${NOW + 60}}`,
    `{"sub":"u","exp":0x6B49D200}`,
    `{"sub":"u","exp":${NOW + 60}`,
    "[]",
    "null",
    "1",
    '"s"',
    "",
    `{"sub":"u","exp":${NOW + 60},"deep":${"[".repeat(15)}${"]".repeat(15)}}`,
    `{"sub":"u","exp":${NOW + 60},"deep":${"[".repeat(16)}${"]".repeat(16)}}`,
    Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(`{"sub":"u","exp":${NOW + 60}}`)]),
    Buffer.from(`{"sub":"\xc0\xaf","exp":${NOW + 60}}`, "latin1"),
    `{"sub":"\ud800","exp":${NOW + 60}}`,
    `{"sub":"\ud83d\ude00","exp":${NOW + 60}}`,
    // The seed's profile claims, as verifyJWT reads them: with and without iat and jti,
    // missing or mistyped, with extra claims.
    { ...profile, exp: NOW + 600 },
    { ...profile, exp: NOW + 600, jti: "j-1" },
    { ...profile, iat: NOW - 5, exp: NOW + 600, role: "admin", nested: { a: [1, "b"] } },
    { ...profile, exp: NOW + 600, iat: NOW + 1 },
    { ...profile, exp: NOW + 600, nbf: NOW + 1 },
    { ...profile, exp: NOW },
    { ...profile, exp: NOW + 600, email: 5 },
    { ...profile, exp: NOW + 600, name: null },
    { sub: "u", name: "n", exp: NOW + 600 },
    { sub: "u", email: "e", exp: NOW + 600 },
    { email: "e", name: "n", exp: NOW + 600 },
    { ...profile },
    { ...profile, sub: "", email: "", name: "", exp: NOW + 600 },
    `{"sub":"u","email":"e","name":"n","exp":${NOW + 600},"name":"m"}`,
    { ...profile, exp: NOW + 600, iat: 1e-7, jti: "" },
  ];
  return v;
}

/** Re-encodes a token segment in a non-canonical or padded way. */
function segmentTricks(token, rand) {
  const parts = token.split(".");
  const out = [];
  const i = rand.int(3);
  const seg = parts[i];
  const withSeg = (s) => parts.map((p, j) => (j === i ? s : p)).join(".");
  // padding, MAC kept (only a lenient decoder would accept)
  out.push(withSeg(seg + "=".repeat(1 + rand.int(2))));
  // standard alphabet
  out.push(withSeg(Buffer.from(seg, "base64url").toString("base64")));
  // non-canonical last char: flip the unused low bits
  const last = ALPHABET.indexOf(seg.at(-1));
  const unused = { 2: 0b1111, 3: 0b11 }[seg.length % 4];
  if (unused) out.push(withSeg(seg.slice(0, -1) + ALPHABET[(last & ~unused) | (1 + rand.int(unused))]));
  // whitespace
  out.push(withSeg(seg.slice(0, 4) + " " + seg.slice(4)));
  return out;
}

/** Same header/payload but the MAC recomputed over a padded signing input. */
function resignedPadded(header, payload, secret) {
  const h = b64u(JSON.stringify(header));
  const p = b64u(JSON.stringify(payload));
  const pad = (s) => s + "=".repeat((4 - (s.length % 4)) % 4 || 1);
  const input = `${pad(h)}.${p}`;
  return [`${input}.${macB64(input, secret)}`, `${h}.${pad(p)}.${macB64(`${h}.${pad(p)}`, secret)}`];
}

/** Generates ~3,000 tokens around NOW: every header and payload variant, random
 * combinations, tokens `sign` writes and their re-encodings, and one-byte mutations. */
function generateTokens(NOW, seed, ringForSigning) {
  const rand = rng(seed);
  const tokens = [];
  const H = headerVariants();
  const P = payloadVariants(NOW);
  const secrets = [SECRET, SECRET_OLD, OTHER_SECRET];
  // 1. Every header variant with a good payload, every payload with good headers.
  for (const h of H) for (const s of secrets) tokens.push({ kind: "header", t: signRaw(h, rand.pick([P[0], P[1], { sub: "u", email: "e", name: "n", exp: NOW + 600 }]), s) });
  for (const p of P)
    for (const h of [{ alg: "HS256", typ: "JWT" }, { alg: "HS256", kid: "new" }, { alg: "HS256", kid: "old" }, { alg: "HS256", kid: "anything" }])
      for (const s of secrets) tokens.push({ kind: "payload", t: signRaw(h, p, s) });
  // 2. Random combinations.
  while (tokens.length < 1800) {
    tokens.push({ kind: "combo", t: signRaw(rand.pick(H), rand.pick(P), rand() < 0.8 ? rand.pick(secrets.slice(0, 2)) : OTHER_SECRET) });
  }
  // 3. Valid tokens and their encoding tricks.
  const valid = [];
  for (let i = 0; i < 30; i++) {
    const kid = rand.pick(["new", "old", undefined, "anything"]);
    const secret = kid === "old" ? SECRET_OLD : SECRET;
    const header = kid === undefined ? { alg: "HS256", typ: "JWT" } : { alg: "HS256", kid, typ: "JWT" };
    valid.push(signRaw(header, { ...P[1], n: i }, secret));
  }
  for (let i = 0; i < 20; i++) valid.push(ringForSigning.sign({ sub: `u${i}`, email: "e", name: "ñ" }, 60));
  for (const t of valid) {
    tokens.push({ kind: "valid", t });
    for (const x of segmentTricks(t, rand)) tokens.push({ kind: "encoding", t: x });
  }
  for (let i = 0; i < 20; i++) for (const x of resignedPadded({ alg: "HS256" }, P[0], SECRET)) tokens.push({ kind: "padding", t: x });
  // 4. One-byte mutations of valid (and near-valid) tokens.
  const seeds = tokens.filter((x) => x.kind === "valid" || x.kind === "header").map((x) => x.t);
  const MUT = ALPHABET + ".=+/ ";
  while (tokens.length < 3200) {
    const t = rand.pick(seeds);
    const i = rand.int(t.length);
    const r = rand();
    let m;
    if (r < 0.7) m = t.slice(0, i) + MUT[rand.int(MUT.length)] + t.slice(i + 1);
    else if (r < 0.85) m = t.slice(0, i) + t.slice(i + 1);
    else m = t.slice(0, i) + MUT[rand.int(MUT.length)] + t.slice(i);
    tokens.push({ kind: "mutation", t: m });
  }
  // 5. Over the 8 KiB limit (refused before decoding), and just under it.
  for (const pad of [8000, 8200, 9000, 20000]) tokens.push({ kind: "size", t: signRaw({ alg: "HS256" }, { ...P[1], pad: "x".repeat(pad) }, SECRET) });
  // 6. Not a string at all.
  for (const t of [undefined, null, 42, {}, ["a.b.c"]]) tokens.push({ kind: "not a string", t });
  return tokens;
}

function showToken(t) {
  if (typeof t !== "string") return { token: t };
  const [h, p] = t.split(".");
  const show = (s) => { try { return Buffer.from(s, "base64url").toString("latin1"); } catch { return "?"; } };
  return { token: t, header: show(h ?? ""), payload: show(p ?? "").slice(0, 200) };
}

function report(name, counts, disagreements) {
  const total = Object.values(counts).reduce((a, c) => a + c.total, 0);
  const accepted = Object.values(counts).reduce((a, c) => a + c.accepted, 0);
  console.log(`${name}: ${total} tokens, ${accepted} accepted, ${total - accepted} refused; ${disagreements.length} disagreements`);
  console.table(counts);
  for (const d of disagreements.slice(0, 20)) console.log("DISAGREE", JSON.stringify({ ...d, ...showToken(d.token) }));
  return { total, accepted };
}

test("KeyRing.verify gives the reference's answer (ok, kid, claims or reason) on ~3,200 tokens", () => {
  const ring = new KeyRing({
    keys: [{ kid: "new", secret: SECRET }, { kid: "old", secret: SECRET_OLD }],
    signWith: "new",
    typ: ["at+jwt"],
    now: () => NOW,
  });
  const tokens = generateTokens(NOW, 20240601, ring);
  const counts = {};
  const reasons = {};
  const disagreements = [];
  for (const { kind, t } of tokens) {
    const expected = referenceVerify(t, { keys: KEYS, now: NOW, typs: TYPS });
    const got = ring.verify(t);
    const c = (counts[kind] ??= { total: 0, accepted: 0, refused: 0 });
    c.total++;
    c[expected.ok ? "accepted" : "refused"]++;
    reasons[expected.ok ? "ok" : expected.reason] = (reasons[expected.ok ? "ok" : expected.reason] ?? 0) + 1;
    try {
      assert.deepStrictEqual(got, expected);
    } catch {
      disagreements.push({ kind, expected, got, token: t });
    }
  }
  const { total, accepted } = report("KeyRing.verify", counts, disagreements);
  console.log("reasons:", JSON.stringify(reasons));
  assert.ok(total >= 3000);
  assert.ok(accepted >= 100, "the generator must produce enough valid tokens");
  // Every reason the reference can give is exercised, so each comparison means something
  // (wrong_issuer/wrong_audience need a configured ring: see the next test).
  for (const r of ["ok", "malformed", "too_large", "unsupported_alg", "unsupported_header", "unknown_kid", "bad_signature", "bad_typ", "invalid_claims", "not_yet_valid", "issued_in_future", "expired"]) {
    assert.ok(reasons[r] > 0, `no token was expected to give ${r}`);
  }
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements (see log)`);
});

test("KeyRing.verify with issuer, audience and leeway gives the reference's answer", () => {
  const ring = new KeyRing({
    keys: [{ kid: "new", secret: SECRET }],
    signWith: "new",
    issuer: "https://iss.example",
    audience: "api",
    leewaySeconds: 30,
    now: () => NOW,
  });
  const rand = rng(7);
  const disagreements = [];
  const reasons = {};
  const isss = [undefined, "https://iss.example", "https://iss.example", "https://iss.example", "https://other.example", 5];
  const auds = [undefined, "api", "api", ["web", "api"], "web", ["web"], [], [1]];
  const times = [-31, -30, -29, 0, 29, 30, 31];
  for (let i = 0; i < 2000; i++) {
    const claims = { sub: "u", exp: NOW + rand.pick(times) };
    const iss = rand.pick(isss);
    const aud = rand.pick(auds);
    if (iss !== undefined) claims.iss = iss;
    if (aud !== undefined) claims.aud = aud;
    if (rand() < 0.3) claims.nbf = NOW + rand.pick(times);
    if (rand() < 0.3) claims.iat = NOW + rand.pick(times);
    const t = signRaw({ alg: "HS256", kid: rand() < 0.9 ? "new" : "nope" }, claims, SECRET);
    const expected = referenceVerify(t, { keys: new Map([["new", SECRET]]), now: NOW, leeway: 30, issuer: "https://iss.example", audience: "api" });
    const got = ring.verify(t);
    reasons[expected.ok ? "ok" : expected.reason] = (reasons[expected.ok ? "ok" : expected.reason] ?? 0) + 1;
    try {
      assert.deepStrictEqual(got, expected);
    } catch {
      disagreements.push({ expected, got, token: t });
    }
  }
  console.log("configured ring reasons:", JSON.stringify(reasons));
  for (const d of disagreements.slice(0, 10)) console.log("DISAGREE", JSON.stringify({ ...d, ...showToken(d.token) }));
  for (const r of ["ok", "wrong_issuer", "wrong_audience", "invalid_claims", "expired", "not_yet_valid", "issued_in_future", "unknown_kid"]) {
    assert.ok(reasons[r] > 0, `no token was expected to give ${r}`);
  }
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements (see log)`);
});

test("verifyJWT returns the reference's AuthUser (or null) on ~3,200 tokens", () => {
  // verifyJWT reads the real clock: the tokens are built around it, and a token whose
  // reference answer changes between the clock readings taken just before and just after
  // the call (an exp or nbf boundary crossed during it) is counted, not compared.
  const realNow = Math.floor(Date.now() / 1000);
  const signer = new KeyRing({ keys: [{ kid: "new", secret: SECRET }], signWith: "new" });
  const tokens = generateTokens(realNow, 20240602, signer);
  const counts = {};
  const disagreements = [];
  let boundary = 0;
  for (const { kind, t } of tokens) {
    const before = referenceVerifyJWT(t, SECRET, Date.now() / 1000);
    const got = verifyJWT(t, SECRET);
    const after = referenceVerifyJWT(t, SECRET, Date.now() / 1000);
    if (!isDeepStrictEqual(before, after)) {
      boundary++;
      continue;
    }
    const c = (counts[kind] ??= { total: 0, accepted: 0, refused: 0 });
    c.total++;
    c[before ? "accepted" : "refused"]++;
    if (!isDeepStrictEqual(got, before)) disagreements.push({ kind, expected: before, got, token: t });
  }
  const { total, accepted } = report("verifyJWT", counts, disagreements);
  console.log(`verifyJWT: ${boundary} tokens crossed a time boundary during their call`);
  assert.ok(total >= 3000);
  assert.ok(accepted >= 50, "the generator must produce enough valid tokens");
  // Tokens the kid-selecting ring refuses but verifyJWT must accept are in the mix.
  const kidOnly = tokens.filter(({ t }) => {
    const [h] = typeof t === "string" ? t.split(".") : [];
    try {
      const kid = JSON.parse(Buffer.from(h, "base64url").toString()).kid;
      return kid !== undefined && kid !== "new" && referenceVerifyJWT(t, SECRET, Date.now() / 1000) !== null;
    } catch {
      return false;
    }
  });
  assert.ok(kidOnly.length >= 10, `${kidOnly.length} accepted tokens with a kid the ring does not hold`);
  const noIat = tokens.filter(({ t }) => {
    const u = referenceVerifyJWT(t, SECRET, Date.now() / 1000);
    return u !== null && !("iat" in u);
  });
  assert.ok(noIat.length >= 10, `${noIat.length} accepted tokens without iat`);
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements (see log)`);
});

// The reference itself must be right: check it against the vendored vectors.
const vectors = (name) => JSON.parse(readFileSync(new URL(`../../tests/vectors/${name}`, import.meta.url), "utf8"));

test("the reference verifier agrees with tests/vectors/jwt_hs256_cases.json (strict profile)", () => {
  // The vectors' profile: nothing required, 1 MiB tokens. Reasons are checked where the
  // Rust suite pins them too (tests/vectors.rs).
  const REASONS = {
    alg_none_empty_signature: "unsupported_alg",
    alg_missing: "malformed",
    crit_empty_list: "unsupported_header",
    header_duplicate_alg_none_then_HS256: "malformed",
    sig_truncated_to_128_bits: "bad_signature",
    payload_noncanonical_last_char: "malformed",
    payload_depth_bomb_10000: "malformed",
    exp_equals_now: "expired",
    nbf_now_plus_1: "not_yet_valid",
    exp_1e400_overflow: "invalid_claims",
  };
  let checked = 0;
  for (const c of vectors("jwt_hs256_cases.json")) {
    const key = Buffer.from(c.key_b64url, "base64url");
    const got = referenceVerify(c.token, {
      keys: new Map([["key-1", key]]),
      now: c.now,
      leeway: c.leeway,
      maxTokenBytes: 1 << 20,
      requireSub: false,
      requireExp: false,
    });
    assert.equal(got.ok, c.expect === "valid", `${c.name}: ${c.reason} (got ${got.reason})`);
    if (c.name in REASONS) assert.equal(got.reason, REASONS[c.name], c.name);
    checked++;
  }
  assert.equal(checked, 80);
});

test("the reference verifier gives every reason in tests/vectors/seed_compat_cases.json, both kid rules", () => {
  const cases = vectors("seed_compat_cases.json");
  for (const c of cases) {
    const key = Buffer.from(c.key_b64url, "base64url");
    const code = (r) => (r.ok ? "valid" : r.reason);
    const ring = referenceVerify(c.token, { keys: new Map([["key-1", key]]), now: c.now });
    const dropIn = referenceVerify(c.token, { keys: new Map([["d", key]]), kidRule: "ignore", now: c.now });
    assert.equal(code(ring), c.ring, `${c.name} (ring)`);
    assert.equal(code(dropIn), c.drop_in, `${c.name} (drop-in)`);
  }
  assert.equal(cases.length, 32);
});

test("verifyJWT answers tests/vectors/seed_compat_cases.json as the drop-in expectation says", () => {
  // The vectors' instant is in the past: re-sign each case's header and payload with its
  // times moved to now, so the clock verifyJWT reads gives the same answer.
  for (const c of vectors("seed_compat_cases.json")) {
    if (c.drop_in !== "valid") continue;
    const key = Buffer.from(c.key_b64url, "base64url");
    const [h, p] = c.token.split(".");
    const shift = Math.floor(Date.now() / 1000) - c.now;
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    for (const k of ["exp", "nbf", "iat"]) if (typeof claims[k] === "number") claims[k] += shift;
    const t = signRaw(Buffer.from(h, "base64url"), claims, key);
    const user = verifyJWT(t, key);
    assert.ok(user, c.name);
    assert.equal(user.id, claims.sub, c.name);
    assert.equal("iat" in user, "iat" in claims, c.name);
  }
});
