/**
 * The success answers of the routes, declared once as shapes (see
 * ../http/schema.ts `out`): the OpenAPI document shows their JSON Schema and
 * `hybrid-auth/client` returns their types. The server's own types for these
 * answers (LoginResponse, ...) are these shapes' types, so a handler that
 * answered something else would not compile.
 */
import { out } from "../http/schema";
import type { Infer } from "../http/schema";

const unixSeconds = (what: string) => out.integer(`${what}, Unix seconds`);

export const PUBLIC_USER = out.object({ id: out.string("user ID (UUID)"), email: out.string(), name: out.string() });
export const TOKEN_TYPE = out.literal("jwt", "session");

/** POST /login, POST /passkey/login/verify and POST /refresh. */
export const LOGIN_RESPONSE = out.object(
  { token: out.string("the access token: send it as `Authorization: Bearer <token>`"), token_type: TOKEN_TYPE, expires_at: unixSeconds("when the token expires"), user: PUBLIC_USER },
  {
    refresh_token: out.string("JWT mode: the opaque token for POST /refresh (single use, rotated)"),
    refresh_expires_at: unixSeconds("when the refresh token expires"),
    refresh: out.literal("cookie"),
  },
);

export const REGISTER_RESPONSE = out.object({
  user: out.object({ id: out.string(), email: out.string(), name: out.string(), created_at: unixSeconds("creation time") }),
});

export const ME_RESPONSE = out.object({
  user: PUBLIC_USER,
  token_type: TOKEN_TYPE,
  expires_at: unixSeconds("when the presented token expires"),
  email_verified: out.nullable(out.boolean("whether the address is verified (a JWT carries it as issued); null: unknown (a JWT issued without the claim)")),
});

export const LOGOUT_RESPONSE = out.object(
  { logged_out: out.literal(true), token_type: TOKEN_TYPE, revoked: out.boolean("whether the token stopped working server-side") },
  { refresh_family_revoked: out.boolean(), message: out.string() },
);

export const LOGOUT_ALL_RESPONSE = out.object({
  logged_out: out.literal(true),
  sessions_ended: out.integer(),
  refresh_families_revoked: out.integer(),
  not_before_ms: out.integer("tokens issued before this time (Unix ms) are refused"),
  passkeys: out.integer("passkeys survive logout-all: how many the account still has"),
});

export const USAGE_RESPONSE = out.object({
  since: out.string("first UTC day of the report (YYYY-MM-DD)"),
  days: out.integer(),
  totals: out.record(out.integer(), "authentications by kind (`failed:<reason>` for failures)"),
  session_clients: out.array(out.object({ client: out.string(), count: out.integer(), last_seen: out.integer() })),
  counts: out.array(
    out.object({
      day: out.string("UTC day (YYYY-MM-DD)"),
      kind: out.string("jwt, session, refresh or failed"),
      reason: out.string("why it failed ('' for successes)"),
      client: out.string("`id:<X-Client-Id>` or `ua:<User-Agent family>`"),
      count: out.integer(),
      last_seen: unixSeconds("the latest one"),
    }),
    "detail rows, at most 5000 (see counts_truncated)",
  ),
  counts_truncated: out.boolean(),
  legacy_jwt: out.object({
    accepted: out.boolean("whether seed-era JWTs (no typ/iss/aud) are still accepted (ACCEPT_LEGACY_JWT / acceptLegacyTokens)"),
    count: out.integer("seed-era JWTs accepted in the period (also counted under totals.jwt)"),
    last_seen: out.nullable(unixSeconds("the latest one; null when none")),
  }),
  series: out.array(
    out.object({
      day: out.string("UTC day (YYYY-MM-DD)"),
      jwt: out.integer("successful JWT authentications"),
      session: out.integer("successful session-token authentications"),
      refresh: out.integer("refresh-token rotations"),
      failed: out.integer("failed authentications"),
      session_share: out.nullable(out.number("session / (jwt + session); null on a day without successful token authentications")),
    }),
    "one point per day of the report, oldest first, days without traffic included (zeros)",
  ),
  phase3: out.object(
    {
      ready: out.boolean("whether session tokens can be switched off"),
      threshold: out.number("the session share each day must stay below"),
      required_days: out.integer("consecutive days needed (PHASE3_READY_DAYS)"),
      consecutive_days: out.integer("consecutive days up to the latest one with traffic that were below the threshold"),
      latest_day: out.nullable(out.string("the latest day with traffic")),
      latest_share: out.nullable(out.number("that day's session share")),
      statement: out.string("the verdict in one plain sentence"),
    },
    {},
    "the phase-3 readiness signal",
  ),
});

export const PASSKEY_OPTIONS_RESPONSE = out.object({
  options: out.json("WebAuthn options JSON for @simplewebauthn/browser ({optionsJSON})"),
  expires_at: unixSeconds("when the challenge expires"),
});

export const PUBLIC_PASSKEY = out.object({
  id: out.string(),
  label: out.string(),
  transports: out.array(out.string()),
  device_type: out.string(),
  backed_up: out.boolean(),
  created_at: unixSeconds("when it was added"),
  last_used_at: out.nullable(unixSeconds("when it last signed in")),
});
export const PASSKEY_CREATED_RESPONSE = out.object({ passkey: PUBLIC_PASSKEY });
export const PASSKEY_LIST_RESPONSE = out.object({ passkeys: out.array(PUBLIC_PASSKEY, "oldest first") });
export const PASSKEY_DELETED_RESPONSE = out.object({ deleted: out.literal(true), id: out.string() });
export const PASSKEY_RENAMED_RESPONSE = out.object({ passkey: PUBLIC_PASSKEY });

/** POST /register while email verification is on (REQUIRE_EMAIL_VERIFICATION): 202, the same body for a new and a taken address. */
export const REGISTRATION_PENDING_RESPONSE = out.object({
  verification_sent: out.literal(true),
  email: out.string("the address the link went to"),
  message: out.string(),
});

// Issue 14: the account routes.

const LOGIN_KIND = out.literal("jwt", "session");

/** One login in GET /sessions (lifecycle/sessions.ts loginView). */
export const LOGIN_VIEW = out.object({
  id: out.string("the login's id: a refresh family (JWT mode) or a session"),
  kind: LOGIN_KIND,
  current: out.boolean("the login this request was made with"),
  created_at: unixSeconds("when it signed in"),
  last_used_at: unixSeconds("its latest login or refresh"),
  expires_at: unixSeconds("when it ends at the latest"),
  user_agent: out.nullable(out.string("User-Agent family (chrome, firefox, curl, ...)")),
  location: out.nullable(
    out.object({ country: out.string(), region: out.nullable(out.string()), city: out.nullable(out.string()) }, {}, "coarse location from Cloudflare's request.cf"),
  ),
  remember: out.boolean("the long lifetime (true) or the short one"),
});
export const SESSIONS_RESPONSE = out.object({ sessions: out.array(LOGIN_VIEW, "live logins, the current one first") });
export const SESSION_REVOKED_RESPONSE = out.object({
  revoked: out.literal(true),
  id: out.string(),
  kind: LOGIN_KIND,
  current: out.boolean("it was the login this request was made with"),
});
const ENDED = out.array(out.string(), "ids of the logins that ended");
export const REVOKE_OTHERS_RESPONSE = out.object({ revoked: out.integer("how many logins ended"), ended: ENDED });
export const CHANGE_PASSWORD_RESPONSE = out.object({ password_changed: out.literal(true), revoked_other_logins: out.boolean(), ended: ENDED });
export const PASSWORD_RESET_REQUESTED_RESPONSE = out.object({ accepted: out.literal(true), message: out.string("the same whether or not an account has the address") });
export const PASSWORD_RESET_RESPONSE = out.object({
  password_reset: out.literal(true),
  email: out.string("the account's address"),
  sessions_ended: out.integer(),
  refresh_families_revoked: out.integer(),
});
export const EMAIL_VERIFIED_RESPONSE = out.object({ email_verified: out.literal(true), email: out.string() });
export const VERIFICATION_SENT_RESPONSE = out.object({ sent: out.literal(true), email_verified: out.literal(false) });
export const ALREADY_VERIFIED_RESPONSE = out.object({ sent: out.literal(false), email_verified: out.literal(true) });
export const EMAIL_CHANGE_PENDING_RESPONSE = out.object({ pending: out.literal(true), email: out.string("the new address, not yet the account's"), message: out.string() });
export const EMAIL_CHANGED_RESPONSE = out.object({ email_changed: out.literal(true), email: out.string("the account's address now") });
export const DEV_MAILBOX_RESPONSE = out.object({
  messages: out.array(
    out.object({
      id: out.integer(),
      sentAt: out.integer("Unix milliseconds"),
      to: out.string(),
      subject: out.string(),
      text: out.string(),
      html: out.string(),
    }),
    "newest first",
  ),
});

/** Every error: `{error: {code, message}}`; the codes are js/README.md's error table. */
export const ERROR_RESPONSE = out.object({
  error: out.object({ code: out.string("stable error code (js/README.md, Errors)"), message: out.string("for people; may change") }),
});

export type LoginResponseBody = Infer<typeof LOGIN_RESPONSE>;
export type RegisterResponseBody = Infer<typeof REGISTER_RESPONSE>;
export type MeResponseBody = Infer<typeof ME_RESPONSE>;
export type LogoutResponseBody = Infer<typeof LOGOUT_RESPONSE>;
export type LogoutAllResponseBody = Infer<typeof LOGOUT_ALL_RESPONSE>;
export type UsageResponseBody = Infer<typeof USAGE_RESPONSE>;
export type PasskeyOptionsResponseBody = Infer<typeof PASSKEY_OPTIONS_RESPONSE>;
export type PublicPasskeyBody = Infer<typeof PUBLIC_PASSKEY>;
export type PasskeyCreatedResponseBody = Infer<typeof PASSKEY_CREATED_RESPONSE>;
export type PasskeyListResponseBody = Infer<typeof PASSKEY_LIST_RESPONSE>;
export type PasskeyDeletedResponseBody = Infer<typeof PASSKEY_DELETED_RESPONSE>;
export type PasskeyRenamedResponseBody = Infer<typeof PASSKEY_RENAMED_RESPONSE>;
export type RegistrationPendingResponseBody = Infer<typeof REGISTRATION_PENDING_RESPONSE>;
export type LoginViewBody = Infer<typeof LOGIN_VIEW>;
export type SessionsResponseBody = Infer<typeof SESSIONS_RESPONSE>;
export type SessionRevokedResponseBody = Infer<typeof SESSION_REVOKED_RESPONSE>;
export type RevokeOthersResponseBody = Infer<typeof REVOKE_OTHERS_RESPONSE>;
export type ChangePasswordResponseBody = Infer<typeof CHANGE_PASSWORD_RESPONSE>;
export type PasswordResetRequestedResponseBody = Infer<typeof PASSWORD_RESET_REQUESTED_RESPONSE>;
export type PasswordResetResponseBody = Infer<typeof PASSWORD_RESET_RESPONSE>;
export type EmailVerifiedResponseBody = Infer<typeof EMAIL_VERIFIED_RESPONSE>;
export type VerificationResendResponseBody = Infer<typeof VERIFICATION_SENT_RESPONSE> | Infer<typeof ALREADY_VERIFIED_RESPONSE>;
export type EmailChangePendingResponseBody = Infer<typeof EMAIL_CHANGE_PENDING_RESPONSE>;
export type EmailChangedResponseBody = Infer<typeof EMAIL_CHANGED_RESPONSE>;
export type DevMailboxResponseBody = Infer<typeof DEV_MAILBOX_RESPONSE>;
