/**
 * The environment variables optionsFromEnv reads (the seed's and v3's names).
 * Every one is optional on purpose: they are validated once and fail closed
 * when they are wrong, so the rest of the code only ever sees a checked `Config`.
 */
export interface AuthEnvVars {
  /** HS256 signing secret, at least 32 bytes. Unset or empty: session mode. */
  JWT_SECRET?: string;
  /** Access-token (JWT) lifetime in seconds. Default 604800 (7 days, the seed's). */
  ACCESS_TOKEN_TTL?: string;
  /** Session-token lifetime in seconds. Default 604800 (7 days). */
  SESSION_TTL?: string;
  // --- token lifecycle (issue 4); every one optional, see js/README.md ---
  /** Old signing secrets that still verify, comma-separated (secret rotation). */
  JWT_SECRET_PREVIOUS?: string;
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
  /** Days of usage counters the cleanup keeps. Default 90. */
  USAGE_RETENTION_DAYS?: string;
  /** Rate limits, "<attempts>/<seconds>" or "off". */
  RATE_LIMIT_LOGIN_EMAIL?: string;
  /** Failed logins per (email, client IP); default 5/600. Login rules count failures only. */
  RATE_LIMIT_LOGIN_EMAIL_IP?: string;
  RATE_LIMIT_LOGIN_IP?: string;
  RATE_LIMIT_REGISTER_EMAIL?: string;
  RATE_LIMIT_REGISTER_IP?: string;
  RATE_LIMIT_REFRESH_IP?: string;
  /** Sudo mode: adding/removing a passkey needs a password or passkey authentication this recent (seconds, 1..86400). Default 600. */
  REAUTH_MAX_AGE_SECONDS?: string;
  /** Rows per cleanup DELETE, 1..10000. Default 10000. */
  CLEANUP_BATCH_ROWS?: string;
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
