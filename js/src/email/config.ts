/**
 * The checked email settings (issue 14 §3-4): who sends, where links point,
 * whether registration requires verification. Read from AuthOptions once,
 * with the rest of the configuration (config.ts).
 */
import { AuthConfigError } from "../options";
import type { AuthHooks, AuthOptions } from "../options";
import { isLoopbackHost } from "./local";

export interface EmailConfig {
  /** Verification at register, and register answering a taken email like a new one. */
  requireVerification: boolean;
  /** Emails go to the in-memory dev mailbox (only when there is no hooks.sendEmail). */
  devMailbox: boolean;
  /** The page links point at; null: the request's origin, only when it is loopback (email/local.ts). */
  appUrl: string | null;
  /** Seconds a password-reset link works. */
  passwordResetTtl: number;
  /** Seconds a verification or change-of-email link works. */
  verificationTtl: number;
}

function checkFlag(label: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new AuthConfigError(`${label} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * An absolute URL without a fragment or credentials (links append
 * `#reset=...`): https, or http only to a loopback host (a development
 * server). A reset link in plain http over the network could be read on the way.
 */
export function checkAppUrl(label: string, value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  let url: URL | null = null;
  try {
    url = typeof value === "string" ? new URL(value) : null;
  } catch {
    url = null;
  }
  const scheme = url?.protocol === "https:" || (url?.protocol === "http:" && isLoopbackHost(url.hostname));
  if (!url || !scheme || url.hash !== "" || String(value).includes("#") || url.username || url.password) {
    throw new AuthConfigError(
      `${label} must be an absolute https URL (http only on localhost, 127.0.0.1 or [::1]) without a #fragment, e.g. "https://example.com/account", got ${JSON.stringify(value)}`,
    );
  }
  return url.href;
}

export function resolveEmailOptions(
  options: Pick<AuthOptions<never>, "requireEmailVerification" | "devMailbox" | "appUrl">,
  hooks: AuthHooks,
  ttl: { passwordResetTtl: number; verificationTtl: number },
): EmailConfig {
  const requireVerification = checkFlag("requireEmailVerification", options.requireEmailVerification);
  const devMailbox = checkFlag("devMailbox", options.devMailbox);
  const appUrl = checkAppUrl("appUrl", options.appUrl);
  if (hooks.sendEmail && appUrl === null) {
    // A link built from the request's Host header is a known account-takeover
    // bug (a forged Host sends the victim a link to the attacker's site).
    throw new AuthConfigError("hooks.sendEmail needs appUrl (APP_URL): the page the links in emails point at");
  }
  if (devMailbox && !hooks.sendEmail && appUrl !== null && !isLoopbackHost(new URL(appUrl).hostname)) {
    // A public page address says this is a deployment: the dev mailbox is for a local server only.
    throw new AuthConfigError("devMailbox (DEV_MAILBOX) is for a local development server: its appUrl (APP_URL) must be a loopback URL, or unset");
  }
  if (requireVerification && !hooks.sendEmail && !devMailbox) {
    throw new AuthConfigError("requireEmailVerification (REQUIRE_EMAIL_VERIFICATION) needs an email sender: hooks.sendEmail, RESEND_API_KEY, or devMailbox in development");
  }
  return { requireVerification, devMailbox, appUrl, ...ttl };
}
