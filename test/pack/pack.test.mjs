// The package as npm ships it: `npm pack` (whose prepack builds pkg/), the tarball's file
// list, then `npm install <tarball>` into a fresh project outside the repository and the
// package used from there by name: Node ES modules, Node CommonJS, and a Worker served
// by the repository's wrangler (workerd). Each runtime runs consumer/probe.cjs, and this
// file checks what it reports against inputs chosen here, with an HMAC of its own.
//
// To cover another subpath export (e.g. "hybrid-auth/hono"): add its files to ALLOWED
// and REQUIRED, and a consumer file plus a test that imports it. Every file that the
// "exports" and "bin" maps name is checked to be in the tarball without further changes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const consumerFiles = join(here, "consumer");

// Time limits per step. Packing includes prepack's build, which is a no-op when pkg/ is
// fresh (as under `npm test`, which builds first) and minutes when it is not.
const LIMIT = { pack: 10 * 60_000, install: 120_000, node: 30_000, worker: 60_000 };

// Paths inside the tarball (under package/) that may ship, and those that must.
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.md|\.txt)?$/,
  /^bin\/(lib\/)?[^/]+\.mjs$/,
  /^entry\/[^/]+\.(js|cjs|d\.ts|d\.cts)$/,
  /^pkg\/web\/(hybrid_auth(_bg)?\.(js|wasm|d\.ts)|hybrid_auth_bg\.wasm\.d\.ts|package\.json|snippets\/.+\.js)$/,
];
const REQUIRED = [
  "package.json",
  "README.md",
  "bin/hybrid-auth.mjs",
  "entry/index.d.ts",
  "entry/node.js",
  "entry/node.cjs",
  "entry/node.d.cts",
  "entry/workerd.js",
  "entry/browser.js",
  "pkg/web/hybrid_auth_bg.wasm",
  "pkg/web/hybrid_auth.js",
  "pkg/web/hybrid_auth.d.ts",
  "pkg/web/package.json",
];

/** Runs a command to completion within `timeoutMs`; rejects with its output otherwise. */
function run(cmd, args, { cwd, timeoutMs, env = cleanEnv() }) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed (${err.killed ? `killed after ${timeoutMs / 1000} s` : `exit ${err.code}`}):\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The environment without npm's per-script variables (npm_config_*, npm_package_*, ...),
 *  so that `npm run test:pack` does not hand this repository's settings to the consumer. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

const b64uJson = (segment) => JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
const hs256 = (signingInput, secret) => createHmac("sha256", secret).update(signingInput).digest("base64url");

/** Checks one runtime's probe report against the input it was given. */
function checkReport(report, input) {
  const now = Math.floor(Date.now() / 1000);
  const { secret, sub, email, name, ttl, nonce } = input;

  // generateJWT: an HS256 token that this file's own HMAC accepts, with the claims asked for.
  const [h, p, s] = report.token.split(".");
  assert.equal(s, hs256(`${h}.${p}`, secret), "generateJWT's signature is HMAC-SHA256 with the secret");
  assert.deepEqual(b64uJson(h), { alg: "HS256", typ: "JWT" });
  const claims = b64uJson(p);
  assert.deepEqual([claims.sub, claims.email, claims.name], [sub, email, name]);

  // verifyJWT: the user back, and null for a wrong secret or a forged payload.
  const user = report.verified;
  assert.ok(user, "verifyJWT accepts the token it issued");
  assert.deepEqual([user.id, user.email, user.name], [sub, email, name]);
  assert.equal(user.exp - user.iat, ttl);
  assert.ok(Math.abs(user.iat - now) <= 120, `iat ${user.iat} is now (${now})`);
  assert.equal(user.jti, claims.jti);
  assert.match(user.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(report.withOtherSecret, null);
  assert.equal(report.forged, null);
  assert.deepEqual(report.isJWT, { token: true, garbage: false });

  // KeyRing: kid header, custom claim carried, bad_signature under another key.
  const ring = report.ring;
  const [rh, rp, rs] = ring.token.split(".");
  assert.equal(rs, hs256(`${rh}.${rp}`, secret), "KeyRing's signature is HMAC-SHA256 with the key");
  assert.equal(b64uJson(rh).kid, "k1");
  assert.equal(ring.signingKid, "k1");
  assert.equal(ring.verified.ok, true, `KeyRing.verify: ${JSON.stringify(ring.verified)}`);
  assert.equal(ring.verified.kid, "k1");
  assert.equal(ring.verified.claims.sub, sub);
  assert.equal(ring.verified.claims.nonce, nonce);
  assert.equal(ring.verified.claims.exp - ring.verified.claims.iat, ttl);
  assert.deepEqual(ring.withOtherSecret, { ok: false, reason: "bad_signature" });
}

/** Fresh inputs for each runtime, so no report can be right by coincidence. */
function freshInput() {
  const tag = randomBytes(6).toString("hex");
  return {
    secret: randomBytes(32).toString("hex"),
    otherSecret: randomBytes(32).toString("hex"),
    sub: `user-${tag}`,
    email: `${tag}@example.com`,
    name: `Zoë ${tag}`,
    ttl: 600 + (randomBytes(1)[0] % 100),
    nonce: randomBytes(12).toString("base64url"),
  };
}

describe("the packed package, installed into a fresh project", () => {
  let work; // temporary folder: the tarball and the consumer project
  let project;
  let tarballFiles;

  before(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), "hybrid-auth-pack-")));
    await run("npm", ["pack", "--pack-destination", work], { cwd: root, timeoutMs: LIMIT.pack });
    const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
    assert.equal(tarballs.length, 1, `one tarball from npm pack, found ${tarballs}`);
    const tarball = join(work, tarballs[0]);
    tarballFiles = (await run("tar", ["-tzf", tarball], { cwd: work, timeoutMs: 30_000 }))
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));

    // The consumer lives in its own folder outside the repository, so "hybrid-auth" can
    // only resolve to the installed tarball.
    project = join(work, "consumer");
    mkdirSync(project);
    readdirSync(consumerFiles).forEach((f) => copyFileSync(join(consumerFiles, f), join(project, f)));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pack-consumer", version: "0.0.0", private: true }, null, 2));
    await run("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", tarball], {
      cwd: project,
      timeoutMs: LIMIT.install,
    });
  }, { timeout: LIMIT.pack + LIMIT.install + 30_000 });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the tarball holds bin/, entry/, the built .wasm with its JS glue and types, README, and nothing else", () => {
    for (const f of REQUIRED) assert.ok(tarballFiles.includes(f), `${f} is in the tarball`);
    const stray = tarballFiles.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], "files outside the allowed list (tests, sources, target/, ...)");
  });

  test("every file that the shipped package.json's exports and bin maps name is in the tarball", () => {
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", "hybrid-auth", "package.json"), "utf8"));
    const targets = [];
    const walk = (v) => (typeof v === "string" ? targets.push(v) : Object.values(v).forEach(walk));
    walk(pkg.exports);
    walk(pkg.bin ?? {});
    [pkg.main, pkg.types].filter(Boolean).forEach((t) => targets.push(t));
    assert.ok(targets.length >= 5, "the exports map was read");
    const missing = targets.map((t) => t.replace(/^\.\//, "")).filter((t) => !tarballFiles.includes(t));
    assert.deepEqual(missing, []);
  });

  test("the installed .wasm is a WebAssembly binary", () => {
    const wasm = readFileSync(join(project, "node_modules", "hybrid-auth", "pkg", "web", "hybrid_auth_bg.wasm"));
    assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
    assert.ok(WebAssembly.validate(wasm), "WebAssembly.validate accepts it");
  });

  test("the package's bin is linked as node_modules/.bin/hybrid-auth and prints its usage", async () => {
    const bin = join(project, "node_modules", ".bin", "hybrid-auth");
    const out = await run(bin, ["--help"], { cwd: project, timeoutMs: LIMIT.node });
    assert.match(out, /usage:[\s\S]*hybrid-auth upgrade-seed/);
  });

  for (const [kind, file, entry] of [
    ["ES modules: import { ... } from \"hybrid-auth\"", "esm.mjs", "entry/node.js"],
    ["CommonJS: require(\"hybrid-auth\")", "cjs.cjs", "entry/node.cjs"],
  ]) {
    test(`Node, ${kind}: signs and verifies with the installed package`, { timeout: LIMIT.node + 5_000 }, async () => {
      const input = freshInput();
      const out = await run(process.execPath, [file, JSON.stringify(input)], { cwd: project, timeoutMs: LIMIT.node });
      const { resolved, report } = JSON.parse(out.trim().split("\n").at(-1));
      assert.equal(resolved, join(project, "node_modules", "hybrid-auth", entry), "resolved from the installed tarball");
      checkReport(report, input);
    });
  }

  test("Worker under wrangler (workerd): signs and verifies inside a request", { timeout: LIMIT.worker + 15_000 }, async () => {
    // The compatibility date the repository's Worker uses: known to suit the pinned wrangler.
    const date = readFileSync(join(root, "js", "wrangler.jsonc"), "utf8").match(/"compatibility_date":\s*"([\d-]+)"/)?.[1];
    assert.ok(date, "js/wrangler.jsonc names a compatibility_date");
    writeFileSync(join(project, "wrangler.jsonc"), JSON.stringify({ name: "pack-consumer", main: "worker.js", compatibility_date: date }, null, 2));
    const input = freshInput();
    const server = await startWranglerDev({ cwd: project, args: ["--var", `SECRET:${input.secret}`], timeoutMs: LIMIT.worker });
    try {
      const { secret: _secret, ...query } = input;
      const response = await fetch(`${server.base}/probe?input=${encodeURIComponent(JSON.stringify(query))}`, {
        signal: AbortSignal.timeout(15_000),
      });
      const body = await response.text();
      assert.equal(response.status, 200, body);
      checkReport(JSON.parse(body).report, input);
    } finally {
      await server.stop();
    }
  });
});
