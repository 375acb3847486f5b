// `npx hybrid-auth migrations copy <DIR>`: for a team whose D1 database already has its own
// migrations folder. wrangler reads ONE migrations_dir per D1 binding, so the package's folder
// cannot be pointed at as well; this copies the package's migrations into the team's folder,
// numbered after the team's highest, named NNNN_hybrid_auth_<original>.sql.
//
// Rerunning it is harmless: every copied file starts with a marker line naming the original
// and the SHA-256 of its text, and an original already copied is skipped. After an upgrade of
// the package, only the migrations it added are copied, again after the team's highest number.
// Node built-ins only, like the rest of bin/.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const PACKAGE_MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "migrations");

export const USAGE = `usage:
  hybrid-auth migrations copy <DIR> [--dry-run]
      Copies hybrid-auth's D1 migrations into your own migrations folder DIR (your
      wrangler migrations_dir), numbered after your highest migration and named
      NNNN_hybrid_auth_<original>.sql. Run it again after upgrading hybrid-auth: files
      already copied are skipped (a marker line names each original), new ones are added.
      Then: npx wrangler d1 migrations apply <BINDING>`;

export class CopyError extends Error {}

const MARKER = /^-- hybrid-auth migration (\d+[^\s]*\.sql) sha256=([0-9a-f]{64})(?:\s|$)/;

const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");

/** wrangler's migration number: the integer before the first "_" (src/d1/migrations/helpers.ts). */
const numberOf = (name) => parseInt(name.split("_")[0], 10);

/** The .sql files of a folder, in the order wrangler applies them (it sorts the names as strings). */
function sqlFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
}

/**
 * What to copy, without touching the disk beyond reading: {copies: [{from, to, text}],
 * skipped: [{from, as}]}. Throws CopyError when copying could not be right.
 */
export function planCopy(targetDir, sourceDir = PACKAGE_MIGRATIONS) {
  const shipped = sqlFiles(sourceDir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .map((name) => ({ name, text: readFileSync(join(sourceDir, name), "utf8") }));
  if (shipped.length === 0) throw new CopyError(`${sourceDir} holds no migrations`);
  const existing = existsSync(targetDir) ? sqlFiles(targetDir) : [];

  // What an earlier run copied, by original name.
  const copied = new Map();
  for (const file of existing) {
    const firstLine = readFileSync(join(targetDir, file), "utf8").split("\n", 1)[0];
    const m = firstLine.match(MARKER);
    if (m) copied.set(m[1], { file, hash: m[2] });
  }

  const copies = [];
  const skipped = [];
  const numbered = existing.filter((f) => /^\d+_/.test(f));
  let highest = Math.max(0, ...numbered.map(numberOf));
  const width = Math.max(4, ...numbered.map((f) => f.split("_")[0].length));
  let missingBefore = null;
  for (const { name, text } of shipped) {
    const earlier = copied.get(name);
    if (earlier) {
      if (earlier.hash !== sha256(text)) {
        // wrangler never runs a recorded migration again, so a changed original cannot be "updated".
        throw new CopyError(`${earlier.file} was copied from a different ${name} than this package ships; hybrid-auth's migrations never change once released: check the package version`);
      }
      if (missingBefore) throw new CopyError(`${missingBefore} was never copied, but the later ${name} was (${earlier.file}): restore it before copying again`);
      skipped.push({ from: name, as: earlier.file });
      continue;
    }
    missingBefore ??= name;
    highest += 1;
    const to = `${String(highest).padStart(width, "0")}_hybrid_auth_${name}`;
    const header = `-- hybrid-auth migration ${name} sha256=${sha256(text)}\n-- Copied from hybrid-auth/migrations by \`npx hybrid-auth migrations copy\`; do not edit: the line above marks it as copied.\n`;
    copies.push({ from: name, to, text: header + text });
  }

  // wrangler applies in name order: the new files must come after every existing one, in order.
  const all = [...existing, ...copies.map((c) => c.to)].sort();
  const firstNew = copies.length ? all.indexOf(copies[0].to) : all.length;
  if (copies.some((c, i) => all[firstNew + i] !== c.to) || all.length - firstNew !== copies.length) {
    throw new CopyError(`the names in ${targetDir} do not sort in number order (mixed zero padding?), so wrangler would run the copies out of order`);
  }
  return { copies, skipped };
}

/** Writes the plan's files; never overwrites one. */
export function copyMigrations(targetDir, { sourceDir = PACKAGE_MIGRATIONS, dryRun = false } = {}) {
  const plan = planCopy(targetDir, sourceDir);
  if (!dryRun) {
    mkdirSync(targetDir, { recursive: true });
    for (const c of plan.copies) writeFileSync(join(targetDir, c.to), c.text, { flag: "wx" });
  }
  return plan;
}

/** `hybrid-auth migrations <subcommand> ...`: the exit code (0 done, 2 usage, 3 refused). */
export function migrationsCommand(argv, out = process.stdout, err = process.stderr) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    err.write(`hybrid-auth: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const [sub, dir, ...extra] = parsed.positionals;
  if (parsed.values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  if (sub !== "copy" || !dir || extra.length > 0) {
    err.write(`hybrid-auth: migrations copy takes exactly one folder\n${USAGE}\n`);
    return 2;
  }
  const target = resolve(dir);
  try {
    const { copies, skipped } = copyMigrations(target, { dryRun: Boolean(parsed.values["dry-run"]) });
    const verb = parsed.values["dry-run"] ? "would copy" : "copied";
    for (const s of skipped) out.write(`  already there: ${s.from} as ${s.as}\n`);
    for (const c of copies) out.write(`  ${verb}: ${c.from} -> ${join(dir, c.to)}\n`);
    out.write(`hybrid-auth: ${copies.length} migration(s) ${verb}, ${skipped.length} already there, in ${target}\n`);
    return 0;
  } catch (e) {
    err.write(`hybrid-auth: ${e.message}\n`);
    return e instanceof CopyError ? 3 : 1;
  }
}
