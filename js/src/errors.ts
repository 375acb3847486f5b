import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the API can answer with. Clients branch on these, so they
 * are part of the contract: add new ones, never rename.
 */
export type ErrorCode =
  | "invalid_json" // 400: body is not UTF-8 JSON
  | "invalid_body" // 400: JSON, but not an object
  | "missing_field" // 400: a required field is absent or null
  | "invalid_field" // 400: a field has the wrong type or is out of limits
  | "body_too_large" // 400: more than MAX_BODY_BYTES
  | "unsupported_media_type" // 415: not application/json
  | "missing_token" // 401: no Authorization header
  | "invalid_token" // 401: malformed, unknown, expired or forged token
  | "invalid_credentials" // 401: wrong email or password (never says which)
  | "not_found" // 404
  | "method_not_allowed" // 405
  | "email_taken" // 409
  | "refresh_token_rotated" // 409: this refresh token was rotated seconds ago by a concurrent request; use the newer one
  | "invalid_refresh_token" // 401: unknown, expired or revoked refresh token
  | "refresh_token_reused" // 401: a retired refresh token came back: its whole family is now revoked
  | "refresh_family_expired" // 401: the login is older than REFRESH_FAMILY_MAX_AGE; log in again
  | "session_auth_disabled" // 401: SESSION_AUTH=off; log in again to get a JWT
  | "forbidden" // 403: authenticated, but not allowed (e.g. /auth/usage needs role admin)
  | "reauthentication_required" // 403: sudo mode: this change needs a password or passkey authentication within REAUTH_MAX_AGE_SECONDS
  | "invalid_current_password" // 403: change password: the current password given is wrong (counted by RATE_LIMIT_CHANGE_PASSWORD)
  | "rate_limited" // 429: too many attempts; see Retry-After
  | "origin_not_allowed" // 403: a CORS preflight, or a request using the refresh cookie, from an Origin that is neither the Worker's own nor in CORS_ORIGINS (or Sec-Fetch-Site cross-site without one)
  | "csrf_header_missing" // 403: a request using the refresh cookie (or asking for one) without `X-Requested-With: hybrid-auth`
  | "refresh_token_ambiguous" // 400: POST /refresh with both the refresh cookie and a refresh_token in the body
  | "invalid_cookie" // 400: the refresh cookie is malformed, oversized or sent twice; the answer clears it
  | "refresh_cookie_disabled" // 400: a login asked for "refresh": "cookie" but cookie mode is off (REFRESH_COOKIE), or the request is plain http off loopback
  | "invalid_challenge" // 400: passkey challenge never issued, already used (replay), or for another ceremony/user
  | "challenge_expired" // 400: passkey challenge older than PASSKEY_CHALLENGE_TTL
  | "passkey_verification_failed" // 400: a passkey registration response did not verify
  | "passkey_counter_regressed" // 401: the passkey's signature counter did not advance (clone or replay)
  | "passkey_exists" // 409: this credential is already registered
  | "totp_already_enabled" // 409: POST /totp/enroll for a user whose second factor is on (disable it first)
  | "totp_not_enabled" // 409: a TOTP route that needs the factor on (or, for enroll/confirm, an enrolment started) when it is not
  | "invalid_email_token" // 400: an email link's token that was never issued, is malformed, is for another purpose, or was sent to an address the account no longer has
  | "email_token_used" // 400: an email link already used (replay), or replaced by a newer link
  | "email_token_expired" // 400: an email link older than PASSWORD_RESET_TTL / EMAIL_VERIFICATION_TTL
  | "email_not_configured" // 503: a route that sends email, on a server with no sender (the email plugin's send, RESEND_API_KEY, or DEV_MAILBOX in development)
  | "app_url_required" // 503: a route that sends email, with no appUrl (APP_URL) and a request that is not loopback: links never take their host from a request
  | "invalid_state" // 400: a social sign-in's callback whose state is unknown, used, expired, for another provider, or not this browser's (its cookie)
  | "redirect_not_allowed" // 400: a social sign-in's redirect_to that is not on the plugin's redirectAllowlist
  | "unknown_provider" // 404: a social route naming a provider that is not configured
  | "social_login_failed" // 401: the provider refused the code, or its answer did not verify (ID token signature, iss, aud, exp, nonce, algorithm)
  | "provider_unavailable" // 502: the provider could not be reached (discovery, token or API request failed)
  | "social_account_exists" // 409: an account has the provider's address, and automatic linking needs both addresses verified: sign in to it and link the provider
  | "social_email_unverified" // 409: no account can be made from this provider account: it has no address the provider verified
  | "identity_taken" // 409: this provider account is linked to another account, or this account has a link to this provider already
  | "last_sign_in_method" // 409: unlinking would leave the account no way to sign in (no password, passkey or other provider)
  | "misconfigured" // 503: bad JWT_SECRET / TTL; see the Worker's log
  | "service_unavailable" // 503: the database failed; retry later
  | "internal_error"; // 500: a bug; details only in the log

/** An error that leaves the Worker as `{ error: { code, message } }`. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export const REALM = "hybrid-auth";

/**
 * RFC 6750 §3.1: a request with no credentials gets a bare challenge (no
 * error code); anything presented and rejected gets error="invalid_token".
 */
export function unauthorized(
  code:
    | "missing_token"
    | "invalid_token"
    | "invalid_credentials"
    | "invalid_refresh_token"
    | "refresh_token_reused"
    | "refresh_family_expired"
    | "session_auth_disabled",
  message: string,
): HttpError {
  const challenge =
    code === "missing_token"
      ? `Bearer realm="${REALM}"`
      : `Bearer realm="${REALM}", error="invalid_token", error_description="${message}"`;
  return new HttpError(401, code, message, { "WWW-Authenticate": challenge });
}

export function badRequest(code: "invalid_json" | "invalid_body" | "missing_field" | "invalid_field" | "body_too_large", message: string): HttpError {
  return new HttpError(400, code, message);
}

/** Seconds a client should wait after a database failure. */
export const RETRY_AFTER_SECONDS = 5;

export function serviceUnavailable(): HttpError {
  return new HttpError(503, "service_unavailable", "the database is unavailable, retry later", {
    "Retry-After": String(RETRY_AFTER_SECONDS),
  });
}
