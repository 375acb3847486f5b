/**
 * The success answers of the routes, declared once as shapes (see
 * ../http/schema.ts `out`): the OpenAPI document shows their JSON Schema and
 * `hybrid-auth/client` returns their types. The server's own types for these
 * answers (LoginResponse, ...) are these shapes' types, so a handler that
 * answered something else would not compile.
 */
import { out } from "../http/schema";
import type { Infer } from "../http/schema";

const unixSeconds = (what: string) => /* @__PURE__ */ out.integer(`${what}, Unix seconds`);

export const PUBLIC_USER = /* @__PURE__ */ out.object({ id: /* @__PURE__ */ out.string("user ID (UUID)"), email: /* @__PURE__ */ out.string(), name: /* @__PURE__ */ out.string() });
export const TOKEN_TYPE = /* @__PURE__ */ out.literal("jwt", "session");

/** POST /login, POST /passkey/login/verify and POST /refresh. */
export const LOGIN_RESPONSE = /* @__PURE__ */ out.object(
  { token: /* @__PURE__ */ out.string("the access token: send it as `Authorization: Bearer <token>`"), token_type: TOKEN_TYPE, expires_at: /* @__PURE__ */ unixSeconds("when the token expires"), user: PUBLIC_USER },
  {
    refresh_token: /* @__PURE__ */ out.string("JWT mode: the opaque token for POST /refresh (single use, rotated)"),
    refresh_expires_at: /* @__PURE__ */ unixSeconds("when the refresh token expires"),
    refresh: /* @__PURE__ */ out.literal("cookie"),
  },
);

export const REGISTER_RESPONSE = /* @__PURE__ */ out.object({
  user: /* @__PURE__ */ out.object({ id: /* @__PURE__ */ out.string(), email: /* @__PURE__ */ out.string(), name: /* @__PURE__ */ out.string(), created_at: /* @__PURE__ */ unixSeconds("creation time") }),
});

export const ME_RESPONSE = /* @__PURE__ */ out.object({
  user: PUBLIC_USER,
  token_type: TOKEN_TYPE,
  expires_at: /* @__PURE__ */ unixSeconds("when the presented token expires"),
  email_verified: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.boolean("whether the address is verified (a JWT carries it as issued); null: unknown (a JWT issued without the claim)")),
});

export const LOGOUT_RESPONSE = /* @__PURE__ */ out.object(
  { logged_out: /* @__PURE__ */ out.literal(true), token_type: TOKEN_TYPE, revoked: /* @__PURE__ */ out.boolean("whether the token stopped working server-side") },
  { refresh_family_revoked: /* @__PURE__ */ out.boolean(), message: /* @__PURE__ */ out.string() },
);

export const LOGOUT_ALL_RESPONSE = /* @__PURE__ */ out.object({
  logged_out: /* @__PURE__ */ out.literal(true),
  sessions_ended: /* @__PURE__ */ out.integer(),
  refresh_families_revoked: /* @__PURE__ */ out.integer(),
  not_before_ms: /* @__PURE__ */ out.integer("tokens issued before this time (Unix ms) are refused"),
  passkeys: /* @__PURE__ */ out.integer("passkeys survive logout-all: how many the account still has"),
});

export const USAGE_RESPONSE = /* @__PURE__ */ out.object({
  since: /* @__PURE__ */ out.string("first UTC day of the report (YYYY-MM-DD)"),
  days: /* @__PURE__ */ out.integer(),
  totals: /* @__PURE__ */ out.record(/* @__PURE__ */ out.integer(), "authentications by kind (`failed:<reason>` for failures)"),
  session_clients: /* @__PURE__ */ out.array(/* @__PURE__ */ out.object({ client: /* @__PURE__ */ out.string(), count: /* @__PURE__ */ out.integer(), last_seen: /* @__PURE__ */ out.integer() })),
  counts: /* @__PURE__ */ out.array(
    /* @__PURE__ */ out.object({
      day: /* @__PURE__ */ out.string("UTC day (YYYY-MM-DD)"),
      kind: /* @__PURE__ */ out.string("jwt, session, refresh or failed"),
      reason: /* @__PURE__ */ out.string("why it failed ('' for successes)"),
      client: /* @__PURE__ */ out.string("`id:<X-Client-Id>` or `ua:<User-Agent family>`"),
      count: /* @__PURE__ */ out.integer(),
      last_seen: /* @__PURE__ */ unixSeconds("the latest one"),
    }),
    "detail rows, at most 5000 (see counts_truncated)",
  ),
  counts_truncated: /* @__PURE__ */ out.boolean(),
  legacy_jwt: /* @__PURE__ */ out.object({
    accepted: /* @__PURE__ */ out.boolean("whether seed-era JWTs (no typ/iss/aud) are still accepted (ACCEPT_LEGACY_JWT / acceptLegacyTokens)"),
    count: /* @__PURE__ */ out.integer("seed-era JWTs accepted in the period (also counted under totals.jwt)"),
    last_seen: /* @__PURE__ */ out.nullable(/* @__PURE__ */ unixSeconds("the latest one; null when none")),
  }),
  series: /* @__PURE__ */ out.array(
    /* @__PURE__ */ out.object({
      day: /* @__PURE__ */ out.string("UTC day (YYYY-MM-DD)"),
      jwt: /* @__PURE__ */ out.integer("successful JWT authentications"),
      session: /* @__PURE__ */ out.integer("successful session-token authentications"),
      refresh: /* @__PURE__ */ out.integer("refresh-token rotations"),
      failed: /* @__PURE__ */ out.integer("failed authentications"),
      session_share: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.number("session / (jwt + session); null on a day without successful token authentications")),
    }),
    "one point per day of the report, oldest first, days without traffic included (zeros)",
  ),
  phase3: /* @__PURE__ */ out.object(
    {
      ready: /* @__PURE__ */ out.boolean("whether session tokens can be switched off"),
      threshold: /* @__PURE__ */ out.number("the session share each day must stay below"),
      required_days: /* @__PURE__ */ out.integer("consecutive days needed (PHASE3_READY_DAYS)"),
      consecutive_days: /* @__PURE__ */ out.integer("consecutive days up to the latest one with traffic that were below the threshold"),
      latest_day: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.string("the latest day with traffic")),
      latest_share: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.number("that day's session share")),
      statement: /* @__PURE__ */ out.string("the verdict in one plain sentence"),
    },
    {},
    "the phase-3 readiness signal",
  ),
});

export const PASSKEY_OPTIONS_RESPONSE = /* @__PURE__ */ out.object({
  options: /* @__PURE__ */ out.json("WebAuthn options JSON for @simplewebauthn/browser ({optionsJSON})"),
  expires_at: /* @__PURE__ */ unixSeconds("when the challenge expires"),
});

export const PUBLIC_PASSKEY = /* @__PURE__ */ out.object({
  id: /* @__PURE__ */ out.string(),
  label: /* @__PURE__ */ out.string(),
  transports: /* @__PURE__ */ out.array(/* @__PURE__ */ out.string()),
  device_type: /* @__PURE__ */ out.string(),
  backed_up: /* @__PURE__ */ out.boolean(),
  created_at: /* @__PURE__ */ unixSeconds("when it was added"),
  last_used_at: /* @__PURE__ */ out.nullable(/* @__PURE__ */ unixSeconds("when it last signed in")),
});
export const PASSKEY_CREATED_RESPONSE = /* @__PURE__ */ out.object({ passkey: PUBLIC_PASSKEY });
export const PASSKEY_LIST_RESPONSE = /* @__PURE__ */ out.object({ passkeys: /* @__PURE__ */ out.array(PUBLIC_PASSKEY, "oldest first") });
export const PASSKEY_DELETED_RESPONSE = /* @__PURE__ */ out.object({ deleted: /* @__PURE__ */ out.literal(true), id: /* @__PURE__ */ out.string() });
export const PASSKEY_RENAMED_RESPONSE = /* @__PURE__ */ out.object({ passkey: PUBLIC_PASSKEY });

/** POST /register while email verification is on (REQUIRE_EMAIL_VERIFICATION): 202, the same body for a new and a taken address. */
export const REGISTRATION_PENDING_RESPONSE = /* @__PURE__ */ out.object({
  verification_sent: /* @__PURE__ */ out.literal(true),
  email: /* @__PURE__ */ out.string("the address the link went to"),
  message: /* @__PURE__ */ out.string(),
});

// Issue 14: the account routes.

const LOGIN_KIND = /* @__PURE__ */ out.literal("jwt", "session");

/** One login in GET /sessions (lifecycle/sessions.ts loginView). */
export const LOGIN_VIEW = /* @__PURE__ */ out.object({
  id: /* @__PURE__ */ out.string("the login's id: a refresh family (JWT mode) or a session"),
  kind: LOGIN_KIND,
  current: /* @__PURE__ */ out.boolean("the login this request was made with"),
  created_at: /* @__PURE__ */ unixSeconds("when it signed in"),
  last_used_at: /* @__PURE__ */ unixSeconds("its latest login or refresh"),
  expires_at: /* @__PURE__ */ unixSeconds("when it ends at the latest"),
  user_agent: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.string("User-Agent family (chrome, firefox, curl, ...)")),
  location: /* @__PURE__ */ out.nullable(
    /* @__PURE__ */ out.object({ country: /* @__PURE__ */ out.string(), region: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.string()), city: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.string()) }, {}, "coarse location from Cloudflare's request.cf"),
  ),
  remember: /* @__PURE__ */ out.boolean("the long lifetime (true) or the short one"),
  mfa: /* @__PURE__ */ out.boolean("whether the login used a second factor"),
  second_factor: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.literal("totp", "recovery_code", "user_verification")),
  method: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.string('how it signed in: "password", "passkey" or "social:<provider>" (the provider); null for logins older than migration 0011')),
});
export const SESSIONS_RESPONSE = /* @__PURE__ */ out.object({ sessions: /* @__PURE__ */ out.array(LOGIN_VIEW, "live logins, the current one first") });
export const SESSION_REVOKED_RESPONSE = /* @__PURE__ */ out.object({
  revoked: /* @__PURE__ */ out.literal(true),
  id: /* @__PURE__ */ out.string(),
  kind: LOGIN_KIND,
  current: /* @__PURE__ */ out.boolean("it was the login this request was made with"),
});
const ENDED = /* @__PURE__ */ out.array(/* @__PURE__ */ out.string(), "ids of the logins that ended");
export const REVOKE_OTHERS_RESPONSE = /* @__PURE__ */ out.object({ revoked: /* @__PURE__ */ out.integer("how many logins ended"), ended: ENDED });
export const CHANGE_PASSWORD_RESPONSE = /* @__PURE__ */ out.object({ password_changed: /* @__PURE__ */ out.literal(true), revoked_other_logins: /* @__PURE__ */ out.boolean(), ended: ENDED });
export const PASSWORD_RESET_REQUESTED_RESPONSE = /* @__PURE__ */ out.object({ accepted: /* @__PURE__ */ out.literal(true), message: /* @__PURE__ */ out.string("the same whether or not an account has the address") });
export const PASSWORD_RESET_RESPONSE = /* @__PURE__ */ out.object({
  password_reset: /* @__PURE__ */ out.literal(true),
  email: /* @__PURE__ */ out.string("the account's address"),
  sessions_ended: /* @__PURE__ */ out.integer(),
  refresh_families_revoked: /* @__PURE__ */ out.integer(),
});
export const EMAIL_VERIFIED_RESPONSE = /* @__PURE__ */ out.object({ email_verified: /* @__PURE__ */ out.literal(true), email: /* @__PURE__ */ out.string() });
export const VERIFICATION_SENT_RESPONSE = /* @__PURE__ */ out.object({ sent: /* @__PURE__ */ out.literal(true), email_verified: /* @__PURE__ */ out.literal(false) });
export const ALREADY_VERIFIED_RESPONSE = /* @__PURE__ */ out.object({ sent: /* @__PURE__ */ out.literal(false), email_verified: /* @__PURE__ */ out.literal(true) });
export const EMAIL_CHANGE_PENDING_RESPONSE = /* @__PURE__ */ out.object({ pending: /* @__PURE__ */ out.literal(true), email: /* @__PURE__ */ out.string("the new address, not yet the account's"), message: /* @__PURE__ */ out.string() });
export const EMAIL_CHANGED_RESPONSE = /* @__PURE__ */ out.object({ email_changed: /* @__PURE__ */ out.literal(true), email: /* @__PURE__ */ out.string("the account's address now") });
export const DEV_MAILBOX_RESPONSE = /* @__PURE__ */ out.object({
  messages: /* @__PURE__ */ out.array(
    /* @__PURE__ */ out.object({
      id: /* @__PURE__ */ out.integer(),
      sentAt: /* @__PURE__ */ out.integer("Unix milliseconds"),
      to: /* @__PURE__ */ out.string(),
      subject: /* @__PURE__ */ out.string(),
      text: /* @__PURE__ */ out.string(),
      html: /* @__PURE__ */ out.string(),
    }),
    "newest first",
  ),
});

/** Every error: `{error: {code, message}}`; the codes are js/README.md's error table. */
export const PLUGINS_RESPONSE = /* @__PURE__ */ out.object({
  plugins: /* @__PURE__ */ out.array(
    /* @__PURE__ */ out.object({
      id: /* @__PURE__ */ out.string("the plugin's id, e.g. passkeys"),
      routes: /* @__PURE__ */ out.array(/* @__PURE__ */ out.object({ method: /* @__PURE__ */ out.string(), path: /* @__PURE__ */ out.string("relative to the mount point") }), "the routes it adds"),
      facts: /* @__PURE__ */ out.json("its public settings (never a secret), e.g. the passkeys' rpId"),
    }),
    "in mount order",
  ),
});
export const ERROR_RESPONSE = /* @__PURE__ */ out.object({
  error: /* @__PURE__ */ out.object({ code: /* @__PURE__ */ out.string("stable error code (js/README.md, Errors)"), message: /* @__PURE__ */ out.string("for people; may change") }),
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
/** GET /.well-known/jwks.json (issue 24): the public keys of EdDSA access tokens. */
export const JWKS_RESPONSE = /* @__PURE__ */ out.object({
  keys: /* @__PURE__ */ out.array(
    /* @__PURE__ */ out.object({
      kty: /* @__PURE__ */ out.literal("OKP"),
      crv: /* @__PURE__ */ out.literal("Ed25519"),
      x: /* @__PURE__ */ out.string("the public key, base64url (RFC 8037)"),
      kid: /* @__PURE__ */ out.string("the key id token headers name"),
      alg: /* @__PURE__ */ out.literal("EdDSA"),
      use: /* @__PURE__ */ out.literal("sig"),
    }),
    "every key that signs or may still verify; empty when tokens are HS256",
  ),
});
export type JwksResponseBody = Infer<typeof JWKS_RESPONSE>;
export type PluginsResponseBody = Infer<typeof PLUGINS_RESPONSE>;
