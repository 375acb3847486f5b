// The seed's two-argument verifyJWT(token, secret) accepts what seed-era TypeScript
// signers issued with that secret (issue 12 §4): jose, hono/jwt, jsonwebtoken, fast-jwt
// and @tsndr/cloudflare-worker-jwt, in their common modes (with and without iat, with a
// kid header of any value, with extra claims, with the typ values they write), and
// returns the right user. For each library: a wrong secret, alg "none", an expired
// token and an nbf in the future are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { SignJWT, UnsecuredJWT } from "jose";
import { sign as honoSign } from "hono/jwt";
import { createSigner } from "fast-jwt";
import tsndr from "@tsndr/cloudflare-worker-jwt";
import { verifyJWT, KeyRing } from "hybrid-auth";
import { SECRET, OTHER_SECRET } from "./support.mjs";

const jsonwebtoken = createRequire(import.meta.url)("jsonwebtoken");

const now = () => Math.floor(Date.now() / 1000);
const PROFILE = { email: "ada@example.com", name: "Ada Lovelace" };
const EXTRA = { role: "admin", tenant: { id: 7, tags: ["a", "ü"] }, scope: null, n: 1.5 };
const bytes = (s) => new TextEncoder().encode(s);

/**
 * Each library signs `claims` (sub/email/name, optionally extra; no iat unless the mode
 * says so) with `secret` and these options:
 *   iat: write iat (false where the library can leave it out)
 *   kid: a kid header value, or undefined
 *   typ: a typ header value, null for none, undefined for the library's default
 *   exp, nbf: absolute NumericDates
 *   jti: a token id, through the library's option where it has one
 * `modes` lists what each library can express; `none` signs an alg "none" token the
 * library's own way (or null when it has no such mode).
 */
const SIGNERS = {
  jose: {
    modes: { noIat: true, kid: true, typs: [undefined, "JWT", "jwt", "application/jwt"] },
    async sign(claims, secret, { iat, kid, typ, exp, nbf, jti }) {
      const header = { alg: "HS256" };
      if (typ) header.typ = typ;
      if (kid !== undefined) header.kid = kid;
      let b = new SignJWT(claims).setProtectedHeader(header).setExpirationTime(exp);
      if (iat) b = b.setIssuedAt();
      if (nbf !== undefined) b = b.setNotBefore(nbf);
      if (jti) b = b.setJti(jti);
      return b.sign(bytes(secret));
    },
    none: (claims, { exp }) => new UnsecuredJWT(claims).setExpirationTime(exp).encode(),
  },
  "hono/jwt": {
    // hono writes {"alg":"HS256","typ":"JWT"}, plus kid when the key is a JWK with one,
    // and never adds iat.
    modes: { noIat: true, kid: true, typs: [undefined] },
    async sign(claims, secret, { iat, kid, exp, nbf, jti }) {
      const payload = { ...claims, exp };
      if (iat) payload.iat = now();
      if (jti) payload.jti = jti;
      if (nbf !== undefined) payload.nbf = nbf;
      const key =
        kid === undefined
          ? secret
          : { kty: "oct", k: Buffer.from(secret).toString("base64url"), alg: "HS256", kid };
      return honoSign(payload, key, "HS256");
    },
    none: null,
  },
  jsonwebtoken: {
    modes: { noIat: true, kid: true, typs: [undefined, "jwt"] },
    async sign(claims, secret, { iat, kid, typ, exp, nbf, jti }) {
      const opts = { algorithm: "HS256", noTimestamp: !iat };
      if (kid !== undefined) opts.keyid = kid;
      if (typ) opts.header = { alg: "HS256", typ };
      if (jti) opts.jwtid = jti;
      return jsonwebtoken.sign({ ...claims, exp, ...(nbf === undefined ? {} : { nbf }) }, secret, opts);
    },
    none: (claims, { exp }) => jsonwebtoken.sign({ ...claims, exp }, null, { algorithm: "none" }),
  },
  "fast-jwt": {
    modes: { noIat: true, kid: true, typs: [undefined, "JWT", "jwt"] },
    async sign(claims, secret, { iat, kid, typ, exp, nbf, jti }) {
      const signer = createSigner({
        key: secret,
        algorithm: "HS256",
        noTimestamp: !iat,
        ...(kid === undefined ? {} : { kid }),
        ...(typ ? { typ } : {}),
        ...(jti ? { jti } : {}),
      });
      return signer({ ...claims, exp, ...(nbf === undefined ? {} : { nbf }) });
    },
    none: (claims, { exp }) => createSigner({ algorithm: "none" })({ ...claims, exp }),
  },
  "@tsndr/cloudflare-worker-jwt": {
    // Always adds iat. A custom header replaces its default {"typ":"JWT"}, so a kid
    // header comes without typ.
    modes: { noIat: false, kid: true, typs: [undefined] },
    async sign(claims, secret, { kid, exp, nbf, jti }) {
      const payload = { ...claims, exp, ...(nbf === undefined ? {} : { nbf }), ...(jti ? { jti } : {}) };
      const options = kid === undefined ? "HS256" : { algorithm: "HS256", header: { kid } };
      return tsndr.sign(payload, secret, options);
    },
    none: (claims, { exp }) => tsndr.sign({ ...claims, exp }, "", { algorithm: "none" }),
  },
};

const decode = (seg) => JSON.parse(Buffer.from(seg, "base64url").toString("utf8"));

/** The user verifyJWT must return for an accepted token, read from its payload here. */
function expectedUser(token) {
  const p = decode(token.split(".")[1]);
  const u = { id: p.sub, email: p.email, name: p.name };
  if ("iat" in p) u.iat = p.iat;
  u.exp = p.exp;
  if ("jti" in p) u.jti = p.jti;
  return u;
}

/** Every mode a library supports, as [label, options, claims]. */
function positiveModes(modes) {
  const exp = now() + 600;
  const out = [];
  const base = { sub: "user-42", ...PROFILE };
  out.push(["with iat", { iat: true, exp }, base]);
  if (modes.noIat) out.push(["without iat", { iat: false, exp }, base]);
  out.push(["extra claims", { iat: true, exp }, { ...base, ...EXTRA }]);
  out.push(["extra claims, no iat", { iat: !modes.noIat, exp }, { ...base, ...EXTRA, name: "Zoë 👩🏽‍💻" }]);
  out.push(["past nbf", { iat: true, exp, nbf: now() - 5 }, base]);
  out.push(["jti", { iat: true, exp, jti: "jti-1" }, base]);
  if (modes.kid) {
    for (const kid of ["anything", "", "2024-01-rotation", "k1"]) {
      out.push([`kid ${JSON.stringify(kid)}`, { iat: !modes.noIat, exp, kid }, base]);
    }
  }
  for (const typ of modes.typs) if (typ) out.push([`typ ${typ}`, { iat: true, exp, typ }, base]);
  return out;
}

for (const [lib, signer] of Object.entries(SIGNERS)) {
  test(`${lib}: verifyJWT accepts its tokens and returns their user`, async () => {
    let accepted = 0;
    for (const [label, opts, claims] of positiveModes(signer.modes)) {
      const token = await signer.sign(claims, SECRET, opts);
      const header = decode(token.split(".")[0]);
      const payload = decode(token.split(".")[1]);
      // The mode really is what the label says (the library did what we asked).
      assert.equal(header.alg, "HS256", label);
      if ("kid" in opts) assert.equal(header.kid, opts.kid, label);
      if (opts.typ) assert.equal(header.typ, opts.typ, label);
      if (label.includes("without iat") || label.includes("no iat")) {
        if (signer.modes.noIat) assert.ok(!("iat" in payload), `${label}: payload has no iat`);
      }
      const user = verifyJWT(token, SECRET);
      assert.deepEqual(user, expectedUser(token), `${lib} ${label}: ${JSON.stringify(header)}`);
      assert.equal(user.id, "user-42");
      assert.equal(user.email, PROFILE.email);
      assert.equal("iat" in user, "iat" in payload, label);
      if (opts.jti) assert.equal(user.jti, opts.jti, label);
      // The same token as Uint8Array secret: same answer.
      assert.deepEqual(verifyJWT(token, bytes(SECRET)), user, label);
      accepted++;
    }
    assert.ok(accepted >= 8, `${lib}: ${accepted} modes`);
  });

  test(`${lib}: wrong secret, alg none, expired and future nbf are refused`, async () => {
    const base = { sub: "user-42", ...PROFILE };
    const exp = now() + 600;
    const cases = [];
    for (const kid of signer.modes.kid ? [undefined, "anything"] : [undefined]) {
      const good = await signer.sign(base, SECRET, { iat: true, exp, kid });
      assert.ok(verifyJWT(good, SECRET), "control: the untampered token is accepted");
      cases.push([`wrong secret (kid ${kid})`, await signer.sign(base, OTHER_SECRET, { iat: true, exp, kid })]);
      cases.push([`expired (kid ${kid})`, await signer.sign(base, SECRET, { iat: false, exp: now() - 1, kid })]);
      cases.push([`nbf in future (kid ${kid})`, await signer.sign(base, SECRET, { iat: true, exp, nbf: now() + 3600, kid })]);
      // alg none spliced onto the library's authentic payload, with and without its MAC.
      const [, p, s] = good.split(".");
      for (const alg of ["none", "None"]) {
        const h = Buffer.from(JSON.stringify({ alg, typ: "JWT", ...(kid === undefined ? {} : { kid }) })).toString("base64url");
        cases.push([`alg ${alg} (kid ${kid}), empty signature`, `${h}.${p}.`]);
        cases.push([`alg ${alg} (kid ${kid}), original signature`, `${h}.${p}.${s}`]);
      }
    }
    if (signer.none) cases.push(["alg none signed by the library", await signer.none(base, { exp })]);
    for (const [label, token] of cases) {
      assert.equal(verifyJWT(token, SECRET), null, `${lib}: ${label}`);
    }
    assert.ok(cases.length >= 7);
  });
}

test("KeyRing keeps its stricter kid rule for the same tokens", async () => {
  const ring = new KeyRing({ keys: [{ kid: "k1", secret: SECRET }], signWith: "k1" });
  const exp = now() + 600;
  for (const [lib, signer] of Object.entries(SIGNERS)) {
    if (!signer.modes.kid) continue;
    const claims = { sub: "u", ...PROFILE };
    const other = await signer.sign(claims, SECRET, { iat: true, exp, kid: "anything" });
    assert.ok(verifyJWT(other, SECRET), lib);
    assert.equal(ring.verify(other).reason, "unknown_kid", lib);
    const named = await signer.sign(claims, SECRET, { iat: false, exp, kid: "k1" });
    assert.equal(ring.verify(named).ok, true, lib);
  }
});

test("verifyJWT still requires sub, email, name and exp, and refuses other typ values", async () => {
  const exp = now() + 600;
  const sign = (claims, header = { alg: "HS256" }) =>
    new SignJWT(claims).setProtectedHeader(header).sign(bytes(SECRET));
  assert.ok(verifyJWT(await sign({ sub: "u", ...PROFILE, exp }), SECRET));
  assert.equal(verifyJWT(await sign({ ...PROFILE, exp }), SECRET), null, "no sub");
  assert.equal(verifyJWT(await sign({ sub: "u", name: "n", exp }), SECRET), null, "no email");
  assert.equal(verifyJWT(await sign({ sub: "u", email: "e", exp }), SECRET), null, "no name");
  assert.equal(verifyJWT(await sign({ sub: "u", ...PROFILE }), SECRET), null, "no exp");
  assert.equal(verifyJWT(await sign({ sub: "u", ...PROFILE, exp, iat: "now" }), SECRET), null, "iat not a number");
  assert.equal(verifyJWT(await sign({ sub: "u", ...PROFILE, exp, iat: now() + 60 }), SECRET), null, "iat in the future");
  assert.equal(verifyJWT(await sign({ sub: "u", ...PROFILE, exp }, { alg: "HS256", typ: "at+jwt", kid: "x" }), SECRET), null, "typ at+jwt");
  assert.equal(verifyJWT(await sign({ sub: "u", ...PROFILE, exp }, { alg: "HS256", kid: "x", crit: ["b64"], b64: true }), SECRET), null, "crit");
});
