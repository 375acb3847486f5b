#!/usr/bin/env node
// Bundles the passkey page's script (src/page/app.js + @simplewebauthn/browser)
// into public/app.js, which Workers static assets serve next to index.html.
// Run by wrangler before every `wrangler dev`/`deploy` (the "build" key of
// wrangler.jsonc) and by `npm run test:browser`. The output is gitignored.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, "..", "..", "public", "app.js");

await build({
  entryPoints: [join(here, "app.js")],
  outfile,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020"],
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
console.log(`[build-page] ${outfile}`);
