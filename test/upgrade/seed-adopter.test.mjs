// End to end, from the adopter's side (issue 12 §3): a seed-era local D1 upgraded by
// `hybrid-auth upgrade-seed`, then served by an adopter's own Worker (adopter-worker.ts:
// binding APP_DB, auth at /api/auth, hooks.legacyPasswordVerifier for the seed's hash
// format) under the repository's wrangler, and checked over HTTP on 127.0.0.1: seed
// session tokens, old passwords. The Worker imports "hybrid-auth/hono", aliased to the
// repository's source as js/wrangler.jsonc does; test/pack covers the packed package.
import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { callJson } from "../../scripts/lib/json-call.mjs";
import { startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { root, sha256, upgradeWorkspace } from "./support.mjs";

// The repository Worker's compatibility date: known to suit the pinned wrangler.
const compatibilityDate = readFileSync(join(root, "js", "wrangler.jsonc"), "utf8").match(/"compatibility_date":\s*"([\d-]+)"/)?.[1];
assert.ok(compatibilityDate, "js/wrangler.jsonc names a compatibility_date");
const { work, sql, dump, wrangler, runCli } = upgradeWorkspace("seed-adopter-", (folder) => ({
  name: "seed-adopter-test",
  compatibility_date: compatibilityDate,
  main: relative(folder, join(root, "test", "upgrade", "adopter-worker.ts")),
  alias: { "hybrid-auth/hono": relative(folder, join(root, "js", "src", "hono.ts")) },
}));

/** The seed's password format that adopter-worker.ts verifies: sha256$<b64 salt>$<hex SHA-256(salt ‖ password)>. */
function seedHash(password) {
  const salt = randomBytes(12);
  return `sha256$${salt.toString("base64")}$${createHash("sha256").update(Buffer.concat([salt, Buffer.from(password, "utf8")])).digest("hex")}`;
}

const NOW = Date.now() / 1000;
const ALICE = { id: "u-1", email: "alice@example.com", password: `alice-${randomBytes(6).toString("hex")}` };
const BOB = { id: "u-2", email: "bob@example.com", password: `bob-${randomBytes(6).toString("hex")}` };
// Stored by the seed with a non-ASCII capital (issue 19 §8): SQLite's lower() left the "É".
const EMILE = { id: "u-3", stored: "ÉMILE@Example.com", email: "émile@example.com", password: `emile-${randomBytes(6).toString("hex")}` };
const HASHES = { alice: seedHash(ALICE.password), bob: seedHash(BOB.password), emile: seedHash(EMILE.password) };
// Live clients' tokens, as the seed issued them (crypto.randomUUID()), and one expired.
const LIVE_ALICE = randomUUID();
const LIVE_BOB = randomUUID();
const EXPIRED = randomUUID();
const SEED_SQL = `
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT, pass TEXT NOT NULL, plan TEXT DEFAULT 'free');
CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), expires_at REAL NOT NULL);
INSERT INTO users VALUES ('${ALICE.id}', 'Alice@Example.com', 'Alice', '${HASHES.alice}', 'pro');
INSERT INTO users VALUES ('${BOB.id}', '${BOB.email}', NULL, '${HASHES.bob}', 'free');
INSERT INTO users VALUES ('${EMILE.id}', '${EMILE.stored}', 'Émile', '${HASHES.emile}', 'free');
INSERT INTO sessions VALUES ('${LIVE_ALICE}', '${ALICE.id}', ${NOW + 86400.375});
INSERT INTO sessions VALUES ('${LIVE_BOB}', '${BOB.id}', ${NOW + 3600.5});
INSERT INTO sessions VALUES ('${EXPIRED}', '${ALICE.id}', ${NOW - 10.25});
`;

after(() => rmSync(work, { recursive: true, force: true }));

describe("after upgrade-seed, an adopter's Worker serves the seed's users and sessions", { timeout: 600_000 }, () => {
  const persist = join(work, "db");
  let server;

  /** One JSON request to the Worker; `token` goes in Authorization: Bearer. */
  const call = (method, path, { token, body } = {}) => callJson(server.base, method, path, { token, body, timeoutMs: 30_000 });

  const passwordHashOf = async (id) => (await sql(persist, `SELECT password_hash FROM users WHERE id = '${id}'`))[0][0].password_hash;

  before(async () => {
    const file = join(work, "seed.sql");
    writeFileSync(file, SEED_SQL);
    await wrangler(["d1", "execute", "APP_DB", "--local", "--persist-to", persist, "--file", file]);
    // No session flag: since issue 19 §8 the upgrade stores seed tokens only as hashes by default.
    const upgrade = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--password-column", "pass"]);
    assert.equal(upgrade.code, 0, upgrade.out);
    server = await startWranglerDev({ cwd: work, args: ["--persist-to", persist, "--var", `AUTH_SECRET:${randomBytes(32).toString("base64url")}`], timeoutMs: 90_000 });
  });

  after(async () => {
    await server?.stop();
  });

  it("by default the upgrade stores every live seed session only as its SHA-256 (expired ones dropped), and the tokens still authenticate on /api/auth/me", async () => {
    const [legacy, moved] = await sql(persist, "SELECT id FROM legacy_sessions; SELECT token_hash, user_id, expires_at, created_at FROM sessions ORDER BY user_id");
    assert.deepEqual(legacy, [], "no raw token left in legacy_sessions");
    assert.deepEqual(moved, [
      { token_hash: sha256(LIVE_ALICE), user_id: ALICE.id, expires_at: Math.ceil(NOW + 86400.375), created_at: 0 },
      { token_hash: sha256(LIVE_BOB), user_id: BOB.id, expires_at: Math.ceil(NOW + 3600.5), created_at: 0 },
    ]);
    const everything = JSON.stringify(await dump(persist));
    for (const token of [LIVE_ALICE, LIVE_BOB, EXPIRED]) assert.ok(!everything.includes(token), `raw token ${token} still stored`);

    const me = await call("GET", "/api/auth/me", { token: LIVE_ALICE });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json.user, { id: ALICE.id, email: ALICE.email, name: "Alice" });
    assert.equal(me.json.token_type, "session");
    const again = await call("GET", "/api/auth/me", { token: LIVE_ALICE });
    assert.equal(again.status, 200, `the same token keeps working: ${again.text}`);
  });

  it("a raw seed session still in legacy_sessions (--keep-raw-sessions) is moved to its SHA-256 on first use", async () => {
    const late = randomUUID();
    await sql(persist, `INSERT INTO legacy_sessions (id, user_id, expires_at) VALUES ('${late}', '${ALICE.id}', ${NOW + 7200.25})`);
    const me = await call("GET", "/api/auth/me", { token: late });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.id, ALICE.id);
    const [legacy, moved] = await sql(persist, `SELECT id FROM legacy_sessions WHERE id = '${late}'; SELECT user_id, expires_at, created_at FROM sessions WHERE token_hash = '${sha256(late)}'`);
    assert.deepEqual(legacy, [], "the raw id is gone from legacy_sessions");
    assert.deepEqual(moved, [{ user_id: ALICE.id, expires_at: Math.ceil(NOW + 7200.25), created_at: 0 }]);
    assert.ok(!JSON.stringify(await dump(persist)).includes(late), "the raw token is stored nowhere");
  });

  it("another seed session passes the adopter's own route behind auth.requireAuth", async () => {
    const whoami = await call("GET", "/api/whoami", { token: LIVE_BOB });
    assert.equal(whoami.status, 200, whoami.text);
    assert.equal(whoami.json.principal.kind, "session");
    assert.deepEqual(whoami.json.principal.user, { id: BOB.id, email: BOB.email, name: "" });
    assert.equal(whoami.json.principal.sessionTokenHash, sha256(LIVE_BOB));
  });

  it("a non-ASCII address is stored as the Worker normalises it: its owner logs in as they always typed it, and no look-alike account can be registered", async () => {
    const [[row]] = await sql(persist, `SELECT email FROM users WHERE id = '${EMILE.id}'`);
    assert.equal(row.email, EMILE.email, "not SQLite's 'Émile@example.com'");
    const login = await call("POST", "/api/auth/login", { body: { email: EMILE.stored, password: EMILE.password } });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.json.user.id, EMILE.id);
    const lower = await call("POST", "/api/auth/login", { body: { email: EMILE.email, password: EMILE.password } });
    assert.equal(lower.status, 200, lower.text);
    const twin = await call("POST", "/api/auth/register", { body: { email: EMILE.email, password: "another password 123", name: "Twin" } });
    assert.equal(twin.status, 409, twin.text);
  });

  it("an expired seed session is refused with 401 invalid_token", async () => {
    const me = await call("GET", "/api/auth/me", { token: EXPIRED });
    assert.equal(me.status, 401, me.text);
    assert.equal(me.json?.error?.code, "invalid_token");
    const [moved] = await sql(persist, `SELECT * FROM sessions WHERE token_hash = '${sha256(EXPIRED)}'`);
    assert.deepEqual(moved, [], "an expired token is never moved into sessions");
  });

  it("an old user logs in with their old password, and the stored hash becomes Argon2id (the default)", async () => {
    assert.equal(await passwordHashOf(ALICE.id), HASHES.alice, "still the seed's hash before the login");
    // The seed stored the email mixed-case; the user types it as they always did.
    const login = await call("POST", "/api/auth/login", { body: { email: "Alice@Example.com", password: ALICE.password } });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.json.token_type, "jwt");
    assert.equal(login.json.user.id, ALICE.id);
    const rehashed = await passwordHashOf(ALICE.id);
    assert.match(rehashed, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);

    const me = await call("GET", "/api/auth/me", { token: login.json.token });
    assert.equal(me.status, 200, me.text);
    const second = await call("POST", "/api/auth/login", { body: { email: ALICE.email, password: ALICE.password } });
    assert.equal(second.status, 200, `the same password against the new hash: ${second.text}`);
    assert.equal(await passwordHashOf(ALICE.id), rehashed, "an Argon2id hash at today's cost is not rewritten");
  });

  it("a wrong password is refused with 401 invalid_credentials and leaves the old hash in place", async () => {
    const wrong = await call("POST", "/api/auth/login", { body: { email: BOB.email, password: `${BOB.password}x` } });
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(wrong.json?.error?.code, "invalid_credentials");
    assert.equal(await passwordHashOf(BOB.id), HASHES.bob);
    // The verifier does work for this user: the right password gets in (and rehashes).
    const right = await call("POST", "/api/auth/login", { body: { email: BOB.email, password: BOB.password } });
    assert.equal(right.status, 200, right.text);
    assert.match(await passwordHashOf(BOB.id), /^\$argon2id\$/);
  });
});
