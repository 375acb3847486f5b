// The same wasm instance keeps working after 20,000 hostile inputs: a panic or trap
// inside wasm would poison it for every later call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generateJWT, verifyJWT, isJWT, KeyRing } from "hybrid-auth";
import { SECRET, signRaw, b64u, rng } from "./support.mjs";

const REASONS = new Set([
  "malformed", "too_large", "unsupported_alg", "unsupported_header", "unknown_kid", "bad_signature",
  "bad_typ", "invalid_claims", "wrong_issuer", "wrong_audience", "not_yet_valid", "issued_in_future", "expired",
]);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const EXTRA = ".=+/ \t\n\0%é😀\uD800\uDFFF{}\"\\";

function* hostileInputs(good, ringToken, rand) {
  const H = { alg: "HS256", typ: "JWT" };
  const now = Math.floor(Date.now() / 1000);
  const P = { sub: "u", email: "e", name: "n", iat: now, exp: now + 600 };
  // Structured nasties, signed with the right key so they get past the MAC.
  const nasty = [
    signRaw(H, "[".repeat(10000) + "]".repeat(10000), SECRET),
    signRaw(H, '{"a":'.repeat(5000) + "1" + "}".repeat(5000), SECRET),
    signRaw("[".repeat(10000), P, SECRET),
    signRaw(H, `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(",")}}`, SECRET),
    signRaw(`{${Array.from({ length: 500 }, (_, i) => `"h${i}":${i}`).join(",")},"alg":"HS256"}`, P, SECRET),
    signRaw(H, { ...P, exp: 1e308 * 10 }, SECRET),
    signRaw(H, `{"sub":"u","exp":1e999999999}`, SECRET),
    signRaw(H, `{"sub":"u","exp":${"9".repeat(5000)}}`, SECRET),
    signRaw(H, `{"sub":"u","exp":0.${"0".repeat(5000)}1}`, SECRET),
    signRaw(H, `{"sub":"\\ud800","exp":${now + 60}}`, SECRET),
    signRaw(H, `{"sub":"\\udc00\\ud800\\u0000","exp":${now + 60}}`, SECRET),
    signRaw(H, `{"sub":"${"\\u00e9".repeat(3000)}","exp":${now + 60}}`, SECRET),
    signRaw(H, Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), SECRET),
    signRaw(H, Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), SECRET),
    signRaw(H, Buffer.from('{"sub":"\xed\xa0\x80"}', "latin1"), SECRET),
    signRaw(H, "", SECRET),
    signRaw(H, '{"sub":"u","exp":', SECRET),
    signRaw(H, '{"sub":"u","exp":-0,"nbf":-1e-400}', SECRET),
    signRaw(H, { ...P, aud: Array(5000).fill("a") }, SECRET),
    signRaw({ alg: "HS256", kid: "k".repeat(100000) }, P, SECRET),
    signRaw({ alg: "HS256", typ: "t".repeat(100000) }, P, SECRET),
    `${b64u('{"alg":"none"}')}.${b64u(JSON.stringify(P))}.`,
    "\uD800.\uDC00.\uFFFF",
    "..........",
    "a.b.c.d.e.f",
    ".".repeat(5000),
  ];
  yield* nasty;
  // 1 MB strings, for the size guards (JWT-shaped and not).
  for (let i = 0; i < 6; i++) {
    const seg = (n) => Array.from({ length: n }, () => ALPHABET[rand.int(64)]).join("");
    yield i % 2 ? `${seg(500_000)}.${seg(500_000)}.${seg(43)}` : "é".repeat(524_288);
    yield `${good}${"A".repeat(1 << 20)}`;
  }
  const tokens = [good, ringToken];
  while (true) {
    const kind = rand.int(6);
    if (kind === 0) {
      yield randomBytes(rand.int(300)).toString(rand.pick(["latin1", "utf8", "base64", "hex", "utf16le"]));
    } else if (kind === 1) {
      const seg = () => Array.from({ length: rand.int(80) }, () => ALPHABET[rand.int(64)]).join("");
      yield Array.from({ length: 1 + rand.int(5) }, seg).join(".");
    } else if (kind === 2) {
      const t = rand.pick(tokens);
      yield t.slice(0, rand.int(t.length));
    } else if (kind === 3 || kind === 4) {
      const t = rand.pick(tokens);
      const i = rand.int(t.length);
      const pool = kind === 3 ? ALPHABET : EXTRA;
      let c = pool[rand.int(pool.length)];
      if (c === t[i]) c = c === "A" ? "B" : "A";
      yield t.slice(0, i) + c + t.slice(i + 1);
    } else {
      // Segment surgery: swap, duplicate, drop or splice segments of the good tokens.
      const a = rand.pick(tokens).split(".");
      const b = rand.pick(tokens).split(".");
      const parts = [rand.pick(a), rand.pick(b), rand.pick([...a, ...b, ""])];
      if (rand() < 0.3) parts.push(rand.pick(a));
      const out = parts.join(".");
      if (out !== good && out !== ringToken) yield out;
    }
  }
}

test("same instance still works after 20,000 hostile inputs", () => {
  const ring = new KeyRing({ keys: [{ kid: "k1", secret: SECRET }], signWith: "k1", typ: ["at+jwt"] });
  const good = generateJWT("user", "u@example.com", "Ülrich 🎉", SECRET, 600);
  const ringToken = ring.sign({ sub: "user", name: "x" }, 600);
  const rand = rng(0xc0ffee);
  const counts = { inputs: 0, verifyNull: 0, ringRejected: 0, isJwtTrue: 0, megabyte: 0 };
  const reasons = {};
  for (const input of hostileInputs(good, ringToken, rand)) {
    if (counts.inputs === 20_000) break;
    counts.inputs++;
    if (input.length >= 1 << 19) counts.megabyte++;
    let u, r, j;
    try {
      u = verifyJWT(input, SECRET);
      j = isJWT(input);
      r = ring.verify(input);
    } catch (e) {
      assert.fail(`threw on input #${counts.inputs} (${JSON.stringify(input.slice(0, 120))}): ${e.message}`);
    }
    assert.equal(typeof j, "boolean");
    if (u === null) counts.verifyNull++;
    else assert.equal(typeof u.id, "string");
    if (j) counts.isJwtTrue++;
    assert.equal(typeof r.ok, "boolean");
    if (!r.ok) {
      counts.ringRejected++;
      assert.ok(REASONS.has(r.reason), r.reason);
      reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
    }
    // A mutated token is never accepted (anything accepted must be one of the originals' claims).
    if (input !== good && input !== ringToken) {
      assert.equal(u, null, `accepted a mutation: ${input.slice(0, 200)}`);
      assert.equal(r.ok, false, `ring accepted a mutation: ${input.slice(0, 200)}`);
    }
  }
  console.log("hostile:", JSON.stringify(counts), JSON.stringify(reasons));
  assert.equal(counts.inputs, 20_000);
  assert.ok(counts.megabyte >= 6);
  // The instance is intact.
  assert.equal(verifyJWT(good, SECRET).name, "Ülrich 🎉");
  assert.equal(isJWT(good), true);
  const again = ring.verify(ringToken);
  assert.equal(again.ok, true);
  assert.equal(again.claims.sub, "user");
  assert.equal(ring.verify(ring.sign({ sub: "after" }, 60)).claims.sub, "after");
  assert.equal(verifyJWT(generateJWT("after", "e", "n", SECRET, 60), SECRET).id, "after");
});
