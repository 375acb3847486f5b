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
  email_verified: out.boolean("whether the address is verified (a JWT carries it as issued)"),
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
  counts: out.array(out.json("one row: day, kind, reason, client, count")),
  counts_truncated: out.boolean(),
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
