// Differential test: KeyRing.verify's accept/reject must equal a strict reference
// verifier written here with node:crypto (see support.mjs) on every generated token.
import { test } from "node:test";
import { readFileSync, existsSync } from "node:fs";
import assert from "node:assert/strict";
import { KeyRing } from "hybrid-auth";
import { SECRET, SECRET_OLD, OTHER_SECRET, signRaw, b64u, macB64, rng, referenceVerify } from "./support.mjs";

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

function payloadVariants() {
  const base = { sub: "u", iat: NOW - 10, exp: NOW + 600 };
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

test("KeyRing.verify agrees with a strict node:crypto reference on ~3,000 tokens", () => {
  const ring = new KeyRing({
    keys: [{ kid: "new", secret: SECRET }, { kid: "old", secret: SECRET_OLD }],
    signWith: "new",
    typ: ["at+jwt"],
    now: () => NOW,
  });
  const rand = rng(20240601);
  const tokens = [];
  const H = headerVariants();
  const P = payloadVariants();
  const secrets = [SECRET, SECRET_OLD, OTHER_SECRET];
  // 1. Every header variant with a good payload, every payload with good headers.
  for (const h of H) for (const s of secrets) tokens.push({ kind: "header", t: signRaw(h, P[0], s) });
  for (const p of P)
    for (const h of [{ alg: "HS256", typ: "JWT" }, { alg: "HS256", kid: "new" }, { alg: "HS256", kid: "old" }])
      for (const s of secrets) tokens.push({ kind: "payload", t: signRaw(h, p, s) });
  // 2. Random combinations.
  while (tokens.length < 1500) {
    tokens.push({ kind: "combo", t: signRaw(rand.pick(H), rand.pick(P), rand() < 0.8 ? rand.pick(secrets.slice(0, 2)) : OTHER_SECRET) });
  }
  // 3. Valid tokens from the ring itself and their encodings tricks.
  const valid = [];
  for (let i = 0; i < 30; i++) {
    const kid = rand.pick(["new", "old"]);
    valid.push(signRaw({ alg: "HS256", kid, typ: "JWT" }, { ...P[1], n: i }, KEYS.get(kid)));
  }
  for (let i = 0; i < 20; i++) {
    const t = ring.sign({ sub: `u${i}`, name: "ñ" }, 60);
    valid.push(t);
  }
  for (const t of valid) {
    tokens.push({ kind: "valid", t });
    for (const x of segmentTricks(t, rand)) tokens.push({ kind: "encoding", t: x });
  }
  for (let i = 0; i < 20; i++) for (const x of resignedPadded({ alg: "HS256" }, P[0], SECRET)) tokens.push({ kind: "padding", t: x });
  // 4. One-byte mutations of valid (and near-valid) tokens.
  const seeds = tokens.filter((x) => x.kind === "valid" || x.kind === "header").map((x) => x.t);
  const MUT = ALPHABET + ".=+/ ";
  while (tokens.length < 3000) {
    const t = rand.pick(seeds);
    const i = rand.int(t.length);
    const r = rand();
    let m;
    if (r < 0.7) m = t.slice(0, i) + MUT[rand.int(MUT.length)] + t.slice(i + 1);
    else if (r < 0.85) m = t.slice(0, i) + t.slice(i + 1);
    else m = t.slice(0, i) + MUT[rand.int(MUT.length)] + t.slice(i);
    tokens.push({ kind: "mutation", t: m });
  }

  const counts = {};
  const disagreements = [];
  for (const { kind, t } of tokens) {
    const expected = referenceVerify(t, { keys: KEYS, now: NOW, typs: TYPS });
    const res = ring.verify(t);
    const c = (counts[kind] ??= { total: 0, accepted: 0, rejected: 0 });
    c.total++;
    c[expected ? "accepted" : "rejected"]++;
    if (res.ok !== expected) disagreements.push({ kind, expected, got: res.ok ? "ok" : res.reason, token: t });
  }
  const total = tokens.length;
  const accepted = Object.values(counts).reduce((a, c) => a + c.accepted, 0);
  console.log(`differential: ${total} tokens, ${accepted} accepted, ${total - accepted} rejected by both; ${disagreements.length} disagreements`);
  console.table(counts);
  for (const d of disagreements.slice(0, 20)) {
    const [h, p] = d.token.split(".");
    const show = (s) => { try { return Buffer.from(s, "base64url").toString("latin1"); } catch { return "?"; } };
    console.log("DISAGREE", JSON.stringify({ ...d, header: show(h ?? ""), payload: show(p ?? "").slice(0, 200) }));
  }
  assert.ok(total >= 3000);
  assert.ok(accepted >= 100, "the generator must produce enough valid tokens");
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements (see log)`);
});

// The reference itself must be right: check it against ../shared/vectors (the strict
// profile), where the only expected differences are this package's stricter profile.
const VECTORS = new URL("../../../shared/vectors/jwt_hs256_cases.json", import.meta.url);
test("the reference verifier agrees with ../shared/vectors/jwt_hs256_cases.json", { skip: !existsSync(VECTORS) }, () => {
  const cases = JSON.parse(readFileSync(VECTORS, "utf8"));
  // This package requires sub and exp (the vectors' profile does not).
  const REQUIRED_CLAIMS = new Set(["valid_empty_claims_object"]);
  let checked = 0;
  for (const c of cases) {
    const key = Buffer.from(c.key_b64url, "base64url");
    const got = referenceVerify(c.token, { keys: new Map([["key-1", key]]), now: c.now, leeway: c.leeway, maxTokenBytes: 1 << 20 });
    const want = c.expect === "valid" && !REQUIRED_CLAIMS.has(c.name);
    assert.equal(got, want, `${c.name}: ${c.reason}`);
    checked++;
  }
  assert.equal(checked, 80);
});
