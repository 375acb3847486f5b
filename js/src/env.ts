/**
 * Bindings and variables the Worker reads. Every variable is optional on
 * purpose: `config.ts` validates them once and fails closed when they are
 * wrong, so the rest of the code only ever sees a checked `Config`.
 */
export interface Env {
  GENERAL_DB: D1Database;
  /** HS256 signing secret, at least 32 bytes. Unset or empty: session mode. */
  JWT_SECRET?: string;
  /** Access-token (JWT) lifetime in seconds. Default 604800 (7 days, the seed's). */
  ACCESS_TOKEN_TTL?: string;
  /** Session-token lifetime in seconds. Default 604800 (7 days). */
  SESSION_TTL?: string;
}
