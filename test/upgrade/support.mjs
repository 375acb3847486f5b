// Shared by the upgrade suites: a throwaway folder with the adopter's wrangler config
// (binding APP_DB, migrations_dir at the repository's shipped migrations/), the repository's
// wrangler with a time limit, SQL against a local D1 kept in a --persist-to folder, and the
// package's CLI (bin/hybrid-auth.mjs) run as an adopter would.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runWrangler, wranglerBin, wranglerEnv } from "../../scripts/lib/wrangler-dev.mjs";

export const root = join(import.meta.dirname, "..", "..");
const cli = join(root, "bin", "hybrid-auth.mjs");

export const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/**
 * A fresh folder holding wrangler.jsonc; `extra` (an object, or a function of the folder,
 * since paths in the config are relative to it) is merged into the config, e.g. `main` and
 * `alias` for a Worker. Returns { work, config, wrangler, sql, dump, runCli }.
 */
export function upgradeWorkspace(prefix, extra = {}) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const config = join(work, "wrangler.jsonc");
  writeFileSync(
    config,
    JSON.stringify({
      name: "seed-upgrade-test",
      compatibility_date: "2026-04-20",
      // The adopter's binding name, and migrations_dir pointing at the shipped folder.
      d1_databases: [{ binding: "APP_DB", database_name: "app", database_id: "00000000-0000-0000-0000-000000000000", migrations_dir: relative(work, join(root, "migrations")) }],
      ...(typeof extra === "function" ? extra(work) : extra),
    }),
  );

  const wrangler = (args) => runWrangler([...args, "--config", config], { cwd: work, timeoutMs: 120_000 });

  /**
   * Runs `command` (one or more statements); resolves with each statement's rows. While a
   * `wrangler dev` holds the same local SQLite file (seed-adopter), a write of the Worker's
   * can leave it locked for a moment: SQLITE_BUSY is retried a few times, nothing else.
   */
  async function sql(persist, command) {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await wrangler(["d1", "execute", "APP_DB", "--local", "--persist-to", persist, "--json", "--command", command]);
        return JSON.parse(out.slice(out.indexOf("["))).map((set) => set.results);
      } catch (err) {
        if (attempt >= 4 || !/SQLITE_BUSY|database is locked/.test(String(err?.message))) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  /** Every object's definition and every row of every table, for before/after comparisons. */
  async function dump(persist) {
    const [objects] = await sql(persist, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' AND name <> 'sqlite_sequence' ORDER BY type, name");
    const tables = objects.filter((o) => o.type === "table" && o.name !== "d1_migrations" && o.name !== "legacy_d1_migrations").map((o) => o.name);
    const sets = await sql(persist, tables.map((t) => `SELECT * FROM "${t}" ORDER BY rowid`).join(";\n"));
    return { objects, rows: Object.fromEntries(tables.map((t, i) => [t, sets[i]])) };
  }

  /** Runs the CLI; resolves {code, out} (never rejects on a non-zero exit). */
  function runCli(args) {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [cli, ...args, "--config", config],
        { cwd: work, timeout: 300_000, env: { ...wranglerEnv, HYBRID_AUTH_WRANGLER: `${process.execPath} ${wranglerBin}` } },
        (err, stdout, stderr) => resolve({ code: err ? (err.code ?? err.signal) : 0, out: `${stdout}${stderr}` }),
      );
    });
  }

  return { work, config, wrangler, sql, dump, runCli };
}
