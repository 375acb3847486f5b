import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The Worker's tests run inside workerd (@cloudflare/vitest-plugin) with the
 * bindings of wrangler.jsonc, so GENERAL_DB is a real local D1. The
 * migrations are read here, in Node, and applied by test/setup.ts inside
 * the runtime, exactly as `wrangler d1 migrations apply` would.
 *
 * `hybrid-auth` needs no alias: the repo root's package.json names itself
 * `hybrid-auth`, so the import self-resolves through its `exports` (the
 * `workerd` condition, whose .wasm import the pool compiles to a Module).
 */
export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: here("./wrangler.jsonc") },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(here("../migrations")),
          // The tests call the Worker with hand-built requests (no request.cf) and give
          // each call its own CF-Connecting-IP, as Cloudflare's edge would; believe it
          // (issue 19 §6). test/clientIp.test.ts sets each value it is about.
          CLIENT_IP: "cf-connecting-ip",
        },
        // The revocation filter's store (issue 23): test/revocationFilter*.test.ts and the simulation harness.
        kvNamespaces: ["REVOCATION_KV"],
      },
    })),
  ],
  // The demo Worker and the tests import the library by its public name; in
  // this repo that is the TypeScript source (the package ships dist/hono.js).
  resolve: {
    // The tests import "../demo/worker"; they get js/test/worker.ts, the same demo app with
    // the Ed25519 build passed in (the demo itself stays HS256-only: demo/worker.ts).
    alias: [
      { find: /^\.\.\/demo\/worker$/, replacement: here("./test/worker.ts") },
      ...Object.entries({
      "hybrid-auth/hono": here("./src/hono.ts"),
      "hybrid-auth/passkeys": here("./src/plugins/passkeys.ts"),
      "hybrid-auth/email": here("./src/plugins/email.ts"),
      "hybrid-auth/sessions": here("./src/plugins/sessions.ts"),
      "hybrid-auth/usage": here("./src/plugins/usage.ts"),
      "hybrid-auth/browser": here("./src/plugins/browser.ts"),
      "hybrid-auth/totp": here("./src/plugins/totp.ts"),
      "hybrid-auth/social": here("./src/plugins/social.ts"),
      "hybrid-auth/revocation": here("./src/plugins/revocation.ts"),
      }).map(([find, replacement]) => ({ find, replacement })),
    ],
  },
  test: {
    root: here("."),
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // Node-side, on 127.0.0.1: a fake email provider for httpEmailSender (test/emailSender.test.ts), and a fake
    // OpenID Connect provider plus a fake GitHub-style one for the social plugin (test/social.test.ts).
    globalSetup: ["./test/fakeEmailProvider.mjs", "./test/fakeOidcProvider.mjs"],
  },
});
