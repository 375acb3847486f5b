/**
 * The public configuration of an auth instance: one typed object, handed to
 * createAuth and validated there once (config.ts). Every field but
 * `database` is optional and has the default documented here and in
 * js/README.md. `optionsFromEnv` (envOptions.ts) builds one from the seed's
 * environment variables for those who configure through wrangler vars.
 */
import type { AccessTokenSigningOptions } from "./accessTokenSigning";
import type { Context } from "hono";
import type { AuthPlugin } from "./plugin";
import type { PublicUser } from "./types";

export type RevocationMode = "cached" | "strict";
/**
 * Where per-IP rate limits take the client address from (issue 19 §6):
 *  - "cloudflare": the CF-Connecting-IP header, only on a request that carries
 *    Cloudflare's `request.cf` object (with its `colo`). Cloudflare's edge sets
 *    that header on every request it hands a Worker, overwriting what the
 *    client sent; a request without `cf` did not come through the edge (another
 *    host, a request built by hand), so its header is whatever the client said;
 *  - "cf-connecting-ip": the header on every request: only behind a proxy of
 *    yours that always sets it and overwrites the client's;
 *  - "none": no address is trusted.
 * An address that is not trusted (or absent, or not an address) puts the
 * client in the one shared bucket ("unknown-ip"), so rotating the header
 * escapes nothing.
 */
export type ClientIpSource = "cloudflare" | "cf-connecting-ip" | "none";
export type SessionAuthMode = "accept" | "deprecated" | "off";

/** One fixed-window rule: at most `max` attempts per `windowSeconds`. `null` switches the rule off. */
export interface RateRule {
  max: number;
  windowSeconds: number;
}

/** The rate-limit rules. Login rules count failed attempts only. */
export interface RateLimitOptions {
  /** Failed password logins per email (loose: shared by every network). Default 50/600. */
  loginPerEmail?: RateRule | null;
  /** Failed password logins per (email, client IP) (tight: one network's guesses). Default 5/600. */
  loginPerEmailIp?: RateRule | null;
  /** Failed password logins and passkey-login ceremonies per client IP. Default 100/600. */
  loginPerIp?: RateRule | null;
  /** Registrations per email. Default 5/3600. */
  registerPerEmail?: RateRule | null;
  /** Registrations per client IP. Default 20/3600. */
  registerPerIp?: RateRule | null;
  /** Refreshes per client IP. Default 120/60. */
  refreshPerIp?: RateRule | null;
  /** Wrong current passwords at POST /change-password, per user. Default 5/900. */
  changePasswordPerUser?: RateRule | null;
  /** Password-reset emails per address (every request counts; over it: the same 202, nothing sent). Default 5/3600. */
  passwordResetPerEmail?: RateRule | null;
  /** Password-reset emails per client IP (every request counts; over it: the same 202, nothing sent). Default 30/3600. */
  passwordResetPerIp?: RateRule | null;
  /** Verification emails re-sent per user. Default 5/3600. */
  verificationResendPerUser?: RateRule | null;
  /** Change-of-email requests per user. Default 5/3600. */
  emailChangePerUser?: RateRule | null;
}

/** The WebAuthn relying party. Without it, the passkey routes answer 503 `misconfigured`. */
export interface PasskeyOptions {
  /** A host name: "example.com", or "localhost" in development. */
  rpId: string;
  /** What authenticators show for this site, 1..64 characters. */
  rpName: string;
  /** Exact origins clientDataJSON may name (https, or http://localhost). */
  origins: readonly string[];
  /** Challenge lifetime in seconds, 1..3600. Default 300. */
  challengeTtl?: number;
  /** Default "required". */
  userVerification?: "required" | "preferred";
}

/** CORS for browser apps served from other origins (issue 15). Default: no origin is allowed. */
export interface CorsOptions {
  /** Exact origins that may call the auth routes with credentials, e.g. ["https://app.example.com"]. https, or http on localhost/127.0.0.1. */
  origins?: readonly string[];
  /** Seconds a browser may cache a preflight answer (Access-Control-Max-Age), 0..86400. Default 600. */
  maxAge?: number;
}

export type RefreshCookieSameSite = "Strict" | "Lax";

/**
 * Cookie mode (issue 15): a login that sends `"refresh": "cookie"` gets its
 * refresh token in an HttpOnly cookie instead of the JSON body. Needs a JWT secret.
 */
export interface CookieOptions {
  /** Default "off": logins can only return the refresh token in the body (bearer mode). */
  mode?: "off" | "on";
  /** Default "Strict". */
  sameSite?: RefreshCookieSameSite;
}

/** One email, as the email plugin's `send` receives it (issue 14 §3-4). */
export interface EmailMessage {
  to: string;
  subject: string;
  /** Plain text (every link is also here, on its own line). */
  text: string;
  /** The same message as HTML (every dynamic part escaped). */
  html: string;
}

/** How a user signed in, for `onLogin`. */
/** How a login was proven; `social:<provider>` for a sign-in with a provider (the social plugin). */
export type LoginMethod = "password" | "passkey" | `social:${string}`;

/**
 * Extension points. Each is called with the request's context, so a hook can
 * read bindings or schedule work with `c.executionCtx.waitUntil`.
 */
export interface AuthHooks {
  /**
   * Claims added to every issued access JWT (login and refresh). They may not
   * name a claim the issuer owns (sub, email, name, iat, iat_ms, exp, nbf, jti,
   * sid, auth_time, email_verified, iss, aud): issuing then fails with a 500 and a log line.
   */
  extraClaims?: (user: PublicUser) => Record<string, unknown>;
  /** After an account is created (its row is committed). Errors are logged, never answered. */
  onRegister?: (user: PublicUser, c: Context) => void | Promise<void>;
  /** After a successful login, before the answer. Errors are logged, never answered. */
  onLogin?: (event: { user: PublicUser; method: LoginMethod }, c: Context) => void | Promise<void>;
  /**
   * Verifies a password against a hash in a format hybrid-auth does not know
   * (a seed-era deployment's). Return true for a match; the hash is then
   * replaced by one in today's algorithm, Argon2id by default (a compare-and-swap:
   * a password changed meanwhile stays). Without this hook such accounts cannot
   * log in. Each check also pays the work every failed password check pays (one
   * Argon2id, one PBKDF2), so a seed-era account is never faster to refuse; the
   * hook's own cost comes on top.
   */
  legacyPasswordVerifier?: (password: string, storedHash: string, user: PublicUser) => boolean | Promise<boolean>;
}

/**
 * The password hash of new accounts and changed passwords. Stored hashes of
 * another algorithm or cost still verify and are rewritten in this one at the
 * user's next successful login (a compare-and-swap: a password changed
 * meanwhile stays).
 */
export interface PasswordHashingOptions {
  /**
   * "argon2id" (default): the package's Rust module, `hybrid-auth/argon2`.
   * "pbkdf2-sha256": WebCrypto at 100,000 iterations (workerd's cap, a sixth of
   * OWASP's floor for it); only for a plan whose CPU limit cannot take Argon2id.
   */
  algorithm?: "argon2id" | "pbkdf2-sha256";
  /**
   * Argon2id's cost. Default { memoryKiB: 19456, timeCost: 2, parallelism: 1 }, OWASP's
   * first row; the others (47104/1, 12288/3, 9216/4, 7168/5) or anything stronger work
   * too (memoryKiB at most 65536). A cost below every OWASP row is refused unless
   * `allowBelowOwaspFloor`.
   */
  argon2id?: { memoryKiB?: number; timeCost?: number; parallelism?: number };
  /** Permits an Argon2id cost below OWASP's floor, for new and stored hashes. For tests only. Default false. */
  allowBelowOwaspFloor?: boolean;
}

/** The options of createAuth. `E` is the Worker's env (its bindings). */
export interface AuthOptions<E = unknown> {
  /** The D1 database of the auth tables, from the Worker's env: `(env) => env.DB`. Any binding name works. */
  database: (env: E) => D1Database;
  /**
   * The HS256 signing secret, at least 32 bytes (UTF-8, not trimmed).
   *
   * Absent (`undefined`), `null` or `""`: session mode, not an error (the seed's
   * `if (c.env.JWT_SECRET)`): logins issue session tokens, there are no refresh
   * tokens, and every JWT presented is refused (401 `invalid_token`). So a secret
   * missing from the env quietly means session tokens; `sessionAuth.mode`
   * "deprecated" or "off", `previousSecrets` and browserApps' `cookies.mode: "on"` refuse to
   * start without one. Any other string shorter than 32 bytes is an
   * `AuthConfigError` (503 `misconfigured` in the function form).
   */
  secret?: string | null;
  /** Old secrets that still verify (rotation), each at least 32 bytes. */
  previousSecrets?: readonly string[];
  /**
   * Sign access tokens with EdDSA (Ed25519) instead of HS256, and publish the
   * public keys at `<prefix>/.well-known/jwks.json`, so other services verify
   * tokens with the public key only (issue 24). Needs `secret` (JWT mode): it
   * keeps verifying the HS256 tokens issued before the switch. Rotation: add
   * the next key to `publishedKeys` first, make it `key` once caches have it
   * (the JWKS is cached 5 minutes), keep the old one in `publishedKeys` until
   * `accessTokenTtl` has passed. `keyRing` is `KeyRing` from "hybrid-auth/eddsa"
   * (the core module has no Ed25519). Default: absent (HS256).
   */
  accessTokenSigning?: AccessTokenSigningOptions;
  /**
   * The `iss` of every access JWT, required of every JWT presented (RFC 8725 §3.10, RFC 9068).
   * Use your auth service's URL, e.g. "https://auth.example.com". 1..512 bytes. Default "hybrid-auth".
   */
  issuer?: string;
  /** The `aud` of every access JWT, required of every JWT presented (RFC 8725 §3.9). 1..512 bytes. Default "hybrid-auth". */
  audience?: string;
  /**
   * Also accept access JWTs issued before tokens were bound (the seed's, and v3's before this option):
   * no `typ` (or "JWT"), no `iss`, no `aud`; and bound ones without `sid` (minted before refresh
   * families). A token naming another issuer or audience is refused anyway. While it is on, per-user
   * "not before" stamps are kept a year instead of one access-token lifetime.
   * Counted in GET /usage (`legacy_jwt`): switch it off once none were seen for an access-token lifetime.
   * Default false.
   */
  acceptLegacyTokens?: boolean;
  /** Access-token (JWT) lifetime in seconds. Default 900 (15 minutes; clients stay logged in with refresh tokens). */
  accessTokenTtl?: number;
  /** Session-token lifetime in seconds. Default 604800 (7 days). */
  sessionTtl?: number;
  /** Refresh-token lifetime in seconds. Default 2592000 (30 days). */
  refreshTokenTtl?: number;
  /** Seconds a just-rotated refresh token answers 409 instead of revoking its family, 0..300. Default 10. */
  refreshReuseGrace?: number;
  /** Seconds from login after which a login no longer refreshes. Default 7776000 (90 days). */
  refreshFamilyMaxAge?: number;
  /** "cached" (default): a per-instance snapshot refreshed every `cacheSeconds` (default 30); "strict": D1 on every JWT request. */
  revocation?: { mode?: RevocationMode; cacheSeconds?: number };
  /** Phase 3 of the migration: "accept" (default), "deprecated" (with Deprecation/Sunset headers) or "off". */
  sessionAuth?: { mode?: SessionAuthMode; deprecatedAt?: number | Date | null; sunset?: number | Date | null };
  /** Usage counters: flush after `flushRequests` events (100) or `flushSeconds` (60); keep `retentionDays` (90), account events (auth_events) too. */
  usage?: { flushRequests?: number; flushSeconds?: number; retentionDays?: number };
  rateLimits?: RateLimitOptions;
  /** The client address of the per-IP rate limits (see ClientIpSource). Default "cloudflare". */
  clientIp?: ClientIpSource;
  /** Sudo mode: credential changes need a password/passkey sign-in this recent, in seconds (1..86400). Default 600. */
  reauthMaxAge?: number;
  /** Rows per cleanup DELETE, 1..10000. Default 10000. */
  cleanupBatchRows?: number;
  /**
   * "Remember me" off at login (`remember: false`): the refresh-token lifetime of that login,
   * in seconds. Default 86400 (1 day). Used capped at `refreshTokenTtl` (the "remember me" one)
   * and, like it, at `refreshFamilyMaxAge`; such a login's access JWTs never outlive it either.
   */
  shortRefreshTokenTtl?: number;
  /** Session mode: the session lifetime of a `remember: false` login. Default 86400, capped at `sessionTtl`. */
  shortSessionTtl?: number;
  /**
   * The phase-3 readiness signal of GET /usage: ready once the share of session-token
   * authentications (session / (jwt + session)) stayed below `sessionShareThreshold`
   * (0 < t <= 1, default 0.01) on `readyDays` consecutive days with traffic (1..366, default 7).
   */
  phase3?: { sessionShareThreshold?: number; readyDays?: number };
  /** How new passwords are hashed (issue 21). Default: Argon2id at OWASP's m=19456 KiB, t=2, p=1. */
  passwordHashing?: PasswordHashingOptions;
  hooks?: AuthHooks;
  /**
   * The features this instance mounts (issue 20), each from its own entry:
   * `passkeys()` (hybrid-auth/passkeys), `email()` (hybrid-auth/email),
   * `sessions()` (hybrid-auth/sessions), `usage()` (hybrid-auth/usage). What is
   * not mounted answers 404 and is not in your bundle. With the function form
   * of createAuth, pass them as its second argument instead.
   */
  plugins?: readonly AuthPlugin[];
}

/** A configuration mistake, found when the options are checked. The message names the option. */
export class AuthConfigError extends Error {
  override readonly name = "AuthConfigError";
}
