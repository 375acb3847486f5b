// End to end: a seed-era (v2) local D1 upgraded in place by `bin/hybrid-auth.mjs
// upgrade-seed`, through the repository's own wrangler, in a throwaway --persist-to folder.
// Loopback only (local D1 needs no network); every wrangler run has a time limit.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sha256, upgradeWorkspace } from "./support.mjs";

const { work, wrangler, sql, dump, runCli } = upgradeWorkspace("seed-upgrade-");

const NOW = Date.now() / 1000;
const LIVE = ["0b7f6d5e-1c2a-4b3c-8d4e-5f6a7b8c9d01", "1c8a7e6f-2d3b-4c4d-9e5f-6a7b8c9d0e12"];
const EXPIRED = ["2d9b8f7a-3e4c-4d5e-8f6a-7b8c9d0e1f23"];
// The seed's shape: a differently named password column holding an old hash format, extra
// columns, no created_at/updated_at, a mixed-case email, a NULL name, its own index on
// sessions under a name migration 0001 also uses, a table of its own with rows.
const SEED_SQL = `
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT, pass TEXT NOT NULL, avatar_url TEXT, plan TEXT DEFAULT 'free');
CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), expires_at REAL NOT NULL);
CREATE INDEX sessions_user_id ON sessions(user_id);
CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id TEXT REFERENCES users(id), body TEXT);
INSERT INTO users VALUES ('u-1', 'Alice@Example.com', 'Alice', 'sha256$c2FsdA==$0f1e2d', 'https://a/1.png', 'pro');
INSERT INTO users VALUES ('u-2', 'bob@example.com', NULL, 'bcrypt$2b$10$abcdefghijklmnopqrstuv', NULL, 'free');
INSERT INTO sessions VALUES ('${LIVE[0]}', 'u-1', ${NOW + 86400.375});
INSERT INTO sessions VALUES ('${LIVE[1]}', 'u-2', ${NOW + 3600.5});
INSERT INTO sessions VALUES ('${EXPIRED[0]}', 'u-1', ${NOW - 10.25});
INSERT INTO notes (user_id, body) VALUES ('u-1', 'hello'), ('u-2', 'world');
`;
const SEED_QUERY = (token) =>
  `SELECT u.* FROM sessions s JOIN users u ON s.user_id = u.id WHERE s.id = '${token}' AND s.expires_at > ${Date.now() / 1000}`;

let n = 0;
/** A fresh seed-era database in its own folder; `extra` SQL is appended (fault injection). */
async function seedDatabase(extra = "") {
  const persist = join(work, `db-${n++}`);
  const file = join(work, `seed-${n}.sql`);
  writeFileSync(file, SEED_SQL + extra);
  await wrangler(["d1", "execute", "APP_DB", "--local", "--persist-to", persist, "--file", file]);
  return persist;
}

after(() => rmSync(work, { recursive: true, force: true }));

describe("hybrid-auth upgrade-seed on a seed-era local D1", { timeout: 600_000 }, () => {
  let persist;
  let seedDump;
  let firstRun;

  before(async () => {
    persist = await seedDatabase();
    seedDump = await dump(persist);
    firstRun = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--password-column", "pass", "--keep-raw-sessions"]);
  });

  it("exits 0 and applies the remaining migrations", () => {
    assert.equal(firstRun.code, 0, firstRun.out);
    assert.match(firstRun.out, /seed-era database; upgrading in one step/);
  });

  it("loses nothing: every seed row is still there, with its old password hash in password_hash", async () => {
    const now = await dump(persist);
    assert.deepEqual(now.rows.notes, seedDump.rows.notes);
    // All three sessions, expired one included, untouched, under the new name.
    assert.deepEqual(now.rows.legacy_sessions, seedDump.rows.sessions);
    assert.equal(now.rows.users.length, 2);
    for (const [i, old] of seedDump.rows.users.entries()) {
      const row = now.rows.users[i];
      assert.equal(row.id, old.id);
      assert.equal(row.password_hash, old.pass);
      assert.equal(row.avatar_url, old.avatar_url);
      assert.equal(row.plan, old.plan);
      assert.equal(row.email, old.email.trim().toLowerCase());
      assert.equal(row.name, old.name ?? "");
      assert.equal(typeof row.created_at, "number");
      assert.equal(row.role, "user"); // from 0002, applied by `migrations apply`
    }
  });

  it("leaves the v3 schema, with the migrations recorded so wrangler has nothing left to apply", async () => {
    // The reference: a database that `wrangler d1 migrations apply` built from nothing.
    const fresh = join(work, "fresh");
    await wrangler(["d1", "migrations", "apply", "APP_DB", "--local", "--persist-to", fresh]);
    const COLUMNS = "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE '_cf_%' AND m.name <> 'sqlite_sequence' ORDER BY m.name, p.cid";
    const [[freshCols, freshApplied], [upgradedCols, applied]] = await Promise.all(
      [fresh, persist].map((db) => sql(db, `${COLUMNS}; SELECT name FROM d1_migrations ORDER BY id`)),
    );
    const columnsOf = (rows, table) => rows.filter((r) => r.tbl === table).map((r) => r.col);
    // sessions is v3's own table, as the migrations build it; every other v3 table and column is there too.
    assert.deepEqual(columnsOf(upgradedCols, "sessions"), columnsOf(freshCols, "sessions"));
    assert.deepEqual(columnsOf(freshCols, "sessions").slice(0, 4), ["token_hash", "user_id", "expires_at", "created_at"]);
    const upgradedSet = new Set(upgradedCols.map((r) => `${r.tbl}.${r.col}`));
    assert.deepEqual(freshCols.map((r) => `${r.tbl}.${r.col}`).filter((c) => !upgradedSet.has(c)), []);
    assert.deepEqual(applied.map((r) => r.name), freshApplied.map((r) => r.name));
    assert.equal(applied[0]?.name, "0001_init.sql");
    const out = await wrangler(["d1", "migrations", "apply", "APP_DB", "--local", "--persist-to", persist]);
    assert.match(out, /No migrations to apply/);
    // The seed's index kept, renamed; 0001's index of the same name on the new table.
    const [indexes] = await sql(persist, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND name LIKE '%sessions_user_id'");
    assert.deepEqual(indexes.sort((a, b) => a.name.localeCompare(b.name)), [
      { name: "legacy_sessions_user_id", tbl_name: "legacy_sessions" },
      { name: "sessions_user_id", tbl_name: "sessions" },
    ]);
  });

  it("is harmless to run again: same tables, same rows", async () => {
    const before = await dump(persist);
    const again = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--password-column", "pass", "--keep-raw-sessions"]);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /already upgraded; only applying migrations/);
    assert.deepEqual(await dump(persist), before);
  });

  it("hash-legacy-sessions stores every live token only as its SHA-256 and drops the expired one", async () => {
    const run = await runCli(["hash-legacy-sessions", "APP_DB", "--local", "--persist-to", persist, "--chunk", "1"]);
    assert.equal(run.code, 0, run.out);
    const [sessions, legacy] = await sql(persist, "SELECT token_hash, user_id, expires_at, created_at FROM sessions ORDER BY user_id; SELECT * FROM legacy_sessions");
    assert.deepEqual(legacy, []);
    assert.deepEqual(sessions, [
      { token_hash: sha256(LIVE[0]), user_id: "u-1", expires_at: Math.ceil(NOW + 86400.375), created_at: 0 },
      { token_hash: sha256(LIVE[1]), user_id: "u-2", expires_at: Math.ceil(NOW + 3600.5), created_at: 0 },
    ]);
    const everything = JSON.stringify(await dump(persist));
    for (const token of [...LIVE, ...EXPIRED]) assert.ok(!everything.includes(token), `raw token ${token} still stored`);
  });

  it("a rerun repairs an address an earlier version left half-lower-cased (SQLite's lower()), and refuses one that now collides", async () => {
    // What the old upgrade made of "ÉMILE@Example.com": its owner could not sign in.
    await sql(persist, "INSERT INTO users (id, email, name, password_hash) VALUES ('u-9', 'Émile@example.com', 'Émile', 'x')");
    const run = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--keep-raw-sessions"]);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /1 email\(s\) trimmed and lower-cased as the Worker does/);
    const [[row]] = await sql(persist, "SELECT email FROM users WHERE id = 'u-9'");
    assert.equal(row.email, "émile@example.com");

    // A second spelling of the same address (the UNIQUE index is byte-wise): listed, nothing changed.
    await sql(persist, "INSERT INTO users (id, email, name, password_hash) VALUES ('u-10', 'ÉMILE@example.com', 'Twin', 'x')");
    const before = await dump(persist);
    const refused = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--keep-raw-sessions"]);
    assert.equal(refused.code, 3, refused.out);
    assert.match(refused.out, /"émile@example\.com" <- "émile@example\.com" \(id "u-9"\), "ÉMILE@example\.com" \(id "u-10"\)/);
    assert.deepEqual(await dump(persist), before);
    await sql(persist, "DELETE FROM users WHERE id IN ('u-9', 'u-10')");
  });
});

describe("a failure in the middle of the upgrade step", { timeout: 600_000 }, () => {
  it("leaves the database exactly as the seed had it, still served by the seed's query, and a rerun then succeeds", async () => {
    // The last statement of the step (recording 0001) hits a trigger the seed left on an
    // empty d1_migrations: everything before it (renames, the new sessions table) must roll back.
    const persist = await seedDatabase(`
CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);
CREATE TRIGGER injected_failure BEFORE INSERT ON d1_migrations BEGIN SELECT RAISE(ABORT, 'injected failure'); END;`);
    const before = await dump(persist);
    const failed = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--password-column", "pass", "--keep-raw-sessions"]);
    assert.notEqual(failed.code, 0, failed.out);
    assert.match(failed.out, /injected failure/);
    assert.deepEqual(await dump(persist), before);
    const [[user]] = await sql(persist, SEED_QUERY(LIVE[0]));
    assert.equal(user.id, "u-1");
    assert.equal(user.pass, "sha256$c2FsdA==$0f1e2d");
    const [expired] = await sql(persist, SEED_QUERY(EXPIRED[0]));
    assert.deepEqual(expired, []);

    await sql(persist, "DROP TRIGGER injected_failure");
    const retry = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--password-column", "pass", "--keep-raw-sessions"]);
    assert.equal(retry.code, 0, retry.out);
    const [legacy] = await sql(persist, "SELECT id FROM legacy_sessions ORDER BY rowid");
    assert.deepEqual(legacy.map((r) => r.id), [...LIVE, ...EXPIRED]);
  });
});

describe("addresses that collide once normalised as the Worker does (issue 19 §8)", { timeout: 600_000 }, () => {
  it("stop the upgrade with a report naming each one, and change nothing", async () => {
    // SQLite's lower() leaves "É" alone, so the old check saw two different addresses
    // and the upgrade went through; the Worker lower-cases both to "émile@example.com".
    const persist = await seedDatabase(`
INSERT INTO users VALUES ('u-3', 'ÉMILE@example.com', 'Émile', 'sha256$c2FsdA==$aa', NULL, 'free');
INSERT INTO users VALUES ('u-4', 'émile@example.com', 'Emile', 'sha256$c2FsdA==$bb', NULL, 'free');`);
    const before = await dump(persist);
    const run = await runCli(["upgrade-seed", "APP_DB", "--local", "--persist-to", persist, "--password-column", "pass"]);
    assert.equal(run.code, 3, run.out);
    assert.match(run.out, /1 email address\(es\) belong to more than one user once normalised as the Worker does/);
    assert.match(run.out, /"émile@example\.com" <- "ÉMILE@example\.com" \(id "u-3"\), "émile@example\.com" \(id "u-4"\)/);
    assert.doesNotMatch(run.out, /alice@example\.com|bob@example\.com/i, "only the colliding addresses are listed");
    assert.deepEqual(await dump(persist), before);
  });
});
