#!/usr/bin/env node
// Builds `hybrid-auth/hono` (and `hybrid-auth/client`, below) for the package: js/src/hono.ts bundled by esbuild
// into dist/hono.js (ES module; Hono, the JWT core and the passkey library stay
// imports, so an adopter's bundler dedupes them), plus its .d.ts files from
// tsc into dist/types/. The passkey verifier stays a separate chunk, loaded
// with import() on the first passkey ceremony (cold start, bench/notes.md).
// Run by `npm test` and by `prepack`; the output is gitignored.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

// The core and each plugin are entries of one build: code they share lands in
// chunks every entry imports (one AuthState, one HttpError class), and what only
// a plugin uses stays in that plugin's files, so an adopter who does not import
// `hybrid-auth/passkeys` never bundles the passkey code (issue 20).
const PLUGIN_ENTRIES = ["passkeys", "email", "sessions", "usage", "browser", "totp", "social", "revocation"];
await build({
  entryPoints: {
    hono: join(root, "js", "src", "hono.ts"),
    ...Object.fromEntries(PLUGIN_ENTRIES.map((id) => [id, join(root, "js", "src", "plugins", `${id}.ts`)])),
  },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: ["es2022"],
  chunkNames: "chunks/[name]-[hash]",
  external: ["hono", "hono/*", "hybrid-auth", "hybrid-auth/*", "@oslojs/*"],
  legalComments: "none",
  logLevel: "warning",
});

// `hybrid-auth/client` (js/client/): for browsers, Workers and Node, so no
// platform imports; @simplewebauthn/browser is an optional peer, loaded with
// import() by the passkey methods only.
await build({
  entryPoints: { client: join(root, "js", "client", "index.ts") },
  outdir: dist,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: ["es2022"],
  external: ["@simplewebauthn/browser"],
  legalComments: "none",
  logLevel: "warning",
});

const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "js", "tsconfig.lib.json")], { stdio: "inherit" });
if (tsc.status !== 0) {
  console.error("build-lib: tsc could not emit the declarations");
  process.exit(1);
}
// The client's declarations import the route schemas' types from js/src/, so they have their own root (js/).
const tscClient = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "js", "tsconfig.client.json")], { stdio: "inherit" });
if (tscClient.status !== 0) {
  console.error("build-lib: tsc could not emit the client's declarations");
  process.exit(1);
}
console.log(`build-lib: dist/hono.js, dist/{${PLUGIN_ENTRIES.join(",")}}.js, dist/client.js and dist/types/`);
