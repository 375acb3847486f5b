// `npm run test:browser`: the package's `browser` entry (package.json exports
// "browser"/"default" → entry/browser.js, which fetches pkg/web's .wasm beside it)
// run in real headless Chromium. A tiny node:http server on 127.0.0.1 serves the
// repository's entry/ and pkg/web/ as they ship in the tarball, and the page imports
// entry/browser.js itself. What the page signs is checked in Node with node:crypto's
// HMAC (not with this package), and what Node signs is checked in the page.
import { createHmac, generateKeyPairSync, sign as edSign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { browserRun, root } from "./support.mjs";

const run = browserRun({ tag: "test:browser entry", tempPrefix: "hybrid-auth-entry-", hardLimitMs: 120_000 });
const { log } = run;
const SECRET = "a browser-entry test secret, 32+ bytes long";
const OTHER_SECRET = "another secret that is at least 32 bytes";
/** Only what the tarball ships for browsers is served. */
const SERVED = ["entry", join("pkg", "web"), join("pkg", "eddsa")];
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
/** Every path the page asked for, with the answer's status. */
const requests = [];
/** The JWKS served at /jwks.json (createJwksVerifier's test sets it). */
let jwksText = JSON.stringify({ keys: [] });
let page = null;
let origin = null;

const b64u = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const hs256 = (input, secret) => createHmac("sha256", secret).update(input).digest("base64url");
/** A token signed by node:crypto, independent of the code under test. */
const nodeSign = (header, claims, secret) => {
  const input = `${b64u(header)}.${b64u(claims)}`;
  return `${input}.${hs256(input, secret)}`;
};
/** The parts of a compact JWT, checked against node:crypto's HMAC of its signing input. */
function nodeVerify(token, secret) {
  const [h, p, s] = token.split(".");
  assert.equal(s, hs256(`${h}.${p}`, secret), "the signature is HMAC-SHA256 of header.payload");
  return { header: JSON.parse(Buffer.from(h, "base64url")), claims: JSON.parse(Buffer.from(p, "base64url")) };
}

before(async () => {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let status = 404;
    let body = "not found";
    let type = "text/plain";
    if (path === "/jwks.json") {
      status = 200;
      body = jwksText;
      type = "application/json";
    } else if (path === "/") {
      status = 200;
      // An empty icon, so the browser asks for nothing but what the entry loads.
      body = "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>browser entry</title>";
      type = TYPES[".html"];
    } else {
      const file = normalize(join(root, path));
      if (SERVED.some((dir) => file.startsWith(join(root, dir) + sep))) {
        try {
          body = await readFile(file);
          status = 200;
          type = TYPES[extname(file)] ?? "application/octet-stream";
        } catch {
          // not there: 404
        }
      }
    }
    requests.push({ path, status, type });
    res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  run.onCleanup(() => new Promise((resolve) => server.close(resolve)));
  origin = `http://127.0.0.1:${server.address().port}`;
  log(`serving entry/ and pkg/web/ at ${origin}`);
  const browser = await run.launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  run.watchPage(page);
  await page.goto(`${origin}/`);
  // The import resolves only after the entry's top-level await has instantiated the wasm.
  const exported = await page.evaluate(async () => {
    const m = await import("/entry/browser.js");
    window.hybridAuth = m;
    return Object.keys(m).sort();
  });
  assert.deepEqual(exported, ["KeyRing", "deriveKid", "generateJWT", "isJWT", "verifyJWT"]);
});

test("entry/browser.js loads in Chromium and fetches pkg/web's .wasm beside it (as application/wasm)", () => {
  const served = (p) => requests.find((r) => r.path === p);
  assert.equal(served("/entry/browser.js")?.status, 200);
  assert.equal(served("/pkg/web/hybrid_auth.js")?.status, 200);
  assert.deepEqual(served("/pkg/web/hybrid_auth_bg.wasm"), { path: "/pkg/web/hybrid_auth_bg.wasm", status: 200, type: "application/wasm" });
  assert.deepEqual(requests.filter((r) => r.status !== 200), [], "every file the entry asked for was there");
  assert.deepEqual(requests.filter((r) => r.path.startsWith("/pkg/eddsa/") || r.path.startsWith("/entry/eddsa/")), [], "the core entry does not load the Ed25519 build");
});

test("generateJWT in the page: node:crypto verifies its HMAC and reads the claims; verifyJWT and isJWT in the page accept it", async () => {
  const result = await page.evaluate((secret) => {
    const { generateJWT, verifyJWT, isJWT } = window.hybridAuth;
    const token = generateJWT("user-1", "ada@example.com", "Ada 👩🏽‍💻", secret, 600);
    return { token, user: verifyJWT(token, secret), isJWT: isJWT(token) };
  }, SECRET);
  const { header, claims } = nodeVerify(result.token, SECRET);
  assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
  assert.equal(claims.sub, "user-1");
  assert.equal(claims.email, "ada@example.com");
  assert.equal(claims.name, "Ada 👩🏽‍💻");
  assert.equal(claims.exp - claims.iat, 600);
  assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60);
  assert.equal(result.isJWT, true);
  assert.deepEqual(result.user, { id: "user-1", email: "ada@example.com", name: "Ada 👩🏽‍💻", iat: claims.iat, exp: claims.exp, jti: claims.jti });
  // Signed with another secret, it is not this one's token.
  assert.throws(() => nodeVerify(result.token, OTHER_SECRET));
});

test("verifyJWT in the page refuses a tampered, a foreign-key and an expired token, and accepts one node:crypto signed", async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: "user-2", email: "bob@example.com", name: "Bob", iat: now, exp: now + 300 };
  const good = nodeSign({ alg: "HS256", typ: "JWT" }, claims, SECRET);
  const [h, , s] = good.split(".");
  const tampered = `${h}.${b64u({ ...claims, sub: "admin" })}.${s}`; // the claims changed, the signature kept
  const flipped = `${good.slice(0, -2)}${good.at(-2) === "A" ? "B" : "A"}${good.at(-1)}`; // one signature character changed
  const foreign = nodeSign({ alg: "HS256", typ: "JWT" }, claims, OTHER_SECRET);
  const expired = nodeSign({ alg: "HS256", typ: "JWT" }, { ...claims, iat: now - 600, exp: now - 300 }, SECRET);
  const unsigned = `${b64u({ alg: "none", typ: "JWT" })}.${b64u(claims)}.`;
  const verdicts = await page.evaluate(
    ({ secret, tokens }) => Object.fromEntries(Object.entries(tokens).map(([name, token]) => [name, window.hybridAuth.verifyJWT(token, secret)])),
    { secret: SECRET, tokens: { good, tampered, flipped, foreign, expired, unsigned } },
  );
  assert.deepEqual(verdicts.good, { id: "user-2", email: "bob@example.com", name: "Bob", iat: now, exp: now + 300 });
  for (const name of ["tampered", "flipped", "foreign", "expired", "unsigned"]) assert.equal(verdicts[name], null, name);
  const shapes = await page.evaluate((tokens) => tokens.map((t) => window.hybridAuth.isJWT(t)), [good, "not a token", "a.b", ""]);
  assert.deepEqual(shapes, [true, false, false, false]);
});

test("KeyRing in the page: sign() makes a kid-stamped token node:crypto verifies; verify() gives reasons for tampered and foreign tokens", async () => {
  const now = Math.floor(Date.now() / 1000);
  const fromNode = nodeSign({ alg: "HS256", typ: "JWT", kid: "k1" }, { sub: "u-9", iss: "https://issuer.test", aud: "api", iat: now, exp: now + 60 }, SECRET);
  const out = await page.evaluate(
    ({ secret, other, fromNode }) => {
      const ring = new window.hybridAuth.KeyRing({ keys: [{ kid: "k1", secret }], signWith: "k1", issuer: "https://issuer.test", audience: "api" });
      const token = ring.sign({ sub: "u-7", role: "reader" }, 120);
      const [h, p, s] = token.split(".");
      const tamperedPayload = btoa(JSON.stringify({ ...JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/"))), role: "admin" }))
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const otherRing = new window.hybridAuth.KeyRing({ keys: [{ kid: "k1", secret: other }], signWith: "k1" });
      return {
        signingKid: ring.signingKid,
        token,
        own: ring.verify(token),
        tampered: ring.verify(`${h}.${tamperedPayload}.${s}`),
        foreign: ring.verify(otherRing.sign({ sub: "u-7", iss: "https://issuer.test", aud: "api" }, 120)),
        fromNode: ring.verify(fromNode),
        garbage: ring.verify("not a token"),
      };
    },
    { secret: SECRET, other: OTHER_SECRET, fromNode },
  );
  assert.equal(out.signingKid, "k1");
  const { header, claims } = nodeVerify(out.token, SECRET);
  assert.equal(header.alg, "HS256");
  assert.equal(header.kid, "k1");
  assert.equal(claims.sub, "u-7");
  assert.equal(claims.role, "reader");
  assert.equal(claims.iss, "https://issuer.test");
  assert.equal(claims.aud, "api");
  assert.equal(claims.exp - claims.iat, 120);
  assert.equal(out.own.ok, true);
  assert.equal(out.own.kid, "k1");
  assert.equal(out.own.claims.sub, "u-7");
  assert.deepEqual({ ok: out.tampered.ok, reason: out.tampered.reason }, { ok: false, reason: "bad_signature" });
  assert.deepEqual({ ok: out.foreign.ok, reason: out.foreign.reason }, { ok: false, reason: "bad_signature" });
  assert.equal(out.fromNode.ok, true);
  assert.equal(out.fromNode.claims.sub, "u-9");
  assert.deepEqual({ ok: out.garbage.ok, reason: out.garbage.reason }, { ok: false, reason: "malformed" });
});

test("deriveKid in the page equals the Node entry's for the same secret", async () => {
  const { deriveKid } = await import("hybrid-auth");
  const inPage = await page.evaluate((secret) => window.hybridAuth.deriveKid(secret), SECRET);
  assert.equal(inPage, deriveKid(SECRET));
  assert.notEqual(inPage, deriveKid(OTHER_SECRET));
});

test("createJwksVerifier from entry/eddsa/browser.js (the Ed25519 build, fetched on import) in the page verifies an EdDSA token node:crypto signed, with the key from a JWKS on 127.0.0.1", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const { x } = publicKey.export({ format: "jwk" });
  jwksText = JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", x, kid: "k1", alg: "EdDSA", use: "sig" }] });
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: "u-5", iss: "https://issuer.test", aud: "api", iat: now, exp: now + 60 };
  const input = `${b64u({ alg: "EdDSA", typ: "at+jwt", kid: "k1" })}.${b64u(claims)}`;
  const good = `${input}.${edSign(null, Buffer.from(input), privateKey).toString("base64url")}`;
  const tampered = `${good.split(".")[0]}.${b64u({ ...claims, sub: "admin" })}.${good.split(".")[2]}`;
  const before = requests.filter((r) => r.path === "/jwks.json").length;
  const out = await page.evaluate(
    async ({ good, tampered }) => {
      // `hybrid-auth/eddsa`'s browser entry: the Ed25519 build, fetched beside its glue.
      const { createJwksVerifier } = await import("/entry/eddsa/browser.js");
      const verifier = createJwksVerifier({ jwksUrl: `${location.origin}/jwks.json`, issuer: "https://issuer.test", audience: "api", tokenType: "at+jwt" });
      return { good: await verifier.verify(good), again: await verifier.verify(good), tampered: await verifier.verify(tampered), fetches: verifier.fetches };
    },
    { good, tampered },
  );
  assert.equal(out.good.ok, true, JSON.stringify(out.good));
  assert.equal(out.good.kid, "k1");
  assert.equal(out.good.claims.sub, "u-5");
  assert.equal(out.again.ok, true);
  assert.deepEqual(out.tampered, { ok: false, reason: "bad_signature" });
  assert.equal(out.fetches, 1, "the set is fetched once and kept");
  assert.deepEqual(requests.find((r) => r.path === "/pkg/eddsa/hybrid_auth_bg.wasm"), { path: "/pkg/eddsa/hybrid_auth_bg.wasm", status: 200, type: "application/wasm" });
  assert.equal(requests.filter((r) => r.path === "/jwks.json").length - before, 1);
});
