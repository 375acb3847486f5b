import type { Env } from "./env";

/** Seven days, the seed's lifetime for both token kinds. */
export const DEFAULT_TTL_SECONDS = 604_800;
/** Lifetimes above a year are almost certainly a typo (ms instead of s). */
export const MAX_TTL_SECONDS = 31_536_000;
/** HS256 needs a key at least as long as its output (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

export type RevocationMode = "cached" | "strict";
export type SessionAuthMode = "accept" | "deprecated" | "off";

/** One fixed-window rule: at most `max` attempts per `windowSeconds`. null = off. */
export interface RateRule {
  max: number;
  windowSeconds: number;
}

export interface RateLimitConfig {
  loginPerEmail: RateRule | null;
  loginPerIp: RateRule | null;
  registerPerEmail: RateRule | null;
  registerPerIp: RateRule | null;
  refreshPerIp: RateRule | null;
}

/** Everything the token lifecycle needs; shared by both modes. */
export interface LifecycleConfig {
  accessTokenTtl: number;
  sessionTtl: number;
  refreshTokenTtl: number;
  /** Seconds during which a just-rotated refresh token answers 409 instead of revoking its family. */
  refreshReuseGrace: number;
  revocation: { mode: RevocationMode; cacheSeconds: number };
  sessionAuth: { mode: SessionAuthMode; deprecatedAt: number | null; sunset: number | null };
  usage: { flushRequests: number; flushSeconds: number; retentionDays: number };
  rateLimits: RateLimitConfig;
  cleanupBatchRows: number;
}

/**
 * The checked configuration. `mode` is the seed's switch: with a JWT secret,
 * logins issue JWTs (+ refresh tokens); without one they issue session tokens.
 * Session tokens are accepted in both modes unless SESSION_AUTH=off.
 * `previousSecrets` only verify (secret rotation).
 */
export type Config =
  | ({ mode: "jwt"; jwtSecret: string; previousSecrets: string[] } & LifecycleConfig)
  | ({ mode: "session"; jwtSecret: null; previousSecrets: [] } & LifecycleConfig);

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const DEFAULT_REFRESH_TTL_SECONDS = 2_592_000; // 30 days
export const DEFAULT_RATE_LIMITS = {
  RATE_LIMIT_LOGIN_EMAIL: "10/600",
  RATE_LIMIT_LOGIN_IP: "100/600",
  RATE_LIMIT_REGISTER_EMAIL: "5/3600",
  RATE_LIMIT_REGISTER_IP: "20/3600",
  RATE_LIMIT_REFRESH_IP: "120/60",
} as const;
/** The most rows one cleanup statement may delete. */
export const MAX_CLEANUP_BATCH_ROWS = 10_000;

/**
 * Validates the environment. Throws ConfigError rather than guessing: a short
 * secret must never be used to sign, and a bad TTL must not silently become 7 days.
 */
export function parseConfig(env: Env): Config {
  const lifecycle = parseLifecycle(env);
  const secret = env.JWT_SECRET;
  // The seed's test is `if (c.env.JWT_SECRET)`: unset and "" both mean session mode.
  if (secret === undefined || secret === null || secret === "") {
    if (lifecycle.sessionAuth.mode !== "accept") {
      throw new ConfigError(`SESSION_AUTH=${lifecycle.sessionAuth.mode} needs JWT_SECRET: without it logins can only issue session tokens`);
    }
    return { mode: "session", jwtSecret: null, previousSecrets: [], ...lifecycle };
  }
  checkSecret("JWT_SECRET", secret);
  const previousSecrets: string[] = [];
  const previous = env.JWT_SECRET_PREVIOUS;
  if (previous !== undefined && previous !== null && previous !== "") {
    if (typeof previous !== "string") throw new ConfigError("JWT_SECRET_PREVIOUS must be a string");
    for (const [index, part] of previous.split(",").entries()) {
      const value = part.trim();
      if (value === "") continue;
      checkSecret(`JWT_SECRET_PREVIOUS[${index}]`, value);
      if (value !== secret && !previousSecrets.includes(value)) previousSecrets.push(value);
    }
  }
  return { mode: "jwt", jwtSecret: secret, previousSecrets, ...lifecycle };
}

function checkSecret(name: string, secret: unknown): asserts secret is string {
  if (typeof secret !== "string") throw new ConfigError(`${name} must be a string`);
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    // Never echo the secret, not even a prefix: only its length.
    throw new ConfigError(
      `${name} is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required. ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
}

export function parseLifecycle(env: Env): LifecycleConfig {
  const accessTokenTtl = parseTtl("ACCESS_TOKEN_TTL", env.ACCESS_TOKEN_TTL);
  const sessionTtl = parseTtl("SESSION_TTL", env.SESSION_TTL);
  const refreshTokenTtl = parseTtl("REFRESH_TOKEN_TTL", env.REFRESH_TOKEN_TTL, DEFAULT_REFRESH_TTL_SECONDS);
  const refreshReuseGrace = parseInteger("REFRESH_REUSE_GRACE_SECONDS", env.REFRESH_REUSE_GRACE_SECONDS, 10, 0, 300);
  const revocationMode = parseEnum("REVOCATION", env.REVOCATION, ["cached", "strict"] as const, "cached");
  const cacheSeconds = parseInteger("REVOCATION_CACHE_SECONDS", env.REVOCATION_CACHE_SECONDS, 30, 1, 3600);
  const sessionMode = parseEnum("SESSION_AUTH", env.SESSION_AUTH, ["accept", "deprecated", "off"] as const, "accept");
  const deprecatedAt = parseDate("SESSION_DEPRECATED_AT", env.SESSION_DEPRECATED_AT);
  const sunset = parseDate("SESSION_SUNSET", env.SESSION_SUNSET);
  return {
    accessTokenTtl,
    sessionTtl,
    refreshTokenTtl,
    refreshReuseGrace,
    revocation: { mode: revocationMode, cacheSeconds },
    sessionAuth: { mode: sessionMode, deprecatedAt, sunset },
    usage: {
      flushRequests: parseInteger("USAGE_FLUSH_REQUESTS", env.USAGE_FLUSH_REQUESTS, 100, 1, 100_000),
      flushSeconds: parseInteger("USAGE_FLUSH_SECONDS", env.USAGE_FLUSH_SECONDS, 60, 1, 86_400),
      retentionDays: parseInteger("USAGE_RETENTION_DAYS", env.USAGE_RETENTION_DAYS, 90, 1, 3650),
    },
    rateLimits: {
      loginPerEmail: parseRule("RATE_LIMIT_LOGIN_EMAIL", env.RATE_LIMIT_LOGIN_EMAIL),
      loginPerIp: parseRule("RATE_LIMIT_LOGIN_IP", env.RATE_LIMIT_LOGIN_IP),
      registerPerEmail: parseRule("RATE_LIMIT_REGISTER_EMAIL", env.RATE_LIMIT_REGISTER_EMAIL),
      registerPerIp: parseRule("RATE_LIMIT_REGISTER_IP", env.RATE_LIMIT_REGISTER_IP),
      refreshPerIp: parseRule("RATE_LIMIT_REFRESH_IP", env.RATE_LIMIT_REFRESH_IP),
    },
    cleanupBatchRows: parseInteger("CLEANUP_BATCH_ROWS", env.CLEANUP_BATCH_ROWS, MAX_CLEANUP_BATCH_ROWS, 1, MAX_CLEANUP_BATCH_ROWS),
  };
}

function parseTtl(name: string, raw: string | undefined, fallback: number = DEFAULT_TTL_SECONDS): number {
  return parseInteger(name, raw, fallback, 1, MAX_TTL_SECONDS);
}

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  // Digits only: "7d", "1e5", " 60" and "-1" are all operator mistakes.
  if (typeof raw !== "string" || !/^[0-9]{1,9}$/.test(raw)) {
    throw new ConfigError(`${name} must be a whole number of seconds, got ${JSON.stringify(String(raw))}`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function parseEnum<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(" | ")}, got ${JSON.stringify(String(raw))}`);
  }
  return raw as T;
}

/** Unix seconds, or anything Date.parse understands (ISO 8601, an HTTP-date). */
function parseDate(name: string, raw: string | undefined): number | null {
  if (raw === undefined || raw === "") return null;
  if (typeof raw === "string" && /^[0-9]{1,12}$/.test(raw)) return Number(raw);
  const ms = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ConfigError(`${name} must be a date (ISO 8601 like 2027-01-31T00:00:00Z, an HTTP-date, or Unix seconds), got ${JSON.stringify(String(raw))}`);
  }
  return Math.floor(ms / 1000);
}

/** "<max>/<seconds>" (e.g. "10/600"), or "off". Unset means the default. */
function parseRule(name: keyof typeof DEFAULT_RATE_LIMITS, raw: string | undefined): RateRule | null {
  const text = raw === undefined || raw === "" ? DEFAULT_RATE_LIMITS[name] : raw;
  if (text === "off") return null;
  const match = typeof text === "string" ? /^([0-9]{1,7})\/([0-9]{1,7})$/.exec(text) : null;
  const max = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || max < 1 || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new ConfigError(`${name} must be "<attempts>/<seconds>" (seconds 1..86400) or "off", got ${JSON.stringify(String(text))}`);
  }
  return { max, windowSeconds };
}

// Parsing is cheap, but the log line must appear once per isolate and per
// problem, not once per request: remember what was already reported.
const reported = new Set<string>();

// In production the env object is the same for every request of an isolate,
// so the checked result is kept per env object.
const checked = new WeakMap<Env, Config | ConfigError>();

/** parseConfig + one console.error per distinct problem. */
export function loadConfig(env: Env): Config | ConfigError {
  let result = checked.get(env);
  if (result === undefined) {
    result = parseOrError(env);
    checked.set(env, result);
  }
  if (result instanceof ConfigError && !reported.has(result.message)) {
    reported.add(result.message);
    console.error(`[hybrid-auth] misconfigured, refusing to serve auth requests: ${result.message}`);
  }
  return result;
}

function parseOrError(env: Env): Config | ConfigError {
  try {
    return parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err;
  }
}
