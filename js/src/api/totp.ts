/**
 * The totp plugin's bodies and answers (issue 21), in their own file so an
 * adopter who does not mount the plugin does not bundle them.
 */
import { object, optional, text } from "../http/schema";
import type { Infer } from "../http/schema";
import { out } from "../http/schema";

const CODE = /* @__PURE__ */ text({ description: "the 6-digit code the authenticator app shows", trim: true, pattern: /^[0-9]{6}$/, patternMessage: "code must be 6 digits", examples: ["123456"] });

export const TOTP_CONFIRM_BODY = /* @__PURE__ */ object({ code: CODE });
export const TOTP_VERIFY_BODY = /* @__PURE__ */ object({
  ticket: /* @__PURE__ */ text({ description: "the ticket of the password login's mfa_required answer", minLength: 1, maxLength: 128 }),
  code: /* @__PURE__ */ optional<string | undefined>(CODE, undefined),
  recovery_code: /* @__PURE__ */ optional<string | undefined>(/* @__PURE__ */ text({ description: "instead of code: one of the recovery codes (single use)", minLength: 1, maxLength: 64 }), undefined),
});

const RECOVERY_CODES = /* @__PURE__ */ out.array(/* @__PURE__ */ out.string(), "10 single-use codes, shown this once (only their hashes are kept)");

/** The answer of a password login held back for the code (it replaces POST /login's). */
export const MFA_REQUIRED_RESPONSE = /* @__PURE__ */ out.object({
  mfa_required: /* @__PURE__ */ out.literal(true),
  ticket: /* @__PURE__ */ out.string("single use: send it with the code to POST /totp/verify"),
  expires_at: /* @__PURE__ */ out.integer("when the ticket dies, Unix seconds"),
});
export const TOTP_ENROLL_RESPONSE = /* @__PURE__ */ out.object({
  secret: /* @__PURE__ */ out.string("the shared secret, base32 (shown once; type it into the app, or scan the URI)"),
  uri: /* @__PURE__ */ out.string("the otpauth:// URI (the QR code's content)"),
  issuer: /* @__PURE__ */ out.string(),
  digits: /* @__PURE__ */ out.integer(),
  period: /* @__PURE__ */ out.integer("seconds"),
  algorithm: /* @__PURE__ */ out.literal("SHA1"),
});
export const TOTP_CONFIRMED_RESPONSE = /* @__PURE__ */ out.object({
  enabled: /* @__PURE__ */ out.literal(true),
  recovery_codes: RECOVERY_CODES,
  revoked_other_logins: /* @__PURE__ */ out.integer("how many other logins ended"),
});
export const TOTP_RECOVERY_CODES_RESPONSE = /* @__PURE__ */ out.object({ recovery_codes: RECOVERY_CODES });
export const TOTP_STATUS_RESPONSE = /* @__PURE__ */ out.object({
  enabled: /* @__PURE__ */ out.boolean(),
  recovery_codes_left: /* @__PURE__ */ out.integer("unused recovery codes (0 when off)"),
});
export const TOTP_DISABLED_RESPONSE = /* @__PURE__ */ out.object({ enabled: /* @__PURE__ */ out.literal(false) });

export type TotpConfirmBody = Infer<typeof TOTP_CONFIRM_BODY>;
export type TotpVerifyBody = Infer<typeof TOTP_VERIFY_BODY>;
export type MfaRequiredResponseBody = Infer<typeof MFA_REQUIRED_RESPONSE>;
export type TotpEnrollResponseBody = Infer<typeof TOTP_ENROLL_RESPONSE>;
export type TotpConfirmedResponseBody = Infer<typeof TOTP_CONFIRMED_RESPONSE>;
export type TotpRecoveryCodesResponseBody = Infer<typeof TOTP_RECOVERY_CODES_RESPONSE>;
export type TotpStatusResponseBody = Infer<typeof TOTP_STATUS_RESPONSE>;
export type TotpDisabledResponseBody = Infer<typeof TOTP_DISABLED_RESPONSE>;
