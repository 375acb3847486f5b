import type { Env } from "./env";

/** Seven days, the seed's lifetime for both token kinds. */
export const DEFAULT_TTL_SECONDS = 604_800;
/** Lifetimes above a year are almost certainly a typo (ms instead of s). */
const MAX_TTL_SECONDS = 31_536_000;
/** HS256 needs a key at least as long as its output (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

/**
 * The checked configuration. `mode` is the seed's switch: with a JWT secret,
 * logins issue JWTs; without one they issue session tokens. Session tokens
 * are accepted in both modes (phase 1 of the migration plan).
 */
export type Config =
  | { mode: "jwt"; jwtSecret: string; accessTokenTtl: number; sessionTtl: number }
  | { mode: "session"; jwtSecret: null; accessTokenTtl: number; sessionTtl: number };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Validates the environment. Throws ConfigError rather than guessing: a short
 * secret must never be used to sign, and a bad TTL must not silently become 7 days.
 */
export function parseConfig(env: Env): Config {
  const accessTokenTtl = parseTtl("ACCESS_TOKEN_TTL", env.ACCESS_TOKEN_TTL);
  const sessionTtl = parseTtl("SESSION_TTL", env.SESSION_TTL);
  const secret = env.JWT_SECRET;
  // The seed's test is `if (c.env.JWT_SECRET)`: unset and "" both mean session mode.
  if (secret === undefined || secret === null || secret === "") {
    return { mode: "session", jwtSecret: null, accessTokenTtl, sessionTtl };
  }
  if (typeof secret !== "string") {
    throw new ConfigError("JWT_SECRET must be a string");
  }
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    // Never echo the secret, not even a prefix: only its length.
    throw new ConfigError(
      `JWT_SECRET is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required. ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
  return { mode: "jwt", jwtSecret: secret, accessTokenTtl, sessionTtl };
}

function parseTtl(name: string, raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_TTL_SECONDS;
  // Digits only: "7d", "1e5", " 60" and "-1" are all operator mistakes.
  if (typeof raw !== "string" || !/^[0-9]{1,9}$/.test(raw)) {
    throw new ConfigError(`${name} must be a whole number of seconds, got ${JSON.stringify(String(raw))}`);
  }
  const seconds = Number(raw);
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new ConfigError(`${name} must be between 1 and ${MAX_TTL_SECONDS} seconds, got ${seconds}`);
  }
  return seconds;
}

// Parsing is cheap, but the log line must appear once per isolate and per
// problem, not once per request: remember what was already reported.
const reported = new Set<string>();

/** parseConfig + one console.error per distinct problem. */
export function loadConfig(env: Env): Config | ConfigError {
  try {
    return parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (!reported.has(err.message)) {
      reported.add(err.message);
      console.error(`[hybrid-auth] misconfigured, refusing to serve auth requests: ${err.message}`);
    }
    return err;
  }
}
