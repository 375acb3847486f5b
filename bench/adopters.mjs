// The "core + one plugin" Workers of the start-up benchmark (issue 20), written from one
// template: bench/adopter/worker.ts, the core-only adopter, whose two `bench:` marker
// comments take a plugin's import and its factory call. Each goes to
// bench/adopter/generated/<id>/ with a wrangler.jsonc like bench/adopter's, so wrangler
// resolves `hono` from the repository's node_modules exactly as for the core-only row.
//
// The plugins are the package's own list (package.json exports that point at
// dist/types/plugins/*.d.ts), so a new plugin entry stops the bench until it has a line in
// PLUGIN_USE below, instead of silently missing from the table.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ADOPTER_DIR = join(root, "bench", "adopter");
export const GENERATED_DIR = join(ADOPTER_DIR, "generated");
const TEMPLATE = join(ADOPTER_DIR, "worker.ts");
const IMPORTS_MARK = "// bench:plugin-imports";
const PLUGINS_MARK = "/* bench:plugins */";

/**
 * How an adopter mounts each plugin: its import and the factory call, with the options a
 * production Worker would pass (static relying party for passkeys; email through the
 * package's Resend sender, its key read from the env).
 */
export const PLUGIN_USE = {
  passkeys: {
    imports: 'import { passkeys } from "hybrid-auth/passkeys";',
    call: 'passkeys({ rpId: "example.com", rpName: "Example", origins: ["https://example.com"] })',
  },
  email: {
    imports: 'import { email, httpEmailSender } from "hybrid-auth/email";',
    call: 'email((env: Env) => ({ appUrl: "https://example.com/", send: httpEmailSender({ apiKey: env.RESEND_API_KEY, from: "Example <auth@example.com>" }) }))',
  },
  sessions: {
    imports: 'import { sessions } from "hybrid-auth/sessions";',
    call: "sessions()",
  },
  usage: {
    imports: 'import { usage } from "hybrid-auth/usage";',
    call: "usage()",
  },
  browser: {
    imports: 'import { browserApps } from "hybrid-auth/browser";',
    call: 'browserApps({ cors: { origins: ["https://app.example.com"] }, cookies: { mode: "on" } })',
  },
  totp: {
    imports: 'import { totp } from "hybrid-auth/totp";',
    call: 'totp({ issuer: "Example" })',
  },
  social: {
    imports: 'import { github, google, social } from "hybrid-auth/social";',
    call: 'social({ providers: [google({ clientId: "id", clientSecret: "secret" }), github({ clientId: "id", clientSecret: "secret" })], redirectAllowlist: ["https://app.example.com/signed-in"] })',
  },
};

export function jsoncParse(path) {
  return JSON.parse(readFileSync(path, "utf8").replace(/^\s*\/\/.*$/gm, ""));
}

/** The plugin ids the package ships: its exports whose types are under dist/types/plugins/. */
export function packagePlugins() {
  const { exports } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const ids = Object.entries(exports)
    .filter(([, v]) => typeof v === "object" && /\/types\/plugins\/[^/]+\.d\.ts$/.test(v.types ?? ""))
    .map(([k]) => k.replace(/^\.\//, ""));
  const missing = ids.filter((id) => !PLUGIN_USE[id]);
  if (missing.length) throw new Error(`package.json exports plugin(s) ${missing.join(", ")} that bench/adopters.mjs cannot mount yet: add a line to PLUGIN_USE`);
  return ids;
}

/** The template with the given plugins mounted (none: the core-only adopter itself). */
export function adopterSource(ids) {
  const text = readFileSync(TEMPLATE, "utf8");
  if (!text.includes(IMPORTS_MARK) || !text.includes(PLUGINS_MARK)) throw new Error(`${relative(root, TEMPLATE)} lost its "${IMPORTS_MARK}" or "${PLUGINS_MARK}" marker`);
  return text.replace(IMPORTS_MARK, ids.map((id) => PLUGIN_USE[id].imports).join("\n")).replace(PLUGINS_MARK, ids.map((id) => PLUGIN_USE[id].call).join(", "));
}

/**
 * Writes bench/adopter/generated/<name>/{worker.ts,wrangler.jsonc} for each variant
 * ({ name: [plugin ids] }) and returns { name: dir }. The package's names resolve to
 * js/src through the aliases of js/wrangler.jsonc (the demo's), rebased onto the folder.
 */
export function writeAdopters(variants) {
  const base = jsoncParse(join(ADOPTER_DIR, "wrangler.jsonc"));
  const demoAliases = jsoncParse(join(root, "js", "wrangler.jsonc")).alias ?? {};
  const dirs = {};
  for (const [name, ids] of Object.entries(variants)) {
    const dir = join(GENERATED_DIR, name);
    mkdirSync(dir, { recursive: true });
    const alias = {};
    for (const spec of ["hybrid-auth/hono", ...ids.map((id) => `hybrid-auth/${id}`)]) {
      if (!demoAliases[spec]) throw new Error(`js/wrangler.jsonc has no alias for ${spec}`);
      const rel = relative(dir, join(root, "js", demoAliases[spec]));
      alias[spec] = rel.startsWith("..") ? rel : `./${rel}`;
    }
    const config = {
      ...base,
      $schema: relative(dir, join(root, "node_modules", "wrangler", "config-schema.json")),
      name: `${base.name}-${name}`,
      alias,
      d1_databases: base.d1_databases?.map((d) => ({ ...d, migrations_dir: relative(dir, join(root, "migrations")) })),
    };
    writeFileSync(join(dir, "wrangler.jsonc"), `// Written by bench/adopters.mjs for one bench run; removed after it.\n${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(join(dir, "worker.ts"), `// Written by bench/adopters.mjs from bench/adopter/worker.ts with: ${ids.join(", ")}.\n${adopterSource(ids)}`);
    dirs[name] = dir;
  }
  return dirs;
}

export function removeAdopters() {
  rmSync(GENERATED_DIR, { recursive: true, force: true });
}
