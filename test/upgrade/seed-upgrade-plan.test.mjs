// Unit tests of bin/lib/seed-upgrade.mjs (no wrangler): statement parsing, classification
// and the SQL of the upgrade step, against the repository's real migrations folder.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  UpgradeError,
  classify,
  describeStatement,
  parseJsonc,
  planUpgrade,
  readMigrations,
  renameIndexSql,
  splitStatements,
  tableColumns,
} from "../../bin/lib/seed-upgrade.mjs";

const dir = join(import.meta.dirname, "..", "..", "migrations");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
const migrations = readMigrations(files);

const cols = (...names) => names.map((name) => ({ name, type: "TEXT" }));
function seedSnapshot(over = {}) {
  return {
    objects: [
      { type: "table", name: "users", tbl_name: "users", sql: "CREATE TABLE users (...)" },
      { type: "table", name: "sessions", tbl_name: "sessions", sql: "CREATE TABLE sessions (...)" },
    ],
    columns: { users: cols("id", "email", "name", "password_hash"), sessions: cols("id", "user_id", "expires_at"), legacy_sessions: [] },
    emailUnique: true,
    appliedMigrations: null,
    emails: [],
    nullNames: 0,
    nullPasswords: 0,
    ...over,
  };
}
const plan = (snap, opts = {}) => planUpgrade(snap, migrations, { now: 1_700_000_000, ...opts });

describe("SQL reading", () => {
  it("splits statements, ignoring semicolons in comments and strings", () => {
    assert.deepEqual(splitStatements("-- a; b\nCREATE TABLE t (x TEXT DEFAULT ';'); /* ; */ INSERT INTO t VALUES ('it''s;');"), [
      "CREATE TABLE t (x TEXT DEFAULT ';')",
      "INSERT INTO t VALUES ('it''s;')",
    ]);
  });
  it("names what a statement creates", () => {
    assert.deepEqual(describeStatement('CREATE UNIQUE INDEX IF NOT EXISTS "a b" ON t(x)'), {
      kind: "index",
      name: "a b",
      table: "t",
      sql: 'CREATE UNIQUE INDEX IF NOT EXISTS "a b" ON t(x)',
    });
    assert.equal(describeStatement("ALTER TABLE users ADD COLUMN role TEXT").name, "role");
    assert.equal(describeStatement("UPDATE x SET y = 1").kind, "other");
  });
  it("reads the first migration's users columns and every created name", () => {
    assert.equal(migrations.firstName, "0001_init.sql");
    assert.deepEqual(
      migrations.userColumns.map((c) => [c.name, c.required]),
      [["id", false], ["email", true], ["name", true], ["password_hash", true], ["created_at", true], ["updated_at", true]],
    );
    assert.ok(migrations.createdTables.has("passkeys"));
    assert.ok(migrations.createdIndexes.has("sessions_user_id"));
    assert.ok(migrations.laterUserColumns.has("role"));
  });
  it("reads columns past nested parentheses and table constraints", () => {
    assert.deepEqual(
      tableColumns("CREATE TABLE t (a INTEGER NOT NULL CHECK (a IN (1, 2)), b TEXT NOT NULL DEFAULT 'x', PRIMARY KEY (a, b))").map((c) => [c.name, c.required]),
      [["a", true], ["b", false]],
    );
  });
  it("refuses a first migration it cannot stand in for", () => {
    assert.throws(() => readMigrations([{ name: "0001_x.sql", sql: "CREATE TABLE users (id TEXT); CREATE TABLE sessions (a); INSERT INTO users VALUES ('x');" }]), UpgradeError);
  });
  it("parses JSONC with comments, trailing commas and comment-like text in strings", () => {
    assert.deepEqual(parseJsonc('{ // c\n "a": "x // y, }", /* z */ "b": [1, 2,], }'), { a: "x // y, }", b: [1, 2] });
  });
  it("moves an index definition to a new name and table", () => {
    assert.equal(renameIndexSql("CREATE INDEX sessions_user_id ON sessions(user_id)", "legacy_sessions_user_id", "legacy_sessions"), 'CREATE INDEX "legacy_sessions_user_id" ON "legacy_sessions"(user_id)');
  });
});

describe("classify", () => {
  it("tells fresh, seed and upgraded apart", () => {
    assert.equal(classify(seedSnapshot({ objects: [], columns: { users: [], sessions: [], legacy_sessions: [] } }), migrations), "fresh");
    assert.equal(classify(seedSnapshot(), migrations), "seed");
    const upgraded = seedSnapshot({
      objects: [...seedSnapshot().objects, { type: "table", name: "legacy_sessions", tbl_name: "legacy_sessions", sql: "" }],
      columns: { users: cols("id"), sessions: cols("token_hash", "user_id"), legacy_sessions: cols("id") },
      appliedMigrations: ["0001_init.sql"],
    });
    assert.equal(classify(upgraded, migrations), "upgraded");
    // Later migrations add columns to v3 sessions, `id` among them (0006): still upgraded, so a
    // rerun does not "upgrade" a v3 database again (renaming its role column and tables aside).
    const withSessionId = { ...upgraded, columns: { ...upgraded.columns, sessions: cols("token_hash", "user_id", "id", "last_used_at") } };
    assert.equal(classify(withSessionId, migrations), "upgraded");
    // Half done (a remote executor stopping part-way): still "seed", so a rerun finishes it.
    assert.equal(classify({ ...upgraded, appliedMigrations: [] }, migrations), "seed");
  });
  it("refuses a v3 database whose bookkeeping it cannot see rather than rename its tables", () => {
    const v3 = seedSnapshot({ columns: { users: cols("id"), sessions: cols("token_hash"), legacy_sessions: [] }, appliedMigrations: null });
    assert.throws(() => classify(v3, migrations), /not recorded/);
  });
});

describe("planUpgrade", () => {
  it("puts the statements that break the seed's code after those that do not, and the bookkeeping last", () => {
    const { statements } = plan(
      seedSnapshot({ columns: { ...seedSnapshot().columns, users: cols("id", "email", "name", "pw") }, emails: [{ id: "u-1", email: "A@X.io" }], emailUnique: false }),
      { passwordColumn: "pw" },
    );
    const at = (re) => statements.findIndex((s) => re.test(s));
    assert.ok(at(/ADD COLUMN "created_at" INTEGER NOT NULL DEFAULT 1700000000/) < at(/RENAME TO "legacy_sessions"/));
    assert.ok(at(/UPDATE users SET email = 'a@x.io'/) >= 0);
    assert.ok(at(/UPDATE users SET email = 'a@x.io'/) < at(/RENAME COLUMN "pw" TO password_hash/));
    assert.ok(at(/UPDATE users SET email = 'a@x.io'/) < at(/CREATE UNIQUE INDEX users_email_unique/));
    assert.ok(at(/CREATE UNIQUE INDEX users_email_unique/) < at(/RENAME COLUMN "pw"/));
    assert.ok(at(/RENAME TO "legacy_sessions"/) < at(/CREATE TABLE sessions/));
    assert.match(statements.at(-1), /INSERT INTO "d1_migrations" \(name\) SELECT '0001_init.sql'/);
    assert.ok(!statements.some((s) => /CREATE TABLE users/.test(s)));
  });
  it("keeps the seed's conflicting objects under legacy_ names", () => {
    const snap = seedSnapshot({
      objects: [
        ...seedSnapshot().objects,
        { type: "table", name: "passkeys", tbl_name: "passkeys", sql: "CREATE TABLE passkeys (id)" },
        { type: "index", name: "sessions_user_id", tbl_name: "sessions", sql: "CREATE INDEX sessions_user_id ON sessions(user_id)" },
        { type: "table", name: "d1_migrations", tbl_name: "d1_migrations", sql: "" },
      ],
      columns: { ...seedSnapshot().columns, users: cols("id", "email", "name", "password_hash", "created_at", "updated_at", "role") },
      appliedMigrations: ["0001_init.sql"],
    });
    const { statements } = plan(snap);
    for (const expected of [
      'ALTER TABLE "passkeys" RENAME TO "legacy_passkeys"',
      'DROP INDEX "sessions_user_id"',
      'CREATE INDEX "legacy_sessions_user_id" ON "legacy_sessions"(user_id)',
      'ALTER TABLE users RENAME COLUMN "role" TO "legacy_role"',
      'ALTER TABLE "d1_migrations" RENAME TO "legacy_d1_migrations"',
      "CREATE INDEX sessions_user_id ON sessions(user_id)",
    ]) {
      assert.ok(statements.includes(expected), `missing: ${expected}\n${statements.join("\n")}`);
    }
    assert.ok(!statements.some((s) => /ADD COLUMN "created_at"/.test(s)));
  });
  it("resumes a half-done upgrade with only the missing statements", () => {
    const snap = seedSnapshot({
      objects: [
        { type: "table", name: "users", tbl_name: "users", sql: "" },
        { type: "table", name: "legacy_sessions", tbl_name: "legacy_sessions", sql: "" },
      ],
      columns: { users: cols("id", "email", "name", "password_hash", "created_at", "updated_at"), sessions: [], legacy_sessions: cols("id", "user_id", "expires_at") },
    });
    const { statements } = plan(snap);
    assert.ok(!statements.some((s) => /RENAME/.test(s)));
    assert.ok(statements.some((s) => /^CREATE TABLE sessions/.test(s)));
  });
  it("refuses what it cannot do safely, with a message that says what to do", () => {
    assert.throws(() => plan(seedSnapshot({ columns: { ...seedSnapshot().columns, users: cols("id", "email", "name", "pw") } })), /--password-column/);
    assert.throws(() => plan(seedSnapshot({ emails: [{ id: "u-1", email: "A@x.io" }, { id: "u-2", email: " a@x.io" }] })), /"a@x\.io" <- "A@x\.io" \(id "u-1"\), " a@x\.io" \(id "u-2"\)/);
    assert.throws(() => plan(seedSnapshot({ columns: { ...seedSnapshot().columns, users: cols("id", "name", "password_hash") } })), /no email column/);
    assert.throws(
      () => plan(seedSnapshot({ objects: [...seedSnapshot().objects, { type: "table", name: "legacy_sessions", tbl_name: "legacy_sessions", sql: "" }] })),
      /merge them by hand/,
    );
  });
});

describe("planUpgrade normalises addresses as the Worker does (issue 19 §8)", () => {
  it("lower-cases and trims beyond ASCII, one UPDATE per changed address, matched by the stored address", () => {
    const { statements, notes } = plan(
      seedSnapshot({
        emails: [
          { id: "u-1", email: "ÉMILE@Example.com" },
          { id: "u-2", email: "\u00a0zoë@x.io\u3000" },
          { id: "u-3", email: "already@normal.io" },
          { id: "u-4", email: "O'Brien@X.io" },
        ],
      }),
    );
    const updates = statements.filter((s) => s.startsWith("UPDATE users SET email"));
    assert.deepEqual(updates, [
      "UPDATE users SET email = 'émile@example.com' WHERE email = 'ÉMILE@Example.com'",
      "UPDATE users SET email = 'zoë@x.io' WHERE email = '\u00a0zoë@x.io\u3000'",
      "UPDATE users SET email = 'o''brien@x.io' WHERE email = 'O''Brien@X.io'",
    ]);
    assert.ok(notes.some((n) => /^3 email\(s\)/.test(n)), notes.join("\n"));
    assert.ok(!statements.some((s) => /lower\(|trim\(/.test(s)), "no SQLite lower()/trim() (ASCII-only)");
  });

  it("refuses addresses that collide only beyond ASCII (which SQLite's lower() missed), listing every one", () => {
    const emails = [
      { id: "u-1", email: "ÉMILE@example.com" },
      { id: "u-2", email: "émile@example.com" },
      { id: "u-3", email: "Σ@x.io" },
      { id: "u-4", email: "σ@x.io" },
      { id: "u-5", email: "unique@x.io" },
    ];
    assert.throws(
      () => plan(seedSnapshot({ emails })),
      (err) => {
        assert.ok(err instanceof UpgradeError);
        assert.match(err.message, /^2 email address\(es\) belong to more than one user/);
        assert.match(err.message, /"émile@example\.com" <- "ÉMILE@example\.com" \(id "u-1"\), "émile@example\.com" \(id "u-2"\)/);
        assert.match(err.message, /"σ@x\.io" <- "Σ@x\.io" \(id "u-3"\), "σ@x\.io" \(id "u-4"\)/);
        assert.doesNotMatch(err.message, /unique@x\.io/);
        return true;
      },
    );
  });
});
