/**
 * The request bodies and queries of the routes, declared once (see
 * ../http/schema.ts): routes.ts attaches them to the route declarations,
 * which validate requests with them, the OpenAPI document describes them,
 * and `hybrid-auth/client` types its methods with them.
 */
import { LIMITS } from "../http/fields";
import { custom, flag, object, optional, queryInteger, text } from "../http/schema";
import type { Infer } from "../http/schema";
import { REFRESH_DELIVERY_FIELD } from "../browser/delivery";
import { AUTHENTICATION_RESPONSE_SCHEMA, MAX_LABEL_LENGTH, REGISTRATION_RESPONSE_SCHEMA, parseAuthenticationResponse, parseRegistrationResponse } from "../passkeys/input";

/**
 * Deliberately loose: one @, something before it, a dotted domain after it,
 * no white space. Deliverability is for a confirmation mail.
 */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A new account's email: trimmed and lower-cased, then checked. */
export const EMAIL = /* @__PURE__ */ text({
  description: "stored trimmed and lower-cased",
  trim: true,
  lowercase: true,
  minLength: 1,
  maxLength: LIMITS.emailMaxLength,
  noControls: true,
  pattern: EMAIL_PATTERN,
  patternMessage: "email is not a valid address",
  format: "email",
  examples: ["ada@example.com"],
});

/** A new password: used exactly as given (no trimming, no normalisation). */
export const NEW_PASSWORD = /* @__PURE__ */ text({
  description: "used exactly as given; lengths count code points",
  minLength: LIMITS.passwordMinLength,
  maxLength: LIMITS.passwordMaxLength,
});

export const NAME = /* @__PURE__ */ text({ description: "display name, trimmed", trim: true, minLength: 1, maxLength: LIMITS.nameMaxLength, noControls: true });

/**
 * At login only the upper bounds are enforced (to bound the work); a short
 * or malformed one simply matches no account.
 */
export const LOGIN_EMAIL = /* @__PURE__ */ text({ description: "the account's email (compared trimmed and lower-cased)", trim: true, lowercase: true, maxLength: LIMITS.emailMaxLength });
export const LOGIN_PASSWORD = /* @__PURE__ */ text({ description: "the account's password", maxLength: LIMITS.passwordMaxLength });

export const REGISTER_BODY = /* @__PURE__ */ object({ email: EMAIL, password: NEW_PASSWORD, name: NAME });
/** "Remember me" (issue 14 §5): absent = the long lifetime, as before it existed. */
export const REMEMBER = /* @__PURE__ */ optional(/* @__PURE__ */ flag("false: the short lifetime (a shared computer); absent or true: the long one"), true);

export const LOGIN_BODY = /* @__PURE__ */ object({ email: LOGIN_EMAIL, password: LOGIN_PASSWORD, remember: REMEMBER, refresh: REFRESH_DELIVERY_FIELD });
export const REFRESH_BODY = /* @__PURE__ */ object({
  // Optional: in cookie mode the refresh cookie carries it (browser/cookies.ts); without the cookie the handler requires it.
  refresh_token: optional<string | undefined>(/* @__PURE__ */ text({ description: "the newest refresh token this client holds (its shape is checked after the rate limit); omitted in cookie mode, where the refresh cookie carries it" }), undefined),
});
export const PASSKEY_LOGIN_VERIFY_BODY = /* @__PURE__ */ object({
  response: /* @__PURE__ */ custom(AUTHENTICATION_RESPONSE_SCHEMA, parseAuthenticationResponse),
  remember: REMEMBER,
  refresh: REFRESH_DELIVERY_FIELD,
});
/** A passkey's name as the user chose it: trimmed, 1-64 characters, no control characters. */
const PASSKEY_LABEL = /* @__PURE__ */ text({ description: "the user's name for this passkey", trim: true, minLength: 1, maxLength: MAX_LABEL_LENGTH, noControls: true });
export const PASSKEY_REGISTER_VERIFY_BODY = /* @__PURE__ */ object({
  response: /* @__PURE__ */ custom(REGISTRATION_RESPONSE_SCHEMA, parseRegistrationResponse),
  label: /* @__PURE__ */ optional(PASSKEY_LABEL, "Passkey"),
});
export const PASSKEY_RENAME_BODY = /* @__PURE__ */ object({ label: PASSKEY_LABEL });
export const USAGE_QUERY = /* @__PURE__ */ object({
  days: /* @__PURE__ */ optional(/* @__PURE__ */ queryInteger({ description: "days of history, today included", minimum: 1, maximum: 366 }), 30),
});

// Issue 14: the account routes.

/** The current password, to prove it: only its length is bounded (a wrong one is 403 invalid_current_password). */
export const CURRENT_PASSWORD = /* @__PURE__ */ text({ description: "the account's current password", maxLength: LIMITS.passwordMaxLength });

export const CHANGE_PASSWORD_BODY = /* @__PURE__ */ object({
  current_password: CURRENT_PASSWORD,
  new_password: NEW_PASSWORD,
  revoke_other_logins: /* @__PURE__ */ optional(/* @__PURE__ */ flag("true (default): every other login of the user ends; false: they are kept. The current one is always kept."), true),
});

/**
 * The token of an email link (reset, verification, change of address): a
 * string. Its shape (43 base64url characters) is the handler's check, so a
 * malformed token answers 400 invalid_email_token like an unknown one, and
 * costs no query (lifecycle/emailTokens.ts checkEmailToken).
 */
export const EMAIL_LINK_TOKEN = /* @__PURE__ */ text({
  description: "the token from the email link's #fragment (43 base64url characters); a malformed, unknown, used or expired one is 400 invalid_email_token, email_token_used or email_token_expired",
});

export const PASSWORD_RESET_REQUEST_BODY = /* @__PURE__ */ object({ email: EMAIL });
export const PASSWORD_RESET_COMPLETE_BODY = /* @__PURE__ */ object({ token: EMAIL_LINK_TOKEN, password: NEW_PASSWORD });
/** POST /email/verify and POST /email/change/confirm. */
export const EMAIL_TOKEN_BODY = /* @__PURE__ */ object({ token: EMAIL_LINK_TOKEN });
export const EMAIL_CHANGE_BODY = /* @__PURE__ */ object({ email: EMAIL });
export const DEV_MAILBOX_QUERY = /* @__PURE__ */ object({
  format: optional<string | undefined>(/* @__PURE__ */ text({ description: "`json`: the messages as JSON; absent or anything else: an HTML page with clickable links" }), undefined),
});

export type RegisterBody = Infer<typeof REGISTER_BODY>;
export type LoginBody = Infer<typeof LOGIN_BODY>;
export type RefreshBody = Infer<typeof REFRESH_BODY>;
export type UsageQuery = Infer<typeof USAGE_QUERY>;
export type ChangePasswordBody = Infer<typeof CHANGE_PASSWORD_BODY>;
export type PasskeyRenameBody = Infer<typeof PASSKEY_RENAME_BODY>;
export type PasswordResetRequestBody = Infer<typeof PASSWORD_RESET_REQUEST_BODY>;
export type PasswordResetCompleteBody = Infer<typeof PASSWORD_RESET_COMPLETE_BODY>;
export type EmailTokenBody = Infer<typeof EMAIL_TOKEN_BODY>;
export type EmailChangeBody = Infer<typeof EMAIL_CHANGE_BODY>;
export type DevMailboxQuery = Infer<typeof DEV_MAILBOX_QUERY>;
