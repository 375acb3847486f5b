// The package as npm ships it: `npm pack` (whose prepack builds pkg/ and dist/), the
// tarball's file list, then `npm install <tarball> hono` into a fresh project outside the
// repository and the package used from there by name:
//  - the core ("hybrid-auth"): Node ES modules, Node CommonJS, and a Worker served by the
//    repository's wrangler (workerd). Each runtime runs consumer/probe.cjs, and this file
//    checks what it reports against inputs chosen here, with an HMAC of its own;
//  - the library ("hybrid-auth/hono", with the plugins "hybrid-auth/sessions" and
//    "hybrid-auth/passkeys"): consumer/app.ts, an adopter's own Hono Worker with its own D1
//    binding name and route prefix, its database migrated from the package's migrations/
//    by wrangler, driven over HTTP; and typechecked with the shipped types;
//  - what an adopter ships (issue 20): core-only/worker.ts (no plugin) and
//    all-plugins/worker.ts, bundled by wrangler (`deploy --dry-run --metafile`) from the
//    installed tarball: the core-only worker.js stays under a size ceiling, and none of its
//    bundle's inputs is a plugin's file or a library only the passkey verifier uses.
//
// To cover another subpath export: add its files to ALLOWED and REQUIRED, and a consumer
// file plus a test that imports it. Every file that the "exports" and "bin" maps name is
// checked to be in the tarball without further changes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { callJson } from "../../scripts/lib/json-call.mjs";
import { runWrangler, startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const consumerFiles = join(here, "consumer");

// Time limits per step. Packing includes prepack's build, which is a no-op for pkg/ when it
// is fresh (as under `npm test`, which builds first) and minutes when it is not; dist/ is
// rebuilt every time (seconds).
const LIMIT = { pack: 10 * 60_000, install: 120_000, node: 30_000, worker: 60_000, migrate: 60_000, tsc: 120_000, bundle: 120_000 };

// Paths inside the tarball (under package/) that may ship, and those that must.
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.md|\.txt)?$/,
  /^bin\/(lib\/)?[^/]+\.mjs$/,
  /^entry\/((argon2|eddsa|filter)\/)?[^/]+\.(js|cjs|d\.ts|d\.cts)$/,
  /^pkg\/(web|eddsa)\/(hybrid_auth(_bg)?\.(js|wasm|d\.ts)|hybrid_auth_bg\.wasm\.d\.ts|package\.json|snippets\/.+\.js)$/,
  /^pkg\/argon2\/(hybrid_auth_argon2(_bg)?\.(js|wasm|d\.ts)|hybrid_auth_argon2_bg\.wasm\.d\.ts|package\.json)$/,
  /^pkg\/filter\/(hybrid_auth_filter(_bg)?\.(js|wasm|d\.ts)|hybrid_auth_filter_bg\.wasm\.d\.ts|package\.json)$/,
  // scripts/build-lib.mjs's output: one bundle per subpath export, lazily loaded chunks,
  // declarations (dist/ is compared with the tarball below, file by file).
  /^dist\/[a-z]+\.js$/,
  /^dist\/chunks\/[^/]+\.js$/,
  /^dist\/types\/([a-zA-Z0-9_-]+\/)*[a-zA-Z0-9_-]+\.d\.ts$/,
  /^migrations\/\d{4}_[a-z0-9_]+\.sql$/,
];
const REQUIRED = [
  "package.json",
  "README.md",
  "bin/hybrid-auth.mjs",
  "bin/lib/seed-upgrade.mjs",
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
  "entry/jwksVerifier.js",
  "entry/eddsa/index.d.ts",
  "entry/eddsa/node.js",
  "entry/eddsa/node.cjs",
  "entry/eddsa/node.d.cts",
  "entry/eddsa/workerd.js",
  "entry/eddsa/browser.js",
  "pkg/eddsa/hybrid_auth_bg.wasm",
  "pkg/eddsa/hybrid_auth.js",
  "pkg/eddsa/hybrid_auth.d.ts",
  "pkg/eddsa/package.json",
  "entry/argon2/index.d.ts",
  "entry/argon2/node.js",
  "entry/argon2/node.cjs",
  "entry/argon2/node.d.cts",
  "entry/argon2/workerd.js",
  "entry/argon2/browser.js",
  "entry/argon2/password.js",
  "pkg/argon2/hybrid_auth_argon2_bg.wasm",
  "pkg/argon2/hybrid_auth_argon2.js",
  "pkg/argon2/hybrid_auth_argon2.d.ts",
  "pkg/argon2/package.json",
  "entry/filter/index.d.ts",
  "entry/filter/node.js",
  "entry/filter/node.cjs",
  "entry/filter/node.d.cts",
  "entry/filter/workerd.js",
  "entry/filter/browser.js",
  "entry/filter/api.js",
  "pkg/filter/hybrid_auth_filter_bg.wasm",
  "pkg/filter/hybrid_auth_filter.js",
  "pkg/filter/hybrid_auth_filter.d.ts",
  "pkg/filter/package.json",
  "dist/hono.js",
  "dist/types/hono.d.ts",
  // The plugins consumer/app.ts mounts.
  "dist/sessions.js",
  "dist/types/plugins/sessions.d.ts",
  "dist/passkeys.js",
  "dist/types/plugins/passkeys.d.ts",
  "migrations/0001_init.sql",
];

// The core-only fixture's worker.js, minified by wrangler 4.86.0 (esbuild) with hono 4.13.19,
// measured 2026-12-02 at 94,408 bytes (92.2 KiB; gzip -9 33,008 B; the .wasm is a module of
// its own, not counted) once browserApps() left the core (99,525 bytes before), with every
// plugin 177,329 bytes. Raised to 103,384 bytes (gzip -9 36,101 B) when createAuth began
// hashing passwords with Argon2id by default (issue 21): the password module's wasm-bindgen
// glue and js/src/passwords/ (+8,976 B); its .wasm is a second module beside the JWT one.
// The ceiling is that + 5 %: lower it when code leaves the core; raise it only with the
// reason in the commit.
const CORE_ONLY_MEASURED_BYTES = 103_384;
const CORE_ONLY_CEILING_BYTES = Math.floor(CORE_ONLY_MEASURED_BYTES * 1.05);

// What only the passkey verifier imports (@oslojs/webauthn and its cbor, binary, crypto and
// asn1): every @oslojs package but encoding, which the core itself uses (base64url).
const PASSKEY_LIBRARY = /^@oslojs\/(?!encoding\/)/;

/** Every file under `dir`, as paths relative to `base` with "/" separators. */
function filesUnder(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split(sep).join("/")],
  );
}

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

  // hashPassword/verifyPassword (issue 21): the password module loads in this runtime.
  const pw = report.password;
  assert.match(pw.stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(pw.verified, { ok: true, needsRehash: false });
  assert.deepEqual(pw.wrong, { ok: false, reason: "mismatch" });
  assert.deepEqual(pw.tampered, { ok: false, reason: "params_above_limit" });
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
  let tarball;
  let tarballFiles;
  let distAfterPack; // what prepack's build-lib left in the repository's dist/

  before(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), "hybrid-auth-pack-")));
    await run("npm", ["pack", "--pack-destination", work], { cwd: root, timeoutMs: LIMIT.pack });
    distAfterPack = filesUnder(join(root, "dist")).map((f) => `dist/${f}`);
    const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
    assert.equal(tarballs.length, 1, `one tarball from npm pack, found ${tarballs}`);
    tarball = join(work, tarballs[0]);
    tarballFiles = (await run("tar", ["-tzf", tarball], { cwd: work, timeoutMs: 30_000 }))
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));

    // The consumer lives in its own folder outside the repository, so "hybrid-auth" can
    // only resolve to the installed tarball. It installs Hono itself, as an adopter
    // does (hono is a peer dependency); the package's own dependencies come with it.
    project = join(work, "consumer");
    mkdirSync(project);
    readdirSync(consumerFiles).forEach((f) => copyFileSync(join(consumerFiles, f), join(project, f)));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pack-consumer", version: "0.0.0", private: true, type: "module" }, null, 2));
    await run("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", tarball, "hono"], {
      cwd: project,
      timeoutMs: LIMIT.install,
    });
  }, { timeout: LIMIT.pack + LIMIT.install + 30_000 });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the tarball holds bin/, entry/, the built .wasm with its JS glue and types, dist/, migrations/, README, and nothing else", (t) => {
    for (const f of REQUIRED) assert.ok(tarballFiles.includes(f), `${f} is in the tarball`);
    const stray = tarballFiles.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], "files outside the allowed list (tests, sources, target/, ...)");
    t.diagnostic(`${tarballFiles.length} files, ${statSync(tarball).size} bytes packed`);
  });

  test("dist/ as prepack built it and every migration of the repository ship, nothing more", () => {
    assert.ok(distAfterPack.includes("dist/hono.js"), "prepack built dist/hono.js");
    assert.deepEqual(tarballFiles.filter((f) => f.startsWith("dist/")).sort(), distAfterPack.sort());
    const migrations = readdirSync(join(root, "migrations")).filter((f) => f.endsWith(".sql")).map((f) => `migrations/${f}`);
    assert.deepEqual(tarballFiles.filter((f) => f.startsWith("migrations/")).sort(), migrations.sort());
  });

  test("npm install brings the package's runtime dependencies, and one Hono shared with the adopter", () => {
    const nm = join(project, "node_modules");
    const shipped = JSON.parse(readFileSync(join(nm, "hybrid-auth", "package.json"), "utf8"));
    assert.ok(Object.keys(shipped.dependencies ?? {}).length > 0, "the shipped package.json declares dependencies");
    // Optional peers (peerDependenciesMeta) are the adopter's choice: npm leaves them out.
    const requiredPeers = Object.keys(shipped.peerDependencies ?? {}).filter((p) => !shipped.peerDependenciesMeta?.[p]?.optional);
    for (const dep of [...Object.keys(shipped.dependencies), ...requiredPeers]) {
      assert.equal(JSON.parse(readFileSync(join(nm, dep, "package.json"), "utf8")).name, dep, `${dep} is installed`);
    }
    assert.ok("hono" in (shipped.peerDependencies ?? {}), "hono is a peer dependency");
    const nested = join(nm, "hybrid-auth", "node_modules");
    assert.throws(() => statSync(join(nested, "hono")), /ENOENT/, "no second copy of hono under hybrid-auth");
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

  for (const [kind, file, entry, argon2Entry] of [
    ["ES modules: import { ... } from \"hybrid-auth\" and \"hybrid-auth/argon2\"", "esm.mjs", "entry/node.js", "entry/argon2/node.js"],
    ["CommonJS: require(\"hybrid-auth\") and require(\"hybrid-auth/argon2\")", "cjs.cjs", "entry/node.cjs", "entry/argon2/node.cjs"],
  ]) {
    test(`Node, ${kind}: signs and verifies with the installed package`, { timeout: LIMIT.node + 5_000 }, async () => {
      const input = freshInput();
      const out = await run(process.execPath, [file, JSON.stringify(input)], { cwd: project, timeoutMs: LIMIT.node });
      const { resolved, resolvedArgon2, report } = JSON.parse(out.trim().split("\n").at(-1));
      assert.equal(resolved, join(project, "node_modules", "hybrid-auth", entry), "resolved from the installed tarball");
      assert.equal(resolvedArgon2, join(project, "node_modules", "hybrid-auth", argon2Entry), "the subpath resolved from the installed tarball");
      checkReport(report, input);
    });
  }

  test("Node, hybrid-auth/eddsa: the Ed25519 build signs EdDSA and createJwksVerifier is there; hybrid-auth's KeyRing refuses the key", { timeout: LIMIT.node + 5_000 }, async () => {
    const out = await run(process.execPath, ["eddsa.mjs"], { cwd: project, timeoutMs: LIMIT.node });
    const report = JSON.parse(out.trim().split("\n").at(-1));
    assert.equal(report.resolved, join(project, "node_modules", "hybrid-auth", "entry", "eddsa", "node.js"), "resolved from the installed tarball");
    assert.deepEqual(report.header, { alg: "EdDSA", typ: "JWT", kid: "ed1" });
    assert.equal(report.nodeCryptoVerifies, true, "node:crypto verifies the signature with the public key");
    assert.deepEqual(report.verified, { ok: true, sub: "u1" });
    assert.equal(report.verifierType, "function");
    assert.match(report.coreRefusal, /hybrid-auth\/eddsa/);
  });

  test("Node, hybrid-auth/filter (ES modules and CommonJS): builds, parses and checks a revocation filter from the installed package", { timeout: LIMIT.node + 5_000 }, async () => {
    const out = await run(process.execPath, ["filter.mjs"], { cwd: project, timeoutMs: LIMIT.node });
    const report = JSON.parse(out.trim().split("\n").at(-1));
    assert.equal(report.resolved, join(project, "node_modules", "hybrid-auth", "entry", "filter", "node.js"), "resolved from the installed tarball");
    assert.equal(report.resolvedCjs, join(project, "node_modules", "hybrid-auth", "entry", "filter", "node.cjs"));
    for (const r of [report.esm, report.cjs]) {
      assert.equal(r.entries, 1000);
      assert.equal(r.byteLength, r.bytes);
      assert.equal(r.allFound, true);
      assert.equal(r.truncatedCode, "truncated");
    }
  });

  test("Worker under wrangler (workerd): signs and verifies inside a request; hybrid-auth/filter builds and reads a filter there", { timeout: LIMIT.worker + 15_000 }, async () => {
    writeFileSync(join(project, "probe.wrangler.jsonc"), JSON.stringify({ name: "pack-consumer", main: "worker.js", compatibility_date: compatibilityDate() }, null, 2));
    const input = freshInput();
    const server = await startWranglerDev({ cwd: project, args: ["--config", "probe.wrangler.jsonc", "--var", `SECRET:${input.secret}`], timeoutMs: LIMIT.worker });
    try {
      const { secret: _secret, ...query } = input;
      const response = await fetch(`${server.base}/probe?input=${encodeURIComponent(JSON.stringify(query))}`, {
        signal: AbortSignal.timeout(15_000),
      });
      const body = await response.text();
      assert.equal(response.status, 200, body);
      checkReport(JSON.parse(body).report, input);
      const filter = await fetch(`${server.base}/filter`, { signal: AbortSignal.timeout(15_000) });
      const filterBody = await filter.text();
      assert.equal(filter.status, 200, filterBody);
      assert.deepEqual(JSON.parse(filterBody), { entries: 500, allFound: true, truncatedCode: "truncated" });
    } finally {
      await server.stop();
    }
  });

  test("the adopter's Worker typechecks against the shipped types (tsc --noEmit, strict, skipLibCheck off)", { timeout: LIMIT.tsc + 5_000 }, async () => {
    // No network for this: the Workers types come from the repository's node_modules, linked
    // where the consumer's tsconfig looks for them; hono and hybrid-auth are the installed ones.
    mkdirSync(join(project, "node_modules", "@cloudflare"), { recursive: true });
    symlinkSync(join(root, "node_modules", "@cloudflare", "workers-types"), join(project, "node_modules", "@cloudflare", "workers-types"), "dir");
    writeSecret(project, randomBytes(32).toString("hex"));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    // typecheck.ts holds @ts-expect-error lines: loose (any) shipped types fail this too.
    await run(process.execPath, [tsc, "-p", "tsconfig.json", "--listFilesOnly"], { cwd: project, timeoutMs: LIMIT.tsc }).then((out) => {
      const files = out.split("\n").map((f) => f.trim());
      for (const types of ["hono.d.ts", "plugins/sessions.d.ts", "plugins/passkeys.d.ts"]) {
        assert.ok(files.some((f) => f.endsWith(`node_modules/hybrid-auth/dist/types/${types}`)), `tsc reads the installed package's dist/types/${types}`);
      }
    });
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, timeoutMs: LIMIT.tsc });
  });

  describe("an adopter's own Hono Worker: binding APP_DB, auth mounted at /api/auth, typed options", () => {
    let server;
    let secret;
    let persist;
    let migrateOutput;
    const password = `pw-${randomBytes(9).toString("base64url")}`;
    const email = `ada-${randomBytes(4).toString("hex")}@example.com`;
    const flow = {}; // what one step hands the next: user id, tokens

    /** One JSON request to the adopter's Worker; `token` goes in Authorization: Bearer. */
    const call = (method, path, { token, body } = {}) => callJson(server.base, method, path, { token, body, timeoutMs: 15_000 });

    const refusedAsInvalidToken = (r, what) => {
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.equal(r.json?.error?.code, "invalid_token", `${what}: ${r.text}`);
    };

    before(async () => {
      persist = join(work, "app-d1");
      secret = randomBytes(32).toString("base64url");
      writeSecret(project, secret);
      // The adopter's wrangler.jsonc: its own binding and database names, migrations_dir
      // pointing into the installed package.
      writeFileSync(
        join(project, "wrangler.jsonc"),
        JSON.stringify(
          {
            name: "adopter-app",
            main: "app.ts",
            compatibility_date: compatibilityDate(),
            d1_databases: [{ binding: "APP_DB", database_name: "adopter", database_id: "00000000-0000-0000-0000-000000000000", migrations_dir: "node_modules/hybrid-auth/migrations" }],
          },
          null,
          2,
        ),
      );
      migrateOutput = await runWrangler(["d1", "migrations", "apply", "APP_DB", "--local", "--persist-to", persist], { cwd: project, timeoutMs: LIMIT.migrate });
      server = await startWranglerDev({ cwd: project, args: ["--persist-to", persist], timeoutMs: LIMIT.worker });
    }, { timeout: LIMIT.migrate + LIMIT.worker + 15_000 });

    after(async () => {
      await server?.stop();
    });

    test("`wrangler d1 migrations apply APP_DB` applied every migration the package ships", async () => {
      const shipped = tarballFiles.filter((f) => /^migrations\/.+\.sql$/.test(f)).map((f) => f.slice("migrations/".length)).sort();
      const out = await runWrangler(["d1", "execute", "APP_DB", "--local", "--persist-to", persist, "--json", "--command", "SELECT name FROM d1_migrations ORDER BY id"], {
        cwd: project,
        timeoutMs: LIMIT.migrate,
      });
      const [{ results }] = JSON.parse(out.slice(out.indexOf("[")));
      assert.deepEqual(results.map((r) => r.name), shipped, migrateOutput);
    });

    test("register, then login: a JWT signed with the options' secret, their TTLs and their extra claim", async () => {
      const registered = await call("POST", "/api/auth/register", { body: { email, password, name: "Ada" } });
      assert.equal(registered.status, 201, registered.text);
      assert.equal(registered.json.user.email, email);
      flow.userId = registered.json.user.id;

      const now = Math.floor(Date.now() / 1000);
      const login = await call("POST", "/api/auth/login", { body: { email, password } });
      assert.equal(login.status, 200, login.text);
      assert.equal(login.json.token_type, "jwt");
      assert.ok(Math.abs(login.json.expires_at - now - 900) <= 60, `accessTokenTtl 900: ${login.text}`);
      assert.ok(Math.abs(login.json.refresh_expires_at - now - 86_400) <= 60, `refreshTokenTtl 86400: ${login.text}`);
      const [h, p, sig] = login.json.token.split(".");
      assert.equal(sig, hs256(`${h}.${p}`, secret), "HMAC-SHA256 with the secret of the options object");
      const claims = b64uJson(p);
      assert.equal(claims.sub, flow.userId);
      assert.equal(claims.tenant, "acme", "hooks.extraClaims ran");
      assert.equal(typeof login.json.refresh_token, "string");
      flow.firstJwt = login.json.token;
      flow.refreshToken = login.json.refresh_token;
    });

    test("GET /api/auth/me and the adopter's own route behind auth.requireAuth see the user", async () => {
      const me = await call("GET", "/api/auth/me", { token: flow.firstJwt });
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(me.json.user, { id: flow.userId, email, name: "Ada" });
      assert.equal(me.json.token_type, "jwt");

      const orders = await call("GET", "/api/orders", { token: flow.firstJwt });
      assert.equal(orders.status, 200, orders.text);
      assert.equal(orders.json.principal.kind, "jwt");
      assert.deepEqual(orders.json.principal.user, { id: flow.userId, email, name: "Ada" });
      assert.equal(orders.json.principal.jti, b64uJson(flow.firstJwt.split(".")[1]).jti);
      assert.deepEqual(orders.json.orders, []);

      const anonymous = await call("GET", "/api/orders");
      assert.equal(anonymous.status, 401, anonymous.text);
      assert.equal(anonymous.json?.error?.code, "missing_token", "requireAuth answers the adopter's route as JSON");
    });

    test("refresh rotates: a new JWT that works on the adopter's route, and a new refresh token", async () => {
      const refreshed = await call("POST", "/api/auth/refresh", { body: { refresh_token: flow.refreshToken } });
      assert.equal(refreshed.status, 200, refreshed.text);
      assert.notEqual(refreshed.json.token, flow.firstJwt);
      assert.notEqual(refreshed.json.refresh_token, flow.refreshToken);
      const orders = await call("GET", "/api/orders", { token: refreshed.json.token });
      assert.equal(orders.status, 200, orders.text);
      assert.equal(orders.json.principal.user.id, flow.userId);
      flow.jwt = refreshed.json.token;
      flow.refreshToken = refreshed.json.refresh_token;
    });

    test("the plugins it mounts answer from their own entries (GET /plugins, /sessions, passkey options); one it does not is a 404", async () => {
      const listed = await call("GET", "/api/auth/plugins");
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.json.plugins.map((p) => p.id), ["sessions", "passkeys"], listed.text);
      assert.deepEqual(listed.json.plugins.find((p) => p.id === "passkeys").facts, { rpId: "localhost", configured: true }, listed.text);

      // hybrid-auth/sessions: the login of this flow, refreshed once, is the current one.
      const mine = await call("GET", "/api/auth/sessions", { token: flow.jwt });
      assert.equal(mine.status, 200, mine.text);
      assert.equal(mine.json.sessions.length, 1, mine.text);
      assert.equal(mine.json.sessions[0].current, true, mine.text);
      assert.equal((await call("GET", "/api/auth/sessions")).status, 401, "the sessions route is guarded");

      // hybrid-auth/passkeys: the static relying party of app.ts, a fresh 32-byte challenge.
      const options = await call("POST", "/api/auth/passkey/login/options");
      assert.equal(options.status, 200, options.text);
      assert.equal(options.json.options.rpId, "localhost", options.text);
      assert.match(options.json.options.challenge, /^[A-Za-z0-9_-]{43}$/, options.text);

      // The email plugin is not mounted: its route is the auth's JSON 404.
      const reset = await call("POST", "/api/auth/password/reset/request", { body: { email } });
      assert.equal(reset.status, 404, reset.text);
      assert.equal(reset.json?.error?.code, "not_found", reset.text);
    });

    test("logout ends the login: its JWTs get 401 invalid_token on /me and the adopter's route, its refresh token is refused", async () => {
      const logout = await call("POST", "/api/auth/logout", { token: flow.jwt });
      assert.equal(logout.status, 200, logout.text);
      assert.equal(logout.json.revoked, true, logout.text);
      refusedAsInvalidToken(await call("GET", "/api/auth/me", { token: flow.jwt }), "the logged-out JWT on /api/auth/me");
      refusedAsInvalidToken(await call("GET", "/api/orders", { token: flow.jwt }), "the logged-out JWT on /api/orders");
      refusedAsInvalidToken(await call("GET", "/api/orders", { token: flow.firstJwt }), "the first JWT of the same login");
      const refresh = await call("POST", "/api/auth/refresh", { body: { refresh_token: flow.refreshToken } });
      assert.equal(refresh.status, 401, refresh.text);
      assert.equal(refresh.json?.error?.code, "invalid_refresh_token", refresh.text);
    });

    test("only the prefix is the auth's: an unknown path under it is a JSON 404, the rest is the adopter's", async () => {
      const unknown = await call("GET", "/api/auth/no-such-route");
      assert.equal(unknown.status, 404, unknown.text);
      assert.equal(unknown.headers.get("content-type")?.split(";")[0], "application/json");
      assert.equal(unknown.json?.error?.code, "not_found");
      const wrongMethod = await call("GET", "/api/auth/login");
      assert.equal(wrongMethod.status, 405, wrongMethod.text);
      assert.equal(wrongMethod.headers.get("allow"), "POST");
      // The default mount point of the demo is nothing here: the adopter's own notFound answers.
      const elsewhere = await call("GET", "/auth/me");
      assert.equal(elsewhere.status, 404);
      assert.equal(elsewhere.text, "adopter 404");
    });
  });

  describe("what an adopter ships: its Worker bundled by `wrangler deploy --dry-run` from the installed tarball (minified)", () => {
    const bundles = {}; // fixture folder → its bundle (bundleFixture)
    let plugins; // plugin id → its entry's file, from the shipped exports map

    before(async () => {
      plugins = pluginEntries(JSON.parse(readFileSync(join(project, "node_modules", "hybrid-auth", "package.json"), "utf8")));
      for (const fixture of ["core-only", "all-plugins"]) bundles[fixture] = await bundleFixture(project, work, fixture);
    }, { timeout: 2 * LIMIT.bundle + 10_000 });

    test(`core only (hybrid-auth/hono, no plugin): worker.js is at most ${CORE_ONLY_CEILING_BYTES} bytes`, (t) => {
      const core = bundles["core-only"];
      t.diagnostic(`core-only: ${sizeLine(core)}`);
      assert.ok(core.bytes <= CORE_ONLY_CEILING_BYTES, `worker.js is ${core.bytes} bytes, over the ceiling of ${CORE_ONLY_CEILING_BYTES} (measured ${CORE_ONLY_MEASURED_BYTES} + 5 %): ${sizeLine(core)}`);
    });

    test("core only: no plugin entry's file and no library of the passkey verifier among the bundle's inputs", () => {
      const core = bundles["core-only"];
      // The check reads real paths: the package's core entry is among them.
      assert.ok(core.inputs.includes("hybrid-auth/dist/hono.js"), `the inputs name the installed package's files: ${core.inputs.join(", ")}`);
      assert.deepEqual(pluginInputs(core.inputs, Object.values(plugins)), [], "inputs of the core-only bundle that belong to a plugin");
      // Ed25519 is in its own build (issue 24): an HS256 Worker neither bundles nor compiles it.
      assert.deepEqual(core.inputs.filter((f) => /^hybrid-auth\/(pkg|entry)\/eddsa\//.test(f)), [], "inputs of the core-only bundle from the Ed25519 build");
      assert.ok(core.inputs.some((f) => f.startsWith("hybrid-auth/pkg/web/")), `the core's own build is among the inputs: ${core.inputs.join(", ")}`);
    });

    test("plugins mounted (all-plugins/): the same check names each mounted plugin's entry and @oslojs/webauthn", (t) => {
      const all = bundles["all-plugins"];
      const core = bundles["core-only"];
      t.diagnostic(`all-plugins: ${sizeLine(all)}; +${all.bytes - core.bytes} B (+${all.gzip - core.gzip} B gzip) over core-only`);
      // The plugin entries the fixture imports, read from its source (each "hybrid-auth/<id>" but hono).
      const mounted = [...readFileSync(join(here, "all-plugins", "worker.ts"), "utf8").matchAll(/from "hybrid-auth\/([a-z0-9-]+)"/g)].map((m) => m[1]).filter((id) => id !== "hono");
      assert.deepEqual(mounted.filter((id) => !(id in plugins)), [], "the fixture imports plugin entries only");
      assert.ok(mounted.length >= 4, `the fixture mounts the plugins: ${mounted}`);
      const strays = pluginInputs(all.inputs, Object.values(plugins));
      for (const id of mounted) assert.ok(strays.includes(`hybrid-auth/${plugins[id]}`), `${plugins[id]} is named: ${strays.join(", ")}`);
      assert.ok(strays.some((f) => f.startsWith("@oslojs/webauthn/")), `@oslojs/webauthn is named: ${strays.join(", ")}`);
    });
  });
});

/**
 * The plugin entries, id → file ({ passkeys: "dist/passkeys.js", ... }): the exports whose
 * types are under dist/types/plugins/, so a plugin added later is covered without an edit here.
 */
function pluginEntries(pkg) {
  const entries = Object.fromEntries(
    Object.entries(pkg.exports)
      .filter(([, target]) => typeof target === "object" && target.types?.startsWith("./dist/types/plugins/"))
      .map(([subpath, target]) => [subpath.replace(/^\.\//, ""), target.default.replace(/^\.\//, "")]),
  );
  for (const id of ["passkeys", "email", "sessions", "usage"]) assert.equal(entries[id], `dist/${id}.js`, `the ${id} plugin's entry in the exports map`);
  return entries;
}

/** The inputs (package-relative, "hybrid-auth/dist/email.js") that belong to a plugin. */
function pluginInputs(inputs, pluginFiles) {
  return inputs.filter((f) => pluginFiles.some((file) => f === `hybrid-auth/${file}`) || PASSKEY_LIBRARY.test(f));
}

/**
 * Copies the fixture folder test/pack/<fixture> into the consumer project (so it resolves
 * hybrid-auth and hono from the installed node_modules) and bundles it offline with its own
 * wrangler.jsonc. Returns { bytes, gzip, wasmBytes, inputs }: worker.js's size, gzip -9 of it,
 * the .wasm module's size, and every input esbuild read, as paths under node_modules
 * ("hybrid-auth/dist/hono.js", "hono/dist/index.js") or the fixture's own ("worker.ts").
 */
async function bundleFixture(project, work, fixture) {
  const dir = join(project, fixture);
  cpSync(join(here, fixture), dir, { recursive: true });
  const outdir = join(work, `bundle-${fixture}`);
  const metafile = join(work, `bundle-${fixture}.meta.json`);
  await runWrangler(["deploy", "--dry-run", "--outdir", outdir, "--metafile", metafile], { cwd: dir, timeoutMs: LIMIT.bundle });
  const worker = readFileSync(join(outdir, "worker.js"));
  // Two modules of their own: the JWT core's, and the password module createAuth hashes with (issue 21).
  const wasm = readdirSync(outdir).filter((f) => f.endsWith(".wasm"));
  assert.deepEqual(
    wasm.map((f) => f.replace(/^[0-9a-f]+-/, "")).sort(),
    ["hybrid_auth_argon2_bg.wasm", "hybrid_auth_bg.wasm"],
    `the JWT and password .wasm modules beside worker.js: ${readdirSync(outdir)}`,
  );
  const inputs = Object.keys(JSON.parse(readFileSync(metafile, "utf8")).inputs).map((f) => f.replace(/^(.*\/)?node_modules\//, ""));
  const wasmBytes = wasm.reduce((sum, f) => sum + statSync(join(outdir, f)).size, 0);
  return { bytes: worker.length, gzip: gzipSync(worker, { level: 9 }).length, wasmBytes, inputs };
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const sizeLine = (b) => `worker.js ${b.bytes} B (${kib(b.bytes)}), gzip -9 ${b.gzip} B (${kib(b.gzip)}); .wasm modules ${b.wasmBytes} B`;

/** The compatibility date the repository's Worker uses: known to suit the pinned wrangler. */
function compatibilityDate() {
  const date = readFileSync(join(root, "js", "wrangler.jsonc"), "utf8").match(/"compatibility_date":\s*"([\d-]+)"/)?.[1];
  assert.ok(date, "js/wrangler.jsonc names a compatibility_date");
  return date;
}

/** consumer/app.ts imports its signing secret from secret.ts, written here. */
function writeSecret(project, secret) {
  writeFileSync(join(project, "secret.ts"), `// Written by the pack test.\nexport const SIGNING_SECRET = ${JSON.stringify(secret)};\n`);
}
