/**
 * The checked configuration every request sees, and its validation from the
 * typed AuthOptions (options.ts). Validation happens once, at createAuth for
 * a static options object, or once per env object for an options function;
 * the rest of the code only ever sees a checked `Config`.
 */
import { AuthConfigError } from "./options";
import type { AuthHooks, AuthOptions, ClientIpSource, RateLimitOptions, RateRule, RevocationMode, SessionAuthMode } from "./options";
import type { PasskeyConfig, PasskeyConfigError } from "./passkeys/config";
import type { TotpConfig } from "./lifecycle/totp";
import type { SocialConfig } from "./social/config";
import type { CookieConfig, CorsConfig } from "./browser/config";
import type { EmailConfig } from "./email/config";
import type { TokenBinding } from "./utils/jwt";
import { PasswordHashing, checkArgon2idCost } from "./passwords";
import { checkAccessTokenSigning } from "./accessTokenSigning";
import type { AccessTokenSigning } from "./accessTokenSigning";
import type { RevocationFilterConfig } from "./revocationFilter/options";

export type { ClientIpSource, RateRule, RevocationMode, SessionAuthMode };
/** Every ClientIpSource, for the options check and optionsFromEnv (CLIENT_IP). */
export const CLIENT_IP_SOURCES: readonly ClientIpSource[] = ["cloudflare", "cf-connecting-ip", "none"];

/** Seven days, the seed's lifetime for both token kinds; still the session-token default (D1-backed, revocable at once). */
export const DEFAULT_TTL_SECONDS = 604_800;
/**
 * 15 minutes, the access-token (JWT) default since issue 23: a client keeps a
 * login with its refresh token (30 days), and a JWT checked without D1 is
 * honoured for at most this long. ACCESS_TOKEN_TTL / accessTokenTtl still set it.
 */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;
/** Lifetimes above a year are almost certainly a typo (ms instead of s). */
export const MAX_TTL_SECONDS = 31_536_000;
/**
 * How long a per-user "not before" stamp (logout-all, password reset, change
 * of email, first email proof) is kept, in seconds (issue 23).
 *
 * The stamp is only needed for JWTs without `sid`: every JWT with one is
 * refused by its family's `sid` row, which the same batch writes with the
 * family's RECORDED access_expires_at (db/revocations.ts familyStatements), and
 * the per-user bound drops a `sid` row only when a stamp covers both its
 * instant and its expiry. So the stamp's lifetime never shortens the refusal
 * of a JWT with `sid`, even one minted under an older, longer ACCESS_TOKEN_TTL.
 *  - acceptLegacyTokens on: JWTs without `sid` pass (seed-era ones, and bound
 *    ones minted before refresh families), and they may live up to the longest
 *    TTL: a year.
 *  - off: no JWT without `sid` passes (utils/jwt.ts refuses it: missing_sid),
 *    so one access-token lifetime is enough.
 * Turning acceptLegacyTokens on again does not bring back the stamps that
 * expired while it was off: a sid-less token logged out then would pass
 * again. Switch it off only once none can still be unexpired (GET /usage,
 * legacy_jwt), and leave it off.
 */
export function stampLifetime(config: { accessTokenTtl: number; tokenBinding: { acceptLegacy: boolean } }): number {
  return config.tokenBinding.acceptLegacy ? MAX_TTL_SECONDS : config.accessTokenTtl;
}
/** HS256 needs a key at least as long as its output (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

export interface RateLimitConfig {
  /** Failed password logins per email (loose: shared by every network). */
  loginPerEmail: RateRule | null;
  /** Failed password logins per (email, client IP) (tight: one network's guesses). */
  loginPerEmailIp: RateRule | null;
  loginPerIp: RateRule | null;
  registerPerEmail: RateRule | null;
  registerPerIp: RateRule | null;
  refreshPerIp: RateRule | null;
  /** Wrong current passwords at POST /change-password, per user (issue 14 §2). */
  changePasswordPerUser: RateRule | null;
  /** Password-reset requests per email and per client IP (issue 14 §3); every request counts. */
  passwordResetPerEmail: RateRule | null;
  passwordResetPerIp: RateRule | null;
  /** Verification emails re-sent per user (issue 14 §4). */
  verificationResendPerUser: RateRule | null;
  /** Change-of-email requests per user (issue 14 §2). */
  emailChangePerUser: RateRule | null;
}

/** Everything the token lifecycle needs; shared by both modes. */
export interface LifecycleConfig {
  accessTokenTtl: number;
  sessionTtl: number;
  refreshTokenTtl: number;
  /** Seconds during which a just-rotated refresh token answers 409 instead of revoking its family. */
  refreshReuseGrace: number;
  /** Seconds from login after which a refresh family no longer refreshes, however often it rotated. */
  refreshFamilyMaxAge: number;
  revocation: { mode: RevocationMode; cacheSeconds: number };
  sessionAuth: { mode: SessionAuthMode; deprecatedAt: number | null; sunset: number | null };
  usage: { flushRequests: number; flushSeconds: number; retentionDays: number };
  rateLimits: RateLimitConfig;
  /** Whose CF-Connecting-IP the per-IP rules believe (issue 19 §6; lifecycle/rateLimit.ts clientIpKey). */
  clientIp: ClientIpSource;
  cleanupBatchRows: number;
  /** Sudo mode: seconds after a password/passkey authentication during which credentials may be changed. */
  reauthMaxAge: number;
  /** "Remember me" off (issue 14 §5): the refresh-token lifetime of such a login (used capped at refreshTokenTtl). */
  shortRefreshTokenTtl: number;
  /** "Remember me" off, session mode: the session lifetime (used capped at sessionTtl). */
  shortSessionTtl: number;
  /** Phase-3 readiness (issue 14 §6): the session share must stay below `sessionShareThreshold` for `readyDays` days in a row. */
  phase3: { sessionShareThreshold: number; readyDays: number };
}

/**
 * The checked configuration. `mode` is the seed's switch: with a JWT secret,
 * logins issue JWTs (+ refresh tokens); without one they issue session tokens.
 * Session tokens are accepted in both modes unless SESSION_AUTH=off.
 * `previousSecrets` only verify (secret rotation).
 */
export type Config = (
  | ({ mode: "jwt"; jwtSecret: string; previousSecrets: string[] } & LifecycleConfig)
  | ({ mode: "session"; jwtSecret: null; previousSecrets: [] } & LifecycleConfig)
) & {
  /** Where the auth tables live (AuthOptions.database). */
  database: (env: object) => D1Database;
  hooks: AuthHooks;
  /** What binds access JWTs to this server (RFC 8725 §3.9-3.11): `iss`, `aud`, and whether unbound seed-era tokens pass. */
  tokenBinding: TokenBinding;
  /** New password hashes and the check of stored ones (issue 21; passwords/hashing.ts). */
  passwords: PasswordHashing;
  /** EdDSA access tokens and their published keys (issue 24); null: HS256. */
  accessTokenSigning: AccessTokenSigning | null;
} & PluginSlots;

/**
 * The parts of the configuration a plugin fills (AuthPlugin.configure); the
 * core reads them with these defaults when the plugin is not mounted.
 */
export interface PluginSlots {
  /** The passkeys plugin's relying party; null: not mounted; the error when its env settings are wrong (passkey routes answer 503). */
  passkeys: PasskeyConfig | PasskeyConfigError | null;
  /** The email plugin's sending, links and verification (issue 14 §3-4); EMAIL_OFF without it. */
  email: EmailConfig;
  /** The browserApps plugin (issue 15): the CORS allowlist (empty: none) and the refresh-cookie mode (off without it). */
  cors: CorsConfig;
  cookies: CookieConfig;
  /** The totp plugin's issuer label, ticket lifetime and limits (issue 21); null: not mounted. */
  totp: TotpConfig | null;
  /** The social plugin's providers and redirect allowlist (issue 22); null: not mounted. */
  social: SocialConfig | null;
  /** The revocation filter plugin's store and periods (issue 23); null: not mounted (the core's snapshot). */
  revocationFilter: RevocationFilterConfig | null;
}

/** Without the browserApps plugin: no origin allowed, no refresh cookie. */
export const CORS_NONE: CorsConfig = { origins: [], maxAge: 600 };
export const COOKIES_OFF: CookieConfig = { mode: "off", sameSite: "Strict" };
/** Without the email plugin: no verification, no mailbox, no sender. */
export const EMAIL_OFF: EmailConfig = { requireVerification: false, devMailbox: false, appUrl: null, passwordResetTtl: 1800, verificationTtl: 86_400, send: null };

/** Kept under its old name for the code that catches it. */
export { AuthConfigError as ConfigError };

export const DEFAULT_REFRESH_TTL_SECONDS = 2_592_000; // 30 days
/** A login refreshes for at most this long, then the user logs in again (issue 11). */
export const DEFAULT_REFRESH_FAMILY_MAX_AGE_SECONDS = 7_776_000; // 90 days
/**
 * Each rate rule: its default and its environment variable. Login rules count
 * FAILED attempts only (issue 11): the tight per-(email, IP) rule stops one
 * network's guessing, the loose per-email rule caps a distributed attack
 * without letting one attacker lock the owner out.
 */
export const RATE_RULES: Record<keyof RateLimitConfig, { env: string; fallback: RateRule }> = {
  loginPerEmail: { env: "RATE_LIMIT_LOGIN_EMAIL", fallback: { max: 50, windowSeconds: 600 } },
  loginPerEmailIp: { env: "RATE_LIMIT_LOGIN_EMAIL_IP", fallback: { max: 5, windowSeconds: 600 } },
  loginPerIp: { env: "RATE_LIMIT_LOGIN_IP", fallback: { max: 100, windowSeconds: 600 } },
  registerPerEmail: { env: "RATE_LIMIT_REGISTER_EMAIL", fallback: { max: 5, windowSeconds: 3600 } },
  registerPerIp: { env: "RATE_LIMIT_REGISTER_IP", fallback: { max: 20, windowSeconds: 3600 } },
  refreshPerIp: { env: "RATE_LIMIT_REFRESH_IP", fallback: { max: 120, windowSeconds: 60 } },
  changePasswordPerUser: { env: "RATE_LIMIT_CHANGE_PASSWORD", fallback: { max: 5, windowSeconds: 900 } },
  passwordResetPerEmail: { env: "RATE_LIMIT_RESET_EMAIL", fallback: { max: 5, windowSeconds: 3600 } },
  passwordResetPerIp: { env: "RATE_LIMIT_RESET_IP", fallback: { max: 30, windowSeconds: 3600 } },
  verificationResendPerUser: { env: "RATE_LIMIT_VERIFY_RESEND", fallback: { max: 5, windowSeconds: 3600 } },
  emailChangePerUser: { env: "RATE_LIMIT_EMAIL_CHANGE", fallback: { max: 5, windowSeconds: 3600 } },
};
/** The longest rate-limit window. */
export const MAX_RATE_WINDOW_SECONDS = 86_400;
/** "Remember me" off: one day, for both token kinds (issue 14 §5). */
export const DEFAULT_SHORT_TTL_SECONDS = 86_400;
/** Sudo mode window: 10 minutes, like GitHub's. */
export const DEFAULT_REAUTH_MAX_AGE_SECONDS = 600;
/** The most rows one cleanup statement may delete. */
export const MAX_CLEANUP_BATCH_ROWS = 10_000;

/**
 * Every whole-number setting once: where it sits in AuthOptions, its
 * environment variable, its bounds and its default. Both the options check
 * (below) and optionsFromEnv read this table, so the two can never disagree.
 */
export interface NumericSetting {
  /** Path in AuthOptions, e.g. "revocation.cacheSeconds". */
  path: string;
  env: string;
  min: number;
  max: number;
  fallback: number;
}

export const NUMERIC_SETTINGS: readonly NumericSetting[] = [
  { path: "accessTokenTtl", env: "ACCESS_TOKEN_TTL", min: 1, max: MAX_TTL_SECONDS, fallback: DEFAULT_ACCESS_TOKEN_TTL_SECONDS },
  { path: "sessionTtl", env: "SESSION_TTL", min: 1, max: MAX_TTL_SECONDS, fallback: DEFAULT_TTL_SECONDS },
  { path: "refreshTokenTtl", env: "REFRESH_TOKEN_TTL", min: 1, max: MAX_TTL_SECONDS, fallback: DEFAULT_REFRESH_TTL_SECONDS },
  { path: "refreshReuseGrace", env: "REFRESH_REUSE_GRACE_SECONDS", min: 0, max: 300, fallback: 10 },
  { path: "refreshFamilyMaxAge", env: "REFRESH_FAMILY_MAX_AGE", min: 1, max: MAX_TTL_SECONDS, fallback: DEFAULT_REFRESH_FAMILY_MAX_AGE_SECONDS },
  { path: "revocation.cacheSeconds", env: "REVOCATION_CACHE_SECONDS", min: 1, max: 3600, fallback: 30 },
  { path: "usage.flushRequests", env: "USAGE_FLUSH_REQUESTS", min: 1, max: 100_000, fallback: 100 },
  { path: "usage.flushSeconds", env: "USAGE_FLUSH_SECONDS", min: 1, max: 86_400, fallback: 60 },
  { path: "usage.retentionDays", env: "USAGE_RETENTION_DAYS", min: 1, max: 3650, fallback: 90 },
  { path: "reauthMaxAge", env: "REAUTH_MAX_AGE_SECONDS", min: 1, max: 86_400, fallback: DEFAULT_REAUTH_MAX_AGE_SECONDS },
  { path: "cleanupBatchRows", env: "CLEANUP_BATCH_ROWS", min: 1, max: MAX_CLEANUP_BATCH_ROWS, fallback: MAX_CLEANUP_BATCH_ROWS },
  { path: "shortRefreshTokenTtl", env: "SHORT_REFRESH_TOKEN_TTL", min: 1, max: MAX_TTL_SECONDS, fallback: DEFAULT_SHORT_TTL_SECONDS },
  { path: "shortSessionTtl", env: "SHORT_SESSION_TTL", min: 1, max: MAX_TTL_SECONDS, fallback: DEFAULT_SHORT_TTL_SECONDS },
  { path: "phase3.readyDays", env: "PHASE3_READY_DAYS", min: 1, max: 366, fallback: 7 },
];

/** Phase 3 (switching session tokens off) is ready once fewer than 1% of authentications use them, by default. */
export const DEFAULT_PHASE3_SESSION_SHARE_THRESHOLD = 0.01;

/** A share in (0, 1], or a ConfigError naming `label`. */
export function checkShare(label: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new AuthConfigError(`${label} must be a number greater than 0 and at most 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads `a.b` out of a nested options object. */
export function readPath(options: object, path: string): unknown {
  let value: unknown = options;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A whole number within the setting's bounds, or a ConfigError naming `label`. */
export function checkInteger(label: string, value: unknown, setting: NumericSetting): number {
  if (value === undefined) return setting.fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new AuthConfigError(`${label} must be a whole number, got ${JSON.stringify(value)}`);
  }
  if (value < setting.min || value > setting.max) {
    throw new AuthConfigError(`${label} must be between ${setting.min} and ${setting.max}, got ${value}`);
  }
  return value;
}

/**
 * A whole-number environment variable within `setting`'s bounds, or undefined when it
 * is unset or "". The one text rule of every such variable (core and plugins): digits
 * only, since "7d", "1e5", " 60" and "-1" are all operator mistakes.
 */
export function integerVar(vars: Record<string, unknown>, setting: NumericSetting): number | undefined {
  const raw = vars[setting.env];
  if (raw === undefined || raw === "") return undefined;
  if (typeof raw !== "string" || !/^[0-9]{1,9}$/.test(raw)) {
    throw new AuthConfigError(`${setting.env} must be a whole number, got ${JSON.stringify(String(raw))}`);
  }
  return checkInteger(setting.env, Number(raw), setting);
}

/** A rate rule (or null = off), or a ConfigError naming `label`. */
export function checkRule(label: string, value: unknown, fallback: RateRule): RateRule | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  const rule = value as Partial<RateRule>;
  const ok =
    typeof rule === "object" &&
    Number.isSafeInteger(rule.max) &&
    Number.isSafeInteger(rule.windowSeconds) &&
    (rule.max ?? 0) >= 1 &&
    (rule.windowSeconds ?? 0) >= 1 &&
    (rule.windowSeconds ?? 0) <= MAX_RATE_WINDOW_SECONDS;
  if (!ok) throw new AuthConfigError(`${label} must be {max >= 1, windowSeconds 1..${MAX_RATE_WINDOW_SECONDS}} or null (off)`);
  return { max: rule.max as number, windowSeconds: rule.windowSeconds as number };
}

/** A signing secret of at least MIN_SECRET_BYTES, or a ConfigError that never echoes it. */
export function checkSecret(label: string, secret: unknown): asserts secret is string {
  if (typeof secret !== "string") throw new AuthConfigError(`${label} must be a string`);
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    // Never echo the secret, not even a prefix: only its length.
    throw new AuthConfigError(
      `${label} is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required. ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
}

/** The `iss`/`aud` of our tokens when the options name none. */
export const DEFAULT_TOKEN_BINDING_NAME = "hybrid-auth";

/** An `issuer`/`audience`: 1..512 UTF-8 bytes (the core's bound), no control characters. */
function checkBindingName(label: string, value: unknown): string {
  if (value === undefined) return DEFAULT_TOKEN_BINDING_NAME;
  const bytes = typeof value === "string" ? new TextEncoder().encode(value).byteLength : 0;
  // eslint-disable-next-line no-control-regex
  if (typeof value !== "string" || bytes < 1 || bytes > 512 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new AuthConfigError(`${label} must be a string of 1 to 512 bytes without control characters, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkFlag(label: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new AuthConfigError(`${label} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function checkEnum<T extends string>(label: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new AuthConfigError(`${label} must be one of ${allowed.join(" | ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function checkDate(label: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date && Number.isFinite(value.getTime())) return Math.floor(value.getTime() / 1000);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw new AuthConfigError(`${label} must be a Date or Unix seconds`);
}

const PASSWORD_HASHING_KEYS = ["algorithm", "argon2id", "allowBelowOwaspFloor"];

/** `passwordHashing` checked once: unknown keys, a weak or out-of-range Argon2id cost fail createAuth. */
function checkPasswordHashing(value: AuthOptions<never>["passwordHashing"], legacy: AuthHooks["legacyPasswordVerifier"]): PasswordHashing {
  const given = value ?? {};
  if (typeof given !== "object" || given === null) throw new AuthConfigError("passwordHashing must be an object");
  for (const key of Object.keys(given)) {
    if (!PASSWORD_HASHING_KEYS.includes(key)) throw new AuthConfigError(`unknown option passwordHashing.${key}`);
  }
  const allowBelowOwaspFloor = checkFlag("passwordHashing.allowBelowOwaspFloor", given.allowBelowOwaspFloor);
  return new PasswordHashing({
    algorithm: checkEnum("passwordHashing.algorithm", given.algorithm, ["argon2id", "pbkdf2-sha256"] as const, "argon2id"),
    argon2id: { cost: checkArgon2idCost(given.argon2id, allowBelowOwaspFloor), allowBelowOwaspFloor },
    legacy,
  });
}

/** Only the options this file knows: a typo ("secert") is an error, not a silent default. */
const KNOWN_OPTIONS = new Set([
  "database",
  "secret",
  "previousSecrets",
  "revocation",
  "sessionAuth",
  "usage",
  "rateLimits",
  "clientIp",
  "hooks",
  "phase3",
  "plugins",
  "issuer",
  "audience",
  "acceptLegacyTokens",
  "passwordHashing",
  "accessTokenSigning",
  ...NUMERIC_SETTINGS.filter((s) => !s.path.includes(".")).map((s) => s.path),
]);
const HOOKS = ["extraClaims", "onRegister", "onLogin", "legacyPasswordVerifier"] as const;

/** Options of 0.1 that moved to a plugin (issue 20): the error says where, instead of "unknown option". */
const MOVED_OPTIONS: Record<string, string> = {
  passkeys: 'passkeys moved to the passkeys plugin: plugins: [passkeys({ rpId, rpName, origins })] from "hybrid-auth/passkeys"',
  requireEmailVerification: 'requireEmailVerification moved to the email plugin: plugins: [email({ requireVerification: true })] from "hybrid-auth/email"',
  devMailbox: 'devMailbox moved to the email plugin: plugins: [email({ devMailbox: true })] from "hybrid-auth/email"',
  appUrl: 'appUrl moved to the email plugin: plugins: [email({ appUrl })] from "hybrid-auth/email"',
  passwordResetTtl: 'passwordResetTtl moved to the email plugin: email({ passwordResetTtl })',
  emailVerificationTtl: 'emailVerificationTtl moved to the email plugin: email({ verificationTtl })',
  cors: 'cors moved to the browserApps plugin: plugins: [browserApps({ cors: { origins } })] from "hybrid-auth/browser"',
  cookies: 'cookies moved to the browserApps plugin: plugins: [browserApps({ cookies: { mode: "on" } })] from "hybrid-auth/browser"',
};

/** Hooks of 0.1 that moved to a plugin, like MOVED_OPTIONS. */
const MOVED_HOOKS: Record<string, string> = {
  sendEmail: 'hooks.sendEmail moved to the email plugin: plugins: [email({ send, appUrl })] from "hybrid-auth/email"',
};

/**
 * Checks AuthOptions and turns them into the Config every request uses.
 * Throws AuthConfigError rather than guessing: a short secret must never be
 * used to sign, and a bad TTL must not silently become the default.
 */
export function resolveOptions(options: AuthOptions<never>): Config {
  if (options === null || typeof options !== "object") throw new AuthConfigError("createAuth needs an options object");
  for (const key of Object.keys(options)) {
    if (MOVED_OPTIONS[key]) throw new AuthConfigError(MOVED_OPTIONS[key]);
    if (!KNOWN_OPTIONS.has(key)) throw new AuthConfigError(`unknown option ${JSON.stringify(key)}`);
  }
  if (typeof options.database !== "function") {
    throw new AuthConfigError("database must be a function of the env that returns the D1 binding, e.g. (env) => env.DB");
  }
  const numbers = new Map<string, number>();
  for (const setting of NUMERIC_SETTINGS) numbers.set(setting.path, checkInteger(setting.path, readPath(options, setting.path), setting));
  const num = (path: string) => numbers.get(path) as number;

  const rateOptions: RateLimitOptions = options.rateLimits ?? {};
  const rateLimits = {} as RateLimitConfig;
  for (const [name, rule] of Object.entries(RATE_RULES) as [keyof RateLimitConfig, { fallback: RateRule }][]) {
    rateLimits[name] = checkRule(`rateLimits.${name}`, rateOptions[name], rule.fallback);
  }
  for (const key of Object.keys(rateOptions)) {
    if (!(key in RATE_RULES)) throw new AuthConfigError(`unknown rate limit ${JSON.stringify(key)}`);
  }

  const hooks: AuthHooks = options.hooks ?? {};
  for (const key of Object.keys(hooks)) {
    if (MOVED_HOOKS[key]) throw new AuthConfigError(MOVED_HOOKS[key]);
    if (!(HOOKS as readonly string[]).includes(key)) throw new AuthConfigError(`unknown hook ${JSON.stringify(key)}`);
    if (typeof (hooks as Record<string, unknown>)[key] !== "function") throw new AuthConfigError(`hooks.${key} must be a function`);
  }

  const lifecycle: LifecycleConfig = {
    accessTokenTtl: num("accessTokenTtl"),
    sessionTtl: num("sessionTtl"),
    refreshTokenTtl: num("refreshTokenTtl"),
    refreshReuseGrace: num("refreshReuseGrace"),
    refreshFamilyMaxAge: num("refreshFamilyMaxAge"),
    revocation: {
      mode: checkEnum("revocation.mode", options.revocation?.mode, ["cached", "strict"] as const, "cached"),
      cacheSeconds: num("revocation.cacheSeconds"),
    },
    sessionAuth: {
      mode: checkEnum("sessionAuth.mode", options.sessionAuth?.mode, ["accept", "deprecated", "off"] as const, "accept"),
      deprecatedAt: checkDate("sessionAuth.deprecatedAt", options.sessionAuth?.deprecatedAt),
      sunset: checkDate("sessionAuth.sunset", options.sessionAuth?.sunset),
    },
    usage: { flushRequests: num("usage.flushRequests"), flushSeconds: num("usage.flushSeconds"), retentionDays: num("usage.retentionDays") },
    rateLimits,
    clientIp: checkEnum("clientIp", options.clientIp, CLIENT_IP_SOURCES, "cloudflare"),
    cleanupBatchRows: num("cleanupBatchRows"),
    reauthMaxAge: num("reauthMaxAge"),
    shortRefreshTokenTtl: num("shortRefreshTokenTtl"),
    shortSessionTtl: num("shortSessionTtl"),
    phase3: {
      sessionShareThreshold: checkShare(
        "phase3.sessionShareThreshold",
        options.phase3?.sessionShareThreshold,
        DEFAULT_PHASE3_SESSION_SHARE_THRESHOLD,
      ),
      readyDays: num("phase3.readyDays"),
    },
  };

  const tokenBinding: TokenBinding = {
    issuer: checkBindingName("issuer", options.issuer),
    audience: checkBindingName("audience", options.audience),
    acceptLegacy: checkFlag("acceptLegacyTokens", options.acceptLegacyTokens),
  };
  const passwords = checkPasswordHashing(options.passwordHashing, hooks.legacyPasswordVerifier);
  const accessTokenSigning = checkAccessTokenSigning(options.accessTokenSigning);
  const common = { database: options.database as (env: object) => D1Database, passkeys: null, cors: CORS_NONE, cookies: COOKIES_OFF, hooks, email: EMAIL_OFF, totp: null, social: null, revocationFilter: null, tokenBinding, passwords, accessTokenSigning };

  const secret = options.secret;
  // The seed's test is `if (c.env.JWT_SECRET)`: absent and "" both mean session mode.
  if (secret === undefined || secret === null || secret === "") {
    if (lifecycle.sessionAuth.mode !== "accept") {
      throw new AuthConfigError(`sessionAuth.mode "${lifecycle.sessionAuth.mode}" needs a secret: without one, logins can only issue session tokens`);
    }
    if (options.previousSecrets?.length) throw new AuthConfigError("previousSecrets without a secret: set the current secret too");
    if (accessTokenSigning) throw new AuthConfigError("accessTokenSigning needs a secret (JWT mode): it also verifies the HS256 tokens issued before EdDSA");
    return { mode: "session", jwtSecret: null, previousSecrets: [], ...lifecycle, ...common };
  }
  checkSecret("secret", secret);
  const previousSecrets: string[] = [];
  for (const [index, value] of (options.previousSecrets ?? []).entries()) {
    checkSecret(`previousSecrets[${index}]`, value);
    if (value !== secret && !previousSecrets.includes(value)) previousSecrets.push(value);
  }
  return { mode: "jwt", jwtSecret: secret, previousSecrets, ...lifecycle, ...common };
}
