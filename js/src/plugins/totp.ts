/**
 * `totp(options)`: a second factor (issue 21), RFC 6238 codes from an
 * authenticator app, with 10 single-use recovery codes. Enrolment, new
 * recovery codes and disabling need sudo mode. A password login of an
 * enrolled user answers {mfa_required, ticket, expires_at} instead of tokens
 * (PluginHooks.secondFactor), and POST /totp/verify exchanges the ticket and
 * a code for the usual login answer; a passkey login with user verification
 * needs no code.
 *
 * Options: TotpOptions, or a function of the env such as `totpOptionsFromEnv`
 * (TOTP_ISSUER). Tables: migration 0009.
 */
import { MFA_REQUIRED_RESPONSE, TOTP_CONFIRMED_RESPONSE, TOTP_CONFIRM_BODY, TOTP_DISABLED_RESPONSE, TOTP_ENROLL_RESPONSE, TOTP_RECOVERY_CODES_RESPONSE, TOTP_STATUS_RESPONSE, TOTP_VERIFY_BODY } from "../api/totp";
import { LOGIN_RESPONSE } from "../api/responses";
import { deleteExpiredChunk } from "../db";
import { confirmTotp, disableTotpRoute, enrollTotp, holdLoginForCode, regenerateRecoveryCodes, totpStatus, verifyTotpLogin } from "../endpoints/v3/totp";
import { resolveTotpOptions } from "../lifecycle/totp";
import type { TotpOptions } from "../lifecycle/totp";
import type { AuthPlugin, PluginOptionsInput } from "../plugin";
import { optionsFor } from "../plugin";
import { defineRoute, ok } from "../routes";

export { totpOptionsFromEnv } from "../lifecycle/totp";
export type { TotpOptions };
export type * from "../api/totp";

export function totp(options: PluginOptionsInput<TotpOptions> = {}): AuthPlugin<"totp"> {
  // A static object is checked now, so a mistake throws where the plugin is made.
  const fixed = typeof options === "function" ? null : resolveTotpOptions(options);
  return {
    id: "totp",
    tables: ["totp_credentials", "totp_recovery_codes", "totp_tickets"],
    routes: [
      defineRoute({ method: "GET", path: "/totp", guard: "auth", summary: "whether the user's second factor is on, and the recovery codes left", response: ok(TOTP_STATUS_RESPONSE, "the state"), handler: totpStatus }),
      defineRoute({ method: "POST", path: "/totp/enroll", guard: "recent", summary: "start enrolling an authenticator app: the secret and its otpauth:// URI, shown once (sudo mode)", body: null, response: ok(TOTP_ENROLL_RESPONSE, "the secret, not yet asked for at login"), handler: enrollTotp }),
      defineRoute({ method: "POST", path: "/totp/enroll/confirm", guard: "recent", summary: "finish enrolling with the app's current code {code}: the factor is on, 10 recovery codes shown once, other logins ended (sudo mode)", body: TOTP_CONFIRM_BODY, response: ok(TOTP_CONFIRMED_RESPONSE, "the factor is on"), handler: confirmTotp }),
      defineRoute({ method: "POST", path: "/totp/verify", guard: "none", summary: "finish a login held for the second factor {ticket, code | recovery_code} → the answer of POST /login", body: TOTP_VERIFY_BODY, response: ok(LOGIN_RESPONSE, "signed in"), handler: verifyTotpLogin }),
      defineRoute({ method: "POST", path: "/totp/recovery-codes", guard: "recent", summary: "10 new recovery codes, shown once; the old ones stop working (sudo mode)", body: null, response: ok(TOTP_RECOVERY_CODES_RESPONSE, "the new codes"), handler: regenerateRecoveryCodes }),
      defineRoute({ method: "DELETE", path: "/totp", guard: "recent", summary: "turn the second factor off (sudo mode; recorded in auth_events)", response: ok(TOTP_DISABLED_RESPONSE, "the factor is off"), handler: disableTotpRoute }),
    ],
    // Tickets are dead once expired, used or not.
    cleanup: (db, _config, nowMs, limit) => [{ table: "totp_tickets", chunk: () => deleteExpiredChunk(db, "totp_tickets", Math.floor(nowMs / 1000), limit) }],
    configure: (env) => ({ totp: fixed ?? resolveTotpOptions(optionsFor(options, env)) }),
    describe: (config) => ({ issuer: config.totp?.issuer ?? null }),
    hooks: {
      secondFactor: holdLoginForCode,
    },
  };
}

/** The answer of a password login held for the code (for docs and clients). */
export { MFA_REQUIRED_RESPONSE };
