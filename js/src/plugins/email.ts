/**
 * `email(options)`: everything that sends email (issue 14 §2-4): password
 * reset, verification of the address (optionally required at register),
 * change of address, the senders (your `send`, or `httpEmailSender` over
 * Resend) and the development mailbox.
 *
 * Options: EmailOptions, or a function of the env such as
 * `emailOptionsFromEnv` (REQUIRE_EMAIL_VERIFICATION, DEV_MAILBOX, APP_URL,
 * RESEND_API_KEY, EMAIL_FROM, PASSWORD_RESET_TTL, EMAIL_VERIFICATION_TTL).
 */
import { DEV_MAILBOX_QUERY, EMAIL_CHANGE_BODY, EMAIL_TOKEN_BODY, PASSWORD_RESET_COMPLETE_BODY, PASSWORD_RESET_REQUEST_BODY } from "../api/requests";
import * as R from "../api/responses";
import { deleteExpiredChunk } from "../db";
import { resolveEmailOptions } from "../email/config";
import type { EmailOptions } from "../email/config";
import { DevMailbox, EMAIL_PLUGIN_ID } from "../email/devMailbox";
import { devMailbox } from "../endpoints/v3/devMailbox";
import { confirmEmailChange, requestEmailChange } from "../endpoints/v3/emailChange";
import { resendVerification, verifyEmail } from "../endpoints/v3/emailVerification";
import { completePasswordReset, requestPasswordReset } from "../endpoints/v3/passwordReset";
import { requireEmailSender } from "../lifecycle/emailTokens";
import { answerRegistrationWithoutRevealing } from "../lifecycle/verification";
import type { AuthPlugin, PluginOptionsInput } from "../plugin";
import { optionsFor } from "../plugin";
import { defineRoute, ok } from "../routes";

export { emailOptionsFromEnv } from "../email/envOptions";
export { EmailSendError, RESEND_ENDPOINT, httpEmailSender } from "../email/httpSender";
export type { HttpEmailSenderOptions } from "../email/httpSender";
export type { EmailOptions };
export type { EmailMessage } from "../options";

export function email(options: PluginOptionsInput<EmailOptions> = {}): AuthPlugin<typeof EMAIL_PLUGIN_ID> {
  // A static object is checked now, so a mistake throws where the plugin is made.
  const fixed = typeof options === "function" ? null : resolveEmailOptions(options);
  return {
    id: EMAIL_PLUGIN_ID,
    tables: ["email_tokens"],
    routes: [
      defineRoute({ method: "POST", path: "/password/reset/request", guard: "none", summary: "email a password-reset link {email}; the same 202 whether or not the address has an account", body: PASSWORD_RESET_REQUEST_BODY, response: ok(R.PASSWORD_RESET_REQUESTED_RESPONSE, "accepted (whether or not an account has the address)", 202), handler: requestPasswordReset }),
      defineRoute({ method: "POST", path: "/password/reset/complete", guard: "none", summary: "set a new password with the link's token {token, password}; ends every login", body: PASSWORD_RESET_COMPLETE_BODY, response: ok(R.PASSWORD_RESET_RESPONSE, "the password was reset"), handler: completePasswordReset }),
      defineRoute({ method: "POST", path: "/email/verify", guard: "none", summary: "verify the account's address with the link's token {token}", body: EMAIL_TOKEN_BODY, response: ok(R.EMAIL_VERIFIED_RESPONSE, "the address is verified"), handler: verifyEmail }),
      defineRoute({ method: "POST", path: "/email/verify/resend", guard: "auth", summary: "send a new verification link to the signed-in user's address", body: null, response: [ok(R.VERIFICATION_SENT_RESPONSE, "a new link is on its way", 202), ok(R.ALREADY_VERIFIED_RESPONSE, "nothing to do: the address is already verified")], handler: resendVerification }),
      defineRoute({ method: "POST", path: "/email/change", guard: "recent", summary: "ask to move the account to a new address {email}: a link goes to it (sudo mode)", body: EMAIL_CHANGE_BODY, response: ok(R.EMAIL_CHANGE_PENDING_RESPONSE, "a link went to the new address", 202), handler: requestEmailChange }),
      defineRoute({ method: "POST", path: "/email/change/confirm", guard: "none", summary: "finish a change of address with the link's token {token}", body: EMAIL_TOKEN_BODY, response: ok(R.EMAIL_CHANGED_RESPONSE, "the account has the new address"), handler: confirmEmailChange }),
      defineRoute({ method: "GET", path: "/dev/mailbox", guard: "none", summary: "development only (devMailbox, loopback): the emails the server would have sent", query: DEV_MAILBOX_QUERY, response: { ...ok(R.DEV_MAILBOX_RESPONSE, "the messages, newest first (with ?format=json)"), html: "without ?format=json: the same messages as a page with clickable links" }, handler: devMailbox }),
    ],
    // Expired links, used or not, are dead; their rows only say so.
    cleanup: (db, _config, nowMs, limit) => [{ table: "email_tokens", chunk: () => deleteExpiredChunk(db, "email_tokens", Math.floor(nowMs / 1000), limit) }],
    configure: (env) => ({ email: fixed ?? resolveEmailOptions(optionsFor(options, env)) }),
    createState: () => new DevMailbox(),
    describe: (config) => ({ requireVerification: config.email.requireVerification, devMailbox: config.email.devMailbox, sender: config.email.send !== null }),
    hooks: {
      beforeRegister(c) {
        // Verification on: a link must be sendable before an account is made (issue 19 §7).
        if (c.get("config").email.requireVerification) requireEmailSender(c);
      },
      async afterRegister(c, created, user) {
        // Verification on (issue 14 §4): the same 202 for a new and a taken address; emails go out after the answer.
        if (!c.get("config").email.requireVerification) return undefined;
        return answerRegistrationWithoutRevealing(c, created, user);
      },
    },
  };
}
