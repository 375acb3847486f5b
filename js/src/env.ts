/**
 * The environment variables optionsFromEnv reads (the seed's and v3's names).
 * Every one is optional on purpose: they are validated once and fail closed
 * when they are wrong, so the rest of the code only ever sees a checked `Config`.
 */
export interface AuthEnvVars {
  /** HS256 signing secret, at least 32 bytes. Unset or empty: session mode. */
  JWT_SECRET?: string;
  /** Access-token (JWT) lifetime in seconds. Default 900 (15 minutes, with refresh tokens); the seed's was 604800. */
  ACCESS_TOKEN_TTL?: string;
  /** The `iss` of access JWTs, required of every JWT presented. Default "hybrid-auth". */
  JWT_ISSUER?: string;
  /** The `aud` of access JWTs, required of every JWT presented. Default "hybrid-auth". */
  JWT_AUDIENCE?: string;
  /** "on": also accept seed-era JWTs (no typ/iss/aud) and bound ones without `sid` during an upgrade; counted in GET /usage. Default "off". */
  ACCEPT_LEGACY_JWT?: string;
  /** Session-token lifetime in seconds. Default 604800 (7 days). */
  SESSION_TTL?: string;
  // --- token lifecycle (issue 4); every one optional, see js/README.md ---
  /** Old signing secrets that still verify, comma-separated (secret rotation). */
  JWT_SECRET_PREVIOUS?: string;
  /** EdDSA access tokens (issue 24): the private Ed25519 JWK (JSON, with d and kid) that signs. Unset: HS256. */
  JWT_SIGNING_JWK?: string;
  /** With JWT_SIGNING_JWK: the other keys published and accepted (next, previous), a JSON array of JWKs. */
  JWT_PUBLISHED_JWKS?: string;
  /** Refresh-token lifetime in seconds. Default 2592000 (30 days). */
  REFRESH_TOKEN_TTL?: string;
  /** Seconds a rotated refresh token answers 409 instead of revoking its family. Default 10. */
  REFRESH_REUSE_GRACE_SECONDS?: string;
  /** Seconds from login after which refresh is refused (refresh_family_expired). Default 7776000 (90 days). */
  REFRESH_FAMILY_MAX_AGE?: string;
  /** "cached" (default: per-isolate snapshot) or "strict" (D1 on every JWT request). */
  REVOCATION?: string;
  /** Oldest revocation snapshot a JWT check may use, in seconds. Default 30. */
  REVOCATION_CACHE_SECONDS?: string;
  /** Phase 3: "accept" (default) | "deprecated" | "off". */
  SESSION_AUTH?: string;
  /** Deprecation header date (ISO 8601, HTTP-date or Unix seconds). */
  SESSION_DEPRECATED_AT?: string;
  /** Sunset header date (ISO 8601, HTTP-date or Unix seconds). */
  SESSION_SUNSET?: string;
  /** Usage counters: flush after this many events (default 100)... */
  USAGE_FLUSH_REQUESTS?: string;
  /** ...or this many seconds (default 60), whichever comes first. */
  USAGE_FLUSH_SECONDS?: string;
  /** Days of usage counters and account events (auth_events) the cleanup keeps. Default 90. */
  USAGE_RETENTION_DAYS?: string;
  /** Rate limits, "<attempts>/<seconds>" or "off". */
  RATE_LIMIT_LOGIN_EMAIL?: string;
  /** Failed logins per (email, client IP); default 5/600. Login rules count failures only. */
  RATE_LIMIT_LOGIN_EMAIL_IP?: string;
  RATE_LIMIT_LOGIN_IP?: string;
  RATE_LIMIT_REGISTER_EMAIL?: string;
  RATE_LIMIT_REGISTER_IP?: string;
  RATE_LIMIT_REFRESH_IP?: string;
  /** Per-IP rules: "cloudflare" (default: CF-Connecting-IP only on requests with Cloudflare's request.cf), "cf-connecting-ip" (always) or "none" (one shared bucket). */
  CLIENT_IP?: string;
  /** The hash of new passwords: "argon2id" (default) or "pbkdf2-sha256" (issue 21). */
  PASSWORD_HASH?: string;
  /** Argon2id's cost, "m=<KiB>,t=<passes>,p=<lanes>", one of OWASP's rows or stronger. Default m=19456,t=2,p=1. */
  ARGON2ID_COST?: string;
  /** Sudo mode: adding/removing a passkey needs a password or passkey authentication this recent (seconds, 1..86400). Default 600. */
  REAUTH_MAX_AGE_SECONDS?: string;
  /** Rows per cleanup DELETE, 1..10000. Default 10000. */
  CLEANUP_BATCH_ROWS?: string;
  /** "Remember me" off: refresh-token lifetime in seconds. Default 86400 (1 day), capped at REFRESH_TOKEN_TTL. */
  SHORT_REFRESH_TOKEN_TTL?: string;
  /** "Remember me" off, session mode: session lifetime in seconds. Default 86400, capped at SESSION_TTL. */
  SHORT_SESSION_TTL?: string;
  /** Wrong current passwords at POST /auth/change-password per user, "<attempts>/<seconds>" or "off". Default 5/900. */
  RATE_LIMIT_CHANGE_PASSWORD?: string;
  /** Phase-3 readiness: the session share must stay below this (a decimal in (0, 1]). Default 0.01. */
  PHASE3_SESSION_SHARE_THRESHOLD?: string;
  /** Phase-3 readiness: for this many consecutive days with traffic (1..366). Default 7. */
  PHASE3_READY_DAYS?: string;
  /** Browser apps: comma-separated exact origins allowed to call the auth routes with credentials (CORS). Default: none. */
  CORS_ORIGINS?: string;
  /** Browser apps: seconds a preflight answer may be cached (Access-Control-Max-Age), 0..86400. Default 600. */
  CORS_MAX_AGE?: string;
  /** Browser apps: "off" (default), "strict" or "lax": logins may ask for the refresh token in an HttpOnly cookie with that SameSite. */
  REFRESH_COOKIE?: string;
  /** "on": register sends a verification link and answers a taken email like a new one. Default "off". Needs a sender. */
  REQUIRE_EMAIL_VERIFICATION?: string;
  /** "on" (development only, a local runtime): emails are kept in memory and shown at /auth/dev/mailbox to loopback requests. Default "off". */
  DEV_MAILBOX?: string;
  /** The page the links in emails point at (absolute https URL, http only on loopback, no #fragment). Required with a real sender. */
  APP_URL?: string;
  /** Resend API key (a secret): emails are sent with Resend's HTTP API. */
  RESEND_API_KEY?: string;
  /** The sender address for RESEND_API_KEY, e.g. "Acme <no-reply@acme.com>". */
  EMAIL_FROM?: string;
  /** Another endpoint with Resend's request shape (tests point it at a fake). Default https://api.resend.com/emails. */
  RESEND_API_URL?: string;
  /** Password-reset link lifetime in seconds, 60..86400. Default 1800. */
  PASSWORD_RESET_TTL?: string;
  /** Verification and change-of-email link lifetime in seconds, 60..604800. Default 86400. */
  EMAIL_VERIFICATION_TTL?: string;
  /** Password-reset requests per email / per IP, "<attempts>/<seconds>" or "off". Default 5/3600, 30/3600. */
  RATE_LIMIT_RESET_EMAIL?: string;
  RATE_LIMIT_RESET_IP?: string;
  /** Verification emails re-sent per user. Default 5/3600. */
  RATE_LIMIT_VERIFY_RESEND?: string;
  /** Change-of-email requests per user. Default 5/3600. */
  RATE_LIMIT_EMAIL_CHANGE?: string;
  /** Passkeys: the WebAuthn RP ID, a host name ("localhost" in dev). */
  RP_ID?: string;
  /** Passkeys: the name authenticators show for this site. */
  RP_NAME?: string;
  /** Passkeys: comma-separated exact origins allowed in clientDataJSON ("http://localhost:8787" in dev). */
  RP_ORIGINS?: string;
  /** Passkeys: challenge lifetime in seconds, 1..3600. Default 300. */
  PASSKEY_CHALLENGE_TTL?: string;
  /** Passkeys: "required" (default) or "preferred" user verification. */
  PASSKEY_USER_VERIFICATION?: string;
}
