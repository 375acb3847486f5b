// The pure half of `hybrid-auth upgrade-seed`: given a snapshot of a D1 database's
// schema (what `wrangler d1 execute --json` reports) and the shipped migrations, decide
// what state the database is in and write the SQL of the one atomic upgrade step.
// No I/O here: the CLI (bin/hybrid-auth.mjs) collects the snapshot and runs the SQL.

import { collisionReport, planEmailNormalization } from "./email-address.mjs";

/** Raised for a database the upgrade must not touch; the message says what to do. */
export class UpgradeError extends Error {}

/** The name the seed's `sessions` table keeps after the upgrade, read by js/src/db/legacySessions.ts. */
export const LEGACY_SESSIONS = "legacy_sessions";
/** Objects of the seed that collide with a name the migrations create are renamed with this prefix. */
export const LEGACY_PREFIX = "legacy_";
/** Added when the seed's users table has no UNIQUE index on email (the v3 code relies on one). */
export const EMAIL_INDEX = "users_email_unique";

/** wrangler's own DDL for its migrations table (wrangler 4.x, src/d1/migrations/helpers.ts). */
export function migrationsTableDdl(table) {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)}(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)`;
}

export function quoteIdent(name) {
  return `"${String(name).replaceAll('"', '""')}"`;
}

export function sqlString(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}

/**
 * `expires_at` rounded up to whole seconds, for seed rows written as Date.now() / 1000.
 * Written without ceil(): D1 in production need not have SQLite's math functions.
 * Rounding up keeps a session valid for at most one second longer than the seed did;
 * rounding down would end live sessions early.
 */
export function ceilSecondsSql(column) {
  return `(CAST(${column} AS INTEGER) + (CAST(${column} AS REAL) > CAST(${column} AS INTEGER)))`;
}

/** Removes `--` and `/* *\/` comments, leaving string literals alone. */
export function stripSqlComments(sql) {
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const end = findQuoteEnd(sql, i, ch);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl === -1 ? sql.length : nl - 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close === -1 ? sql.length : close + 1;
      out += " ";
    } else {
      out += ch;
    }
  }
  return out;
}

function findQuoteEnd(sql, start, quote) {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i;
    } else i++;
  }
  return sql.length - 1;
}

/** Splits a migration file into statements (no triggers: none of ours has a BEGIN...END body). */
export function splitStatements(sql) {
  const text = stripSqlComments(sql);
  const statements = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const end = findQuoteEnd(text, i, ch);
      current += text.slice(i, end + 1);
      i = end;
    } else if (ch === ";") {
      if (current.trim()) statements.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

const IDENT = String.raw`(?:"((?:[^"]|"")+)"|\x60([^\x60]+)\x60|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*))`;
const identOf = (m, at) => (m[at] !== undefined ? m[at].replaceAll('""', '"') : m[at + 1] ?? m[at + 2] ?? m[at + 3]);
const CREATE_TABLE = new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}`, "i");
const CREATE_INDEX = new RegExp(String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}\s+ON\s+${IDENT}`, "i");
const ADD_COLUMN = new RegExp(String.raw`^ALTER\s+TABLE\s+${IDENT}\s+ADD\s+(?:COLUMN\s+)?${IDENT}`, "i");

/** Classifies one statement of a migration: what it creates, on which table. */
export function describeStatement(statement) {
  let m = CREATE_TABLE.exec(statement);
  if (m) return { kind: "table", name: identOf(m, 1), sql: statement };
  m = CREATE_INDEX.exec(statement);
  if (m) return { kind: "index", name: identOf(m, 1), table: identOf(m, 5), sql: statement };
  m = ADD_COLUMN.exec(statement);
  if (m) return { kind: "column", table: identOf(m, 1), name: identOf(m, 5), sql: statement };
  return { kind: "other", sql: statement };
}

/** The column names of a CREATE TABLE statement, with whether they are NOT NULL without a default. */
export function tableColumns(createTableSql) {
  const open = createTableSql.indexOf("(");
  const close = createTableSql.lastIndexOf(")");
  if (open === -1 || close < open) throw new UpgradeError(`cannot read the columns of: ${createTableSql}`);
  const parts = [];
  let depth = 0;
  let current = "";
  for (const ch of createTableSql.slice(open + 1, close)) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  const columns = [];
  for (const part of parts) {
    if (/^(CONSTRAINT|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY)\b/i.test(part)) continue;
    const m = new RegExp(`^${IDENT}\\s*(.*)$`, "s").exec(part);
    if (!m) continue;
    const rest = m[5];
    const type = /^([A-Za-z]+)/.exec(rest)?.[1]?.toUpperCase() ?? "";
    columns.push({ name: identOf(m, 1), type, required: /\bNOT\s+NULL\b/i.test(rest) && !/\bDEFAULT\b/i.test(rest) });
  }
  return columns;
}

/**
 * Reads the migrations folder's files ({name, sql}, in wrangler's order) into what the
 * upgrade needs: the first migration's statements (the ones the seed's schema stands in
 * for) and every name any migration creates (to find the seed's objects in the way).
 */
export function readMigrations(files) {
  if (files.length === 0) throw new UpgradeError("the migrations folder holds no .sql files");
  const [first, ...rest] = files;
  const initial = splitStatements(first.sql).map(describeStatement);
  const unsupported = initial.find((s) => s.kind !== "table" && s.kind !== "index");
  if (unsupported) {
    // Recording the first migration as applied is only honest when every statement in it is accounted for.
    throw new UpgradeError(`${first.name} holds a statement the upgrade does not know how to stand in for: ${unsupported.sql}`);
  }
  const users = initial.find((s) => s.kind === "table" && s.name === "users");
  const sessions = initial.find((s) => s.kind === "table" && s.name === "sessions");
  if (!users || !sessions) throw new UpgradeError(`${first.name} does not create both users and sessions`);
  const later = rest.flatMap((f) => splitStatements(f.sql).map(describeStatement));
  const all = [...initial, ...later];
  return {
    firstName: first.name,
    initial,
    userColumns: tableColumns(users.sql),
    createdTables: new Set(all.filter((s) => s.kind === "table").map((s) => s.name)),
    createdIndexes: new Set(all.filter((s) => s.kind === "index").map((s) => s.name)),
    laterUserColumns: new Set(later.filter((s) => s.kind === "column" && s.table === "users").map((s) => s.name)),
  };
}

const columnNames = (snapshot, table) => new Set((snapshot.columns[table] ?? []).map((c) => c.name));
const tableNames = (snapshot) => new Set(snapshot.objects.filter((o) => o.type === "table").map((o) => o.name));

/**
 * What the database is:
 *  - "fresh":    no users table, nothing of the seed's: `migrations apply` alone is right;
 *  - "upgraded": v3 sessions and the first migration recorded: `migrations apply` alone;
 *  - "seed":     the seed's schema (or a half-done upgrade, see planUpgrade): upgrade first.
 */
export function classify(snapshot, migrations) {
  const tables = tableNames(snapshot);
  if (!tables.has("users")) {
    if (tables.has("sessions") || tables.has(LEGACY_SESSIONS)) {
      throw new UpgradeError("the database has a sessions table but no users table: not a seed-era database this tool knows");
    }
    return "fresh";
  }
  const sessionCols = columnNames(snapshot, "sessions");
  const recorded = (snapshot.appliedMigrations ?? []).includes(migrations.firstName);
  // Not "no id column": v3 sessions gains one later (0006, the public id of a session).
  if (sessionCols.has("token_hash") && recorded) return "upgraded";
  if (sessionCols.has("token_hash") && !tables.has(LEGACY_SESSIONS)) {
    // A v3 database whose bookkeeping we cannot see (another migrations table name?):
    // "upgrading" it would rename its own later tables aside, so refuse.
    throw new UpgradeError(
      `sessions is already the v3 table but ${migrations.firstName} is not recorded as applied; ` +
        "check --migrations-table (wrangler's migrations_table) and the database name",
    );
  }
  return "seed";
}

/**
 * The SQL of the atomic step, for a database classify() calls "seed".
 *
 * It runs as ONE `wrangler d1 execute --command` (the path wrangler itself uses to apply a
 * migration file), which D1 runs as one transaction: verified locally by the node test,
 * where a failing last statement leaves no trace of the earlier ones. As a second line of
 * defence, should a remote executor ever stop part-way, the statements are ordered so that
 * those which leave the seed's code working come first (new columns with defaults, email
 * normalisation), those that break it next (renames, the new sessions table), and the
 * recording of the first migration last; and each is generated from the current schema,
 * so running the upgrade again finishes exactly the statements that are missing.
 *
 * `now` (Unix seconds, injected) is the default of added created_at/updated_at columns.
 */
export function planUpgrade(snapshot, migrations, { now, passwordColumn = "password_hash", migrationsTable = "d1_migrations" }) {
  const tables = tableNames(snapshot);
  const indexes = new Map(snapshot.objects.filter((o) => o.type === "index" && o.sql).map((o) => [o.name, o]));
  const userCols = columnNames(snapshot, "users");
  const sessionCols = columnNames(snapshot, "sessions");
  const legacyCols = columnNames(snapshot, LEGACY_SESSIONS);
  const seedSessions = tables.has("sessions") && !sessionCols.has("token_hash");
  const notes = [];
  const early = []; // leaves the seed's code working
  const late = []; // breaks the seed's code: only after everything else succeeded
  const taken = new Set(snapshot.objects.map((o) => o.name));
  const legacyName = (name) => {
    const target = `${LEGACY_PREFIX}${name}`;
    if (taken.has(target)) throw new UpgradeError(`both ${name} and ${target} exist; rename one of them and run again`);
    taken.add(target);
    return target;
  };

  // --- sessions: the seed's table must have the columns the claim queries read.
  if (seedSessions) {
    for (const col of ["id", "user_id", "expires_at"]) {
      if (!sessionCols.has(col)) throw new UpgradeError(`the seed-era sessions table has no ${col} column`);
    }
    if (tables.has(LEGACY_SESSIONS)) {
      throw new UpgradeError(`both a seed-era sessions table and ${LEGACY_SESSIONS} exist; merge them by hand first`);
    }
  } else if (tables.has(LEGACY_SESSIONS)) {
    for (const col of ["id", "user_id", "expires_at"]) {
      if (!legacyCols.has(col)) throw new UpgradeError(`${LEGACY_SESSIONS} has no ${col} column`);
    }
  }

  // --- users: the columns of the first migration's users table.
  if (!userCols.has("password_hash")) {
    if (passwordColumn === "password_hash" || !userCols.has(passwordColumn)) {
      throw new UpgradeError(
        `users has no password_hash column${passwordColumn === "password_hash" ? "" : ` and no ${passwordColumn} column`}: ` +
          "name the column that holds the password hashes with --password-column NAME",
      );
    }
  } else if (passwordColumn !== "password_hash" && userCols.has(passwordColumn)) {
    throw new UpgradeError(`users has both password_hash and ${passwordColumn}: which one holds the hashes is ambiguous`);
  }
  for (const col of migrations.userColumns) {
    if (userCols.has(col.name) || col.name === "password_hash") continue;
    if (col.required && col.type === "INTEGER" && /_at$/.test(col.name)) {
      // A constant default: SQLite refuses ADD COLUMN with a non-constant one. Rows the
      // seed's code inserts before the new code is deployed get the same value.
      early.push(`ALTER TABLE users ADD COLUMN ${quoteIdent(col.name)} INTEGER NOT NULL DEFAULT ${Math.floor(now)}`);
      notes.push(`users.${col.name} added; existing rows get ${Math.floor(now)} (the upgrade time)`);
    } else if (!col.required) {
      early.push(`ALTER TABLE users ADD COLUMN ${quoteIdent(col.name)} ${col.type}`);
    } else {
      throw new UpgradeError(`users has no ${col.name} column, which the v3 schema requires and the upgrade cannot invent`);
    }
  }
  // The v3 code looks users up by the Worker's normalised email (normalizeEmail: JavaScript's
  // trim() and toLowerCase(), full Unicode; SQLite's lower()/trim() are ASCII-only) and
  // relies on a UNIQUE index for "email taken". So the addresses are normalised here, in
  // JavaScript, and addresses that would collide once normalised are refused with a report.
  const emails = emailNormalizationSql(snapshot.emails ?? []);
  early.push(...emails.statements);
  notes.push(...emails.notes);
  if (!snapshot.emailUnique) {
    if (taken.has(EMAIL_INDEX)) throw new UpgradeError(`an object named ${EMAIL_INDEX} exists but is not a unique index on users(email)`);
    early.push(`CREATE UNIQUE INDEX ${EMAIL_INDEX} ON users(email)`);
  }
  // NULLs the v3 code cannot take (it would fail with a 500 instead of a 401); '' matches no password.
  const hashColumn = userCols.has("password_hash") ? "password_hash" : passwordColumn;
  if (snapshot.nullNames > 0) early.push(`UPDATE users SET name = '' WHERE name IS NULL`);
  if (snapshot.nullPasswords > 0) early.push(`UPDATE users SET ${quoteIdent(hashColumn)} = '' WHERE ${quoteIdent(hashColumn)} IS NULL`);

  // --- the seed's objects in the way of names the migrations create: kept, under legacy_*.
  const renamedTables = new Map();
  if (seedSessions) renamedTables.set("sessions", LEGACY_SESSIONS);
  for (const name of migrations.createdTables) {
    if (name === "users" || name === "sessions" || !tables.has(name)) continue;
    renamedTables.set(name, legacyName(name));
  }
  const movedIndexes = [];
  for (const name of migrations.createdIndexes) {
    const index = indexes.get(name);
    if (!index) continue;
    if (!seedSessions && index.tbl_name === "sessions") continue; // already the v3 table's own index
    movedIndexes.push({ index, target: legacyName(name) });
  }
  for (const { index } of movedIndexes) late.push(`DROP INDEX ${quoteIdent(index.name)}`);
  for (const column of migrations.laterUserColumns) {
    if (!userCols.has(column)) continue;
    late.push(`ALTER TABLE users RENAME COLUMN ${quoteIdent(column)} TO ${quoteIdent(legacyName(column))}`);
    notes.push(`users.${column} renamed to ${LEGACY_PREFIX}${column}: a later migration adds its own ${column}`);
  }
  if (hashColumn !== "password_hash") {
    late.push(`ALTER TABLE users RENAME COLUMN ${quoteIdent(hashColumn)} TO password_hash`);
    notes.push(`users.${hashColumn} renamed to password_hash (the legacy-password hook reads it from there)`);
  }
  for (const [from, to] of renamedTables) {
    late.push(`ALTER TABLE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
    if (from !== "sessions") notes.push(`table ${from} renamed to ${to}: a migration creates its own ${from}`);
  }
  for (const { index, target } of movedIndexes) {
    const table = renamedTables.get(index.tbl_name) ?? index.tbl_name;
    late.push(renameIndexSql(index.sql, target, table));
  }

  // --- the first migration, minus users (which the seed's table now stands in for).
  const sessionsWillExist = tables.has("sessions") && !seedSessions;
  for (const s of migrations.initial) {
    if (s.kind === "table" && s.name === "users") continue;
    if (s.kind === "table" && (s.name === "sessions" ? sessionsWillExist : tables.has(s.name) && !renamedTables.has(s.name))) continue;
    if (s.kind === "index" && indexes.has(s.name) && !movedIndexes.some((m) => m.index.name === s.name)) continue;
    late.push(s.sql);
  }

  // --- wrangler's bookkeeping, last. A seed-era migrations table names the seed's own
  // files (perhaps even "0001_init.sql"), which would make wrangler skip ours: keep it aside.
  if (snapshot.appliedMigrations && snapshot.appliedMigrations.length > 0) {
    const target = legacyName(migrationsTable);
    late.push(`ALTER TABLE ${quoteIdent(migrationsTable)} RENAME TO ${quoteIdent(target)}`);
    notes.push(`the seed's ${migrationsTable} (${snapshot.appliedMigrations.length} row(s)) renamed to ${target}`);
  }
  late.push(migrationsTableDdl(migrationsTable));
  late.push(
    `INSERT INTO ${quoteIdent(migrationsTable)} (name) SELECT ${sqlString(migrations.firstName)} ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${quoteIdent(migrationsTable)} WHERE name = ${sqlString(migrations.firstName)})`,
  );
  return { statements: [...early, ...late], notes };
}

/**
 * The statements that store every address as the Worker normalises it (`rows`: {id, email}
 * as stored), for the upgrade step and for a rerun on a database an earlier version of
 * this tool upgraded with SQLite's ASCII-only lower(). Throws UpgradeError, listing them,
 * when addresses collide once normalised.
 */
export function emailNormalizationSql(rows) {
  const { updates, collisions } = planEmailNormalization(rows);
  if (collisions.length > 0) {
    throw new UpgradeError(
      `${collisions.length} email address(es) belong to more than one user once normalised as the Worker does ` +
        "(trimmed and lower-cased, full Unicode); merge or rename those accounts first, then run again:\n" +
        collisionReport(collisions).join("\n"),
    );
  }
  // Matched by the stored address itself: after the collision check it names exactly one row.
  const statements = updates.map(({ from, to }) => `UPDATE users SET email = ${sqlString(to)} WHERE email = ${sqlString(from)}`);
  const notes = updates.length > 0 ? [`${updates.length} email(s) trimmed and lower-cased as the Worker does (its login looks them up that way)`] : [];
  return { statements, notes };
}

/** The seed's index definition under a new name, on its table's new name. */
export function renameIndexSql(sql, newName, newTable) {
  const m = new RegExp(String.raw`^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?)${IDENT}(\s+ON\s+)${IDENT}`, "i").exec(sql);
  if (!m) throw new UpgradeError(`cannot read the index definition: ${sql}`);
  return `${m[1]}${quoteIdent(newName)}${m[6]}${quoteIdent(newTable)}${sql.slice(m[0].length)}`;
}

/** One statement string for `wrangler d1 execute --command`. */
export function joinStatements(statements) {
  return statements.map((s) => `${s};`).join("\n");
}

/**
 * The SQL that moves legacy session rows into v3 `sessions` as their SHA-256, for the
 * batch job. `rows` are {id, hash}; each row is inserted from its current legacy row
 * (so one claimed meanwhile by a request is simply gone and inserts nothing) and then
 * deleted. Sessions of deleted users and expired ones are left to expiredLegacySql().
 */
export function moveLegacyRowsSql(rows, now) {
  const statements = [];
  for (const { id, hash } of rows) {
    statements.push(
      `INSERT OR IGNORE INTO sessions (token_hash, user_id, expires_at, created_at) ` +
        `SELECT ${sqlString(hash)}, l.user_id, ${ceilSecondsSql("l.expires_at")}, 0 FROM ${LEGACY_SESSIONS} l ` +
        `WHERE l.id = ${sqlString(id)} AND CAST(l.expires_at AS REAL) > ${Number(now)} AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id)`,
      `DELETE FROM ${LEGACY_SESSIONS} WHERE id = ${sqlString(id)}`,
    );
  }
  return statements;
}

/** Legacy rows no request can use any more: expired, or whose user is gone (the seed's JOIN refused those too). */
export function expiredLegacySql(now) {
  return `DELETE FROM ${LEGACY_SESSIONS} WHERE CAST(expires_at AS REAL) <= ${Number(now)} OR user_id NOT IN (SELECT id FROM users)`;
}

/** Parses wrangler.json / wrangler.jsonc text: JSON plus comments and trailing commas. */
export function parseJsonc(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (ch === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      i = nl === -1 ? text.length : nl - 1;
    } else if (ch === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close === -1 ? text.length : close + 1;
    } else if (ch === "," && /^\s*(?:\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*[}\]]/.test(text.slice(i + 1))) {
      // a trailing comma (JSONC allows them): dropped
    } else out += ch;
  }
  return JSON.parse(out);
}

/** The d1_databases entry a DATABASE argument names (by binding or database_name), as wrangler matches it. */
export function findD1Entry(config, database) {
  const entries = Array.isArray(config?.d1_databases) ? config.d1_databases : [];
  return entries.find((d) => d.binding === database || d.database_name === database) ?? null;
}
