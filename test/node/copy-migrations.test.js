// `npx hybrid-auth migrations copy <DIR>` (bin/lib/copy-migrations.mjs; issue 19, point 12): a
// team with its own D1 migrations folder gets the package's migrations copied into it, numbered
// after its own, and a rerun changes nothing. The last case applies such a folder with wrangler
// to a local D1, as `wrangler d1 migrations apply` would in the team's project.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_MIGRATIONS, CopyError, copyMigrations, planCopy } from "../../bin/lib/copy-migrations.mjs";
import { runWrangler } from "../../scripts/lib/wrangler-dev.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(root, "bin", "hybrid-auth.mjs");
const shipped = readdirSync(PACKAGE_MIGRATIONS).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), "hybrid-auth-copy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A team's folder with two migrations of its own. */
function teamFolder(t) {
  const project = tempDir(t);
  const dir = join(project, "migrations");
  mkdirSync(dir);
  writeFileSync(join(dir, "0001_notes.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n");
  writeFileSync(join(dir, "0002_notes_title.sql"), "ALTER TABLE notes ADD COLUMN title TEXT;\n");
  return { project, dir };
}

const snapshot = (dir) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), "utf8")]));

const cli = (...args) => spawnSync(process.execPath, [CLI, "migrations", ...args], { encoding: "utf8" });

test("the command copies every shipped migration after the team's highest number, in the package's order", (t) => {
  const { dir } = teamFolder(t);
  const r = cli("copy", dir);
  assert.equal(r.status, 0, r.stderr);
  const expected = shipped.map((name, i) => `${String(3 + i).padStart(4, "0")}_hybrid_auth_${name}`);
  assert.deepEqual(readdirSync(dir).sort(), ["0001_notes.sql", "0002_notes_title.sql", ...expected]);
  for (const [i, name] of shipped.entries()) {
    const copy = readFileSync(join(dir, expected[i]), "utf8");
    const original = readFileSync(join(PACKAGE_MIGRATIONS, name), "utf8");
    assert.ok(copy.endsWith(original), `${expected[i]} holds ${name} as shipped`);
    assert.match(copy.split("\n")[0], new RegExp(`^-- hybrid-auth migration ${name} sha256=[0-9a-f]{64}$`));
  }
  assert.match(r.stdout, new RegExp(`${shipped.length} migration\\(s\\) copied, 0 already there`));
});

test("running it again copies nothing and changes no file", (t) => {
  const { dir } = teamFolder(t);
  assert.equal(cli("copy", dir).status, 0);
  const before = snapshot(dir);
  const again = cli("copy", dir);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(snapshot(dir), before);
  assert.match(again.stdout, new RegExp(`0 migration\\(s\\) copied, ${shipped.length} already there`));
});

test("after a package upgrade only the new migration is copied, after the team's own later ones", (t) => {
  const { dir } = teamFolder(t);
  copyMigrations(dir);
  const last = shipped.length + 2; // the team's two, then the package's
  writeFileSync(join(dir, `${String(last + 1).padStart(4, "0")}_notes_index.sql`), "CREATE INDEX notes_title ON notes(title);\n");
  // The next package version: the same migrations plus one.
  const upgraded = tempDir(t);
  for (const name of shipped) writeFileSync(join(upgraded, name), readFileSync(join(PACKAGE_MIGRATIONS, name), "utf8"));
  writeFileSync(join(upgraded, "0099_next.sql"), "CREATE TABLE next_feature (id TEXT PRIMARY KEY);\n");
  const { copies, skipped } = copyMigrations(dir, { sourceDir: upgraded });
  assert.deepEqual(copies.map((c) => c.to), [`${String(last + 2).padStart(4, "0")}_hybrid_auth_0099_next.sql`]);
  assert.equal(skipped.length, shipped.length);
});

test("a copied file whose original changed is refused, and nothing is written", (t) => {
  const { dir } = teamFolder(t);
  copyMigrations(dir);
  const changed = tempDir(t);
  for (const name of shipped) writeFileSync(join(changed, name), readFileSync(join(PACKAGE_MIGRATIONS, name), "utf8"));
  writeFileSync(join(changed, shipped[1]), "-- edited\n");
  writeFileSync(join(changed, "0099_next.sql"), "SELECT 1;\n");
  const before = snapshot(dir);
  assert.throws(() => copyMigrations(dir, { sourceDir: changed }), (e) => e instanceof CopyError && e.message.includes(shipped[1]));
  assert.deepEqual(snapshot(dir), before);
});

test("a folder whose names would not sort in number order is refused (wrangler sorts names as strings)", (t) => {
  const project = tempDir(t);
  writeFileSync(join(project, "1_init.sql"), "SELECT 1;\n");
  writeFileSync(join(project, "2_more.sql"), "SELECT 1;\n");
  // The copies would be 0003_..., which sort before "1_init.sql".
  assert.throws(() => planCopy(project), CopyError);
  const r = cli("copy", project);
  assert.equal(r.status, 3);
  assert.deepEqual(readdirSync(project).sort(), ["1_init.sql", "2_more.sql"]);
});

test("a missing folder is created; a bad command line is a usage error", (t) => {
  const dir = join(tempDir(t), "db", "migrations");
  assert.equal(cli("copy", dir).status, 0);
  assert.equal(readdirSync(dir).length, shipped.length);
  assert.equal(readdirSync(dir).sort()[0], `0001_hybrid_auth_${shipped[0]}`);
  assert.equal(cli("copy").status, 2);
  assert.equal(cli("paste", dir).status, 2);
});

test("wrangler applies the team's folder with the copies to a local D1, and a rerun leaves nothing to apply", { timeout: 240_000 }, async (t) => {
  const { project, dir } = teamFolder(t);
  assert.equal(cli("copy", dir).status, 0);
  writeFileSync(
    join(project, "wrangler.jsonc"),
    JSON.stringify({
      name: "team",
      compatibility_date: "2025-01-01",
      d1_databases: [{ binding: "DB", database_name: "team", database_id: "00000000-0000-0000-0000-000000000000", migrations_dir: "migrations" }],
    }),
  );
  const persist = join(project, "state");
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: project });
  const query = async (sql) =>
    JSON.parse(await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", persist, "--json", "--command", sql], { cwd: project }))[0].results;
  const applied = (await query("SELECT name FROM d1_migrations ORDER BY id")).map((r) => r.name);
  assert.deepEqual(applied, readdirSync(dir).sort(), "every file applied, in name order");
  const tables = new Set((await query("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
  for (const name of ["notes", "users", "sessions", "refresh_tokens", "passkeys"]) assert.ok(tables.has(name), `table ${name}`);
  assert.equal(cli("copy", dir).status, 0);
  const again = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: project });
  assert.match(again, /No migrations to apply/);
});

test("the documented alternative: a second binding to the same database, with its own migrations_dir and migrations_table", { timeout: 240_000 }, async (t) => {
  // wrangler keeps one migrations_dir and one migrations_table per binding (not per database),
  // so two bindings with one database_id keep two independent histories in one database.
  const { project } = teamFolder(t);
  writeFileSync(
    join(project, "wrangler.jsonc"),
    JSON.stringify({
      name: "team",
      compatibility_date: "2025-01-01",
      d1_databases: [
        { binding: "DB", database_name: "team", database_id: "00000000-0000-0000-0000-000000000000", migrations_dir: "migrations" },
        {
          binding: "AUTH_DB",
          database_name: "team",
          database_id: "00000000-0000-0000-0000-000000000000",
          migrations_dir: PACKAGE_MIGRATIONS,
          migrations_table: "hybrid_auth_migrations",
        },
      ],
    }),
  );
  const persist = join(project, "state");
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: project });
  await runWrangler(["d1", "migrations", "apply", "AUTH_DB", "--local", "--persist-to", persist], { cwd: project });
  const query = async (sql) =>
    JSON.parse(await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", persist, "--json", "--command", sql], { cwd: project }))[0].results;
  const tables = new Set((await query("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
  for (const name of ["notes", "users", "sessions", "d1_migrations", "hybrid_auth_migrations"]) assert.ok(tables.has(name), `table ${name} in the one database`);
  assert.deepEqual((await query("SELECT name FROM d1_migrations ORDER BY id")).map((r) => r.name), ["0001_notes.sql", "0002_notes_title.sql"]);
  assert.deepEqual((await query("SELECT name FROM hybrid_auth_migrations ORDER BY id")).map((r) => r.name), shipped);
});
