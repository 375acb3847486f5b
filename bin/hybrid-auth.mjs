#!/usr/bin/env node
// hybrid-auth's operator CLI. Thin: it collects what `wrangler d1 execute --json` reports,
// asks bin/lib/seed-upgrade.mjs what to do, and runs that through the user's own wrangler.
// Node built-ins only, so `npx hybrid-auth ...` works wherever the package is installed.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  LEGACY_SESSIONS,
  UpgradeError,
  classify,
  emailNormalizationSql,
  expiredLegacySql,
  findD1Entry,
  joinStatements,
  moveLegacyRowsSql,
  parseJsonc,
  planUpgrade,
  quoteIdent,
  readMigrations,
} from "./lib/seed-upgrade.mjs";

const USAGE = `usage:
  hybrid-auth upgrade-seed <DATABASE> [--local | --remote] [--persist-to DIR] [--config FILE]
                           [--password-column NAME] [--migrations-dir DIR] [--migrations-table NAME]
                           [--dry-run] [--keep-raw-sessions] [--chunk N] [--wrangler "CMD"]
      Upgrades a seed-era (v2) D1 database in place to the v3 schema, then applies the
      remaining migrations, then stores every live seed session token only as its SHA-256
      (as hash-legacy-sessions does; --keep-raw-sessions leaves them raw until each is
      next used). Email addresses are normalised as the Worker does (trim, lower-case,
      full Unicode); addresses that collide once normalised stop the upgrade, listed.
      Safe to run again: an upgraded database only gets 'wrangler d1 migrations apply'
      and the hashing of any raw session left.
  hybrid-auth hash-legacy-sessions <DATABASE> [same connection options] [--chunk N]
      Moves every live legacy session into v3 sessions as its SHA-256 and deletes expired
      ones, without waiting for their clients to come back.
  hybrid-auth migrations copy <DIR> [--dry-run]
      Copies the package's migrations into your own migrations folder, numbered after yours.

  wrangler is run as "npx wrangler" unless --wrangler or HYBRID_AUTH_WRANGLER says otherwise
  (a command line split on spaces, e.g. "node ./node_modules/wrangler/bin/wrangler.js").`;

const here = dirname(fileURLToPath(import.meta.url));

function fail(message, code = 1) {
  process.stderr.write(`hybrid-auth: ${message}\n`);
  process.exit(code);
}

function parseCli(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: "boolean" },
      remote: { type: "boolean" },
      "persist-to": { type: "string" },
      config: { type: "string", short: "c" },
      "password-column": { type: "string", default: "password_hash" },
      "migrations-dir": { type: "string" },
      "migrations-table": { type: "string" },
      "dry-run": { type: "boolean" },
      // The default since issue 19 §8; still accepted so existing scripts keep working.
      "hash-sessions": { type: "boolean" },
      "keep-raw-sessions": { type: "boolean" },
      chunk: { type: "string", default: "500" },
      wrangler: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, database, ...extra] = positionals;
  if (values.help || !command) return { help: true };
  if (!database || extra.length > 0) throw new UsageError(`${command} takes exactly one DATABASE (binding or database_name)`);
  if (values.local && values.remote) throw new UsageError("--local and --remote exclude each other");
  if (values["persist-to"] && values.remote) throw new UsageError("--persist-to only applies to --local");
  if (values["hash-sessions"] && values["keep-raw-sessions"]) throw new UsageError("--hash-sessions and --keep-raw-sessions exclude each other");
  const chunk = Number(values.chunk);
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 5000) throw new UsageError("--chunk must be an integer from 1 to 5000");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(values["password-column"])) throw new UsageError("--password-column must be a plain column name");
  return { command, database, chunk, ...values };
}

class UsageError extends Error {}

/** The wrangler config and what it says about this database (migrations folder and table). */
function resolveSettings(opts) {
  const configPath = opts.config
    ? resolve(opts.config)
    : ["wrangler.jsonc", "wrangler.json", "wrangler.toml"].map((f) => resolve(f)).find((f) => existsSync(f)) ?? null;
  let entry = null;
  if (configPath && /\.jsonc?$/.test(configPath)) {
    entry = findD1Entry(parseJsonc(readFileSync(configPath, "utf8")), opts.database);
    if (!entry) throw new UsageError(`${configPath} has no d1_databases entry whose binding or database_name is ${opts.database}`);
  } else if (configPath) {
    // TOML: read the two keys only when the file leaves no doubt which database they belong to.
    const text = readFileSync(configPath, "utf8");
    const dirs = [...text.matchAll(/^\s*migrations_dir\s*=\s*"([^"]*)"/gm)];
    const tables = [...text.matchAll(/^\s*migrations_table\s*=\s*"([^"]*)"/gm)];
    if ((text.match(/\[\[\s*d1_databases\s*\]\]/g) ?? []).length === 1) {
      entry = { migrations_dir: dirs[0]?.[1], migrations_table: tables[0]?.[1] };
    }
  }
  const configDir = configPath ? dirname(configPath) : process.cwd();
  // wrangler's own default is "migrations" next to the config; the package's copy is the fallback.
  const candidates = [
    opts["migrations-dir"] && resolve(opts["migrations-dir"]),
    entry?.migrations_dir && resolve(configDir, entry.migrations_dir),
    entry && !entry.migrations_dir && resolve(configDir, "migrations"),
    join(here, "..", "migrations"),
  ].filter(Boolean);
  const migrationsDir = opts["migrations-dir"] ? candidates[0] : candidates.find((d) => existsSync(d));
  if (!migrationsDir || !existsSync(migrationsDir)) throw new UsageError(`no migrations folder (tried ${candidates.join(", ")}); pass --migrations-dir`);
  // `wrangler d1 migrations apply` reads the config's folder: recording its first file as
  // applied is only right if that is the folder whose first file the upgrade stands in for.
  const configured = entry && resolve(configDir, entry.migrations_dir ?? "migrations");
  if (configured && resolve(configured) !== resolve(migrationsDir)) {
    throw new UsageError(
      `${configPath} sets migrations_dir to ${configured}, but the upgrade would use ${migrationsDir}: ` +
        "point migrations_dir at hybrid-auth's migrations folder (see MIGRATION.md, phase 0)",
    );
  }
  const migrationsTable = opts["migrations-table"] ?? entry?.migrations_table ?? "d1_migrations";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(migrationsTable)) throw new UsageError("the migrations table must be a plain name");
  return { configPath, migrationsDir, migrationsTable };
}

/** The migration files in wrangler's order (by the number before the first "_"). */
function loadMigrationFiles(dir) {
  return readdirSync(dir)
    .filter((f) => /^\d+.*\.sql$/.test(f))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b))
    .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
}

function wranglerCommand(opts) {
  const text = opts.wrangler ?? process.env.HYBRID_AUTH_WRANGLER ?? "npx wrangler";
  const parts = text.trim().split(/\s+/);
  if (!parts[0]) throw new UsageError("empty wrangler command");
  return parts;
}

/** Runs wrangler once; resolves {code, stdout, stderr}. No shell: SQL goes through as one argument. */
function runWrangler(opts, args, { timeoutMs = 600_000 } = {}) {
  const [cmd, ...pre] = wranglerCommand(opts);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? signal, stdout, stderr });
    });
  });
}

function target(opts, settings) {
  const args = [opts.database, opts.remote ? "--remote" : "--local"];
  if (opts["persist-to"]) args.push("--persist-to", opts["persist-to"]);
  if (settings.configPath) args.push("--config", settings.configPath);
  return args;
}

/** `d1 execute --json --command`: one result set per statement. */
async function query(opts, settings, sql) {
  const r = await runWrangler(opts, ["d1", "execute", ...target(opts, settings), "--json", "--command", sql]);
  let parsed = null;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    // reported below
  }
  if (r.code !== 0 || !Array.isArray(parsed)) {
    throw new Error(`wrangler d1 execute failed (${r.code}):\n${r.stdout}${r.stderr}`);
  }
  return parsed.map((set) => set.results ?? []);
}

/** Runs statements as ONE command, so D1 runs them as one transaction (see planUpgrade). */
async function execute(opts, settings, statements) {
  const r = await runWrangler(opts, ["d1", "execute", ...target(opts, settings), "--command", joinStatements(statements)]);
  if (r.code !== 0) throw new Error(`wrangler d1 execute failed (${r.code}); nothing of this step was applied:\n${r.stdout}${r.stderr}`);
}

/** What planUpgrade() needs to know about the database, in two round trips. */
async function snapshot(opts, settings) {
  const [objects, users, sessions, legacy, userIndexes] = await query(
    opts,
    settings,
    [
      `SELECT type, name, tbl_name, sql FROM sqlite_master`,
      ...["users", "sessions", LEGACY_SESSIONS].map((t) => `SELECT name, type FROM pragma_table_info('${t}')`),
      `SELECT il."unique" AS u, (SELECT group_concat(ii.name) FROM pragma_index_info(il.name) ii) AS cols FROM pragma_index_list('users') il`,
    ].join(";\n"),
  );
  const snap = {
    objects,
    columns: { users, sessions, [LEGACY_SESSIONS]: legacy },
    emailUnique: userIndexes.some((i) => i.u === 1 && i.cols === "email"),
    appliedMigrations: null,
    emails: [],
    nullNames: 0,
    nullPasswords: 0,
  };
  const userCols = new Set(users.map((c) => c.name));
  const hashColumn = userCols.has("password_hash") ? "password_hash" : userCols.has(opts["password-column"]) ? opts["password-column"] : null;
  const hasMigrationsTable = objects.some((o) => o.type === "table" && o.name === settings.migrationsTable);
  const extra = [];
  if (hasMigrationsTable) extra.push(["applied", `SELECT name FROM ${quoteIdent(settings.migrationsTable)} ORDER BY id`]);
  if (userCols.has("email")) {
    // Every address, normalised in JavaScript by planUpgrade (SQLite's lower() is ASCII-only).
    extra.push(["emails", `SELECT id, email FROM users WHERE email IS NOT NULL`]);
  }
  if (userCols.has("name")) extra.push(["nullNames", `SELECT COUNT(*) AS n FROM users WHERE name IS NULL`]);
  if (hashColumn) extra.push(["nullPasswords", `SELECT COUNT(*) AS n FROM users WHERE ${quoteIdent(hashColumn)} IS NULL`]);
  if (extra.length > 0) {
    const sets = await query(opts, settings, extra.map(([, sql]) => sql).join(";\n"));
    const byKey = Object.fromEntries(extra.map(([key], i) => [key, sets[i]]));
    if (byKey.applied) snap.appliedMigrations = byKey.applied.map((r) => r.name);
    if (byKey.emails) snap.emails = byKey.emails.map((r) => ({ id: r.id, email: String(r.email) }));
    if (byKey.nullNames) snap.nullNames = byKey.nullNames[0]?.n ?? 0;
    if (byKey.nullPasswords) snap.nullPasswords = byKey.nullPasswords[0]?.n ?? 0;
  }
  return snap;
}

async function migrationsApply(opts, settings) {
  const r = await runWrangler(opts, ["d1", "migrations", "apply", ...target(opts, settings)]);
  process.stdout.write(r.stdout);
  if (r.code !== 0) throw new Error(`wrangler d1 migrations apply failed (${r.code}):\n${r.stderr}`);
}

async function upgradeSeed(opts) {
  const settings = resolveSettings(opts);
  const migrations = readMigrations(loadMigrationFiles(settings.migrationsDir));
  const log = (line) => process.stdout.write(`${line}\n`);
  log(`hybrid-auth: migrations from ${settings.migrationsDir}, bookkeeping in ${settings.migrationsTable}`);
  const before = await snapshot(opts, settings);
  const state = classify(before, migrations);
  if (state === "seed") {
    const plan = planUpgrade(before, migrations, {
      now: Math.floor(Date.now() / 1000),
      passwordColumn: opts["password-column"],
      migrationsTable: settings.migrationsTable,
    });
    if (opts["dry-run"]) {
      log(`-- seed-era database: the upgrade step would run, as one transaction:\n${joinStatements(plan.statements)}`);
      for (const note of plan.notes) log(`-- ${note}`);
      if (!opts["keep-raw-sessions"]) log(`-- then: migrations apply, and every live ${LEGACY_SESSIONS} token stored only as its SHA-256`);
      return;
    }
    log(`hybrid-auth: seed-era database; upgrading in one step (${plan.statements.length} statements)`);
    await execute(opts, settings, plan.statements);
    for (const note of plan.notes) log(`  - ${note}`);
    const after = classify(await snapshot(opts, settings), migrations);
    if (after !== "upgraded") throw new Error(`after the upgrade step the database still looks "${after}"`);
  } else {
    log(`hybrid-auth: ${state === "fresh" ? "no seed-era tables" : "already upgraded"}; only applying migrations`);
    if (opts["dry-run"]) return;
  }
  await migrationsApply(opts, settings);
  if (state === "upgraded") {
    // An earlier version of this tool normalised addresses with SQLite's lower()/trim()
    // (ASCII only): "ÉMILE@x" became "Émile@x", which no login finds. Repair what it left;
    // addresses that now collide with an account registered since stop here, listed.
    const repair = emailNormalizationSql(before.emails);
    if (repair.statements.length > 0) {
      await execute(opts, settings, repair.statements);
      for (const note of repair.notes) log(`  - ${note}`);
    }
  }
  // Raw seed tokens are bearer credentials in plain text: hashed now unless the operator
  // opts out (then each moves on its next use, js/src/db/legacySessions.ts). A failure
  // here leaves the moved rows moved and the rest raw; running the upgrade again finishes.
  if (!opts["keep-raw-sessions"]) await hashLegacySessions(opts, settings);
  else log(`hybrid-auth: --keep-raw-sessions: seed session tokens stay in ${LEGACY_SESSIONS} until used (or hash-legacy-sessions)`);
}

/** The batch job: moves live legacy sessions in chunks, then deletes the unusable rest. */
async function hashLegacySessions(opts, settings = resolveSettings(opts)) {
  const log = (line) => process.stdout.write(`${line}\n`);
  const [tables] = await query(opts, settings, `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${LEGACY_SESSIONS}'`);
  if (tables.length === 0) {
    log(`hybrid-auth: no ${LEGACY_SESSIONS} table; nothing to hash`);
    return;
  }
  let moved = 0;
  for (;;) {
    const now = Math.floor(Date.now() / 1000);
    const [rows] = await query(
      opts,
      settings,
      `SELECT l.id FROM ${LEGACY_SESSIONS} l WHERE CAST(l.expires_at AS REAL) > ${now} ` +
        `AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id) LIMIT ${opts.chunk}`,
    );
    if (rows.length === 0) break;
    const hashed = rows.map(({ id }) => ({ id, hash: createHash("sha256").update(String(id), "utf8").digest("hex") }));
    await execute(opts, settings, moveLegacyRowsSql(hashed, now));
    moved += rows.length;
    log(`  moved ${moved} so far`);
  }
  const now = Math.floor(Date.now() / 1000);
  const [[before]] = await query(opts, settings, `SELECT COUNT(*) AS n FROM ${LEGACY_SESSIONS}`);
  await execute(opts, settings, [expiredLegacySql(now)]);
  const [[left]] = await query(opts, settings, `SELECT COUNT(*) AS n FROM ${LEGACY_SESSIONS}`);
  log(`hybrid-auth: ${moved} live legacy session(s) now stored as hashes; ${before.n - left.n} expired or orphaned deleted; ${left.n} left`);
}

async function main() {
  if (process.argv[2] === "migrations") {
    const { migrationsCommand } = await import("./lib/copy-migrations.mjs");
    process.exit(migrationsCommand(process.argv.slice(3)));
  }
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    fail(`${err.message}\n${USAGE}`, 2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  try {
    if (opts.command === "upgrade-seed") await upgradeSeed(opts);
    else if (opts.command === "hash-legacy-sessions") await hashLegacySessions(opts);
    else throw new UsageError(`unknown command ${opts.command}\n${USAGE}`);
  } catch (err) {
    fail(err.message, err instanceof UsageError ? 2 : err instanceof UpgradeError ? 3 : 1);
  }
}

await main();
