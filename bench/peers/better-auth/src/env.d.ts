// The bindings of wrangler.jsonc, as `wrangler types` would declare them for `cloudflare:workers`' env.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    BETTER_AUTH_URL: string;
    BETTER_AUTH_SECRET: string;
  }
}
