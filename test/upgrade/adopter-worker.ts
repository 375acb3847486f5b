// The Worker of a seed-era deployment after its upgrade, for seed-adopter.test.mjs: an
// adopter's own Hono app that imports "hybrid-auth/hono" (the test's wrangler config
// aliases it to the repository's source, as the demo's does; test/pack covers the
// installed package), reaches D1 through its own binding APP_DB, mounts the auth at
// /api/auth, and verifies the seed's old password hashes with hooks.legacyPasswordVerifier.
import { Hono } from "hono";
import { createAuth } from "hybrid-auth/hono";
import type { AuthVariables } from "hybrid-auth/hono";

interface Env {
  APP_DB: D1Database;
  AUTH_SECRET: string;
}

/**
 * The seed's password format (as the test's seed data writes it):
 * "sha256$<base64 salt>$<hex SHA-256(salt bytes, then the UTF-8 password)>".
 */
async function verifySeedHash(password: string, stored: string): Promise<boolean> {
  const [scheme, saltB64, hex, ...rest] = stored.split("$");
  if (scheme !== "sha256" || !saltB64 || !hex || rest.length > 0) return false;
  const salt = Uint8Array.from(atob(saltB64), (ch) => ch.charCodeAt(0));
  const pw = new TextEncoder().encode(password);
  const input = new Uint8Array(salt.length + pw.length);
  input.set(salt);
  input.set(pw, salt.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  const actual = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (actual.length !== hex.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= actual.charCodeAt(i) ^ hex.charCodeAt(i);
  return diff === 0;
}

const auth = createAuth<Env>((env) => ({
  database: (e) => e.APP_DB,
  secret: env.AUTH_SECRET,
  hooks: { legacyPasswordVerifier: (password, storedHash) => verifySeedHash(password, storedHash) },
}));

const app = new Hono<{ Bindings: Env; Variables: AuthVariables }>();
app.get("/health", (c) => c.text("ok"));
app.route("/api/auth", auth.app);
app.get("/api/whoami", auth.requireAuth, (c) => c.json({ principal: c.get("principal") }));

export default { fetch: app.fetch, scheduled: auth.scheduled } satisfies ExportedHandler<Env>;
