// better-auth configured as its documentation sets it up on Cloudflare Workers with D1
// (docs/content/docs/concepts/database.mdx, "Example: Cloudflare D1"; the 1.5 release notes:
// "pass your D1 binding directly"): the binding from `cloudflare:workers`, at module scope,
// email + password sign-in. Its built-in Kysely adapter detects D1 and uses its D1 dialect.
import { env } from "cloudflare:workers";
import { betterAuth } from "better-auth";

export const auth = betterAuth({
  database: env.DB,
  secret: env.BETTER_AUTH_SECRET,
  baseURL: env.BETTER_AUTH_URL,
  emailAndPassword: { enabled: true },
});
