/**
 * The checked email settings (issue 14 §3-4): who sends, where links point,
 * whether registration requires verification. Read from AuthOptions once,
 * with the rest of the configuration (config.ts).
 */
import { AuthConfigError } from "../options";
import type { AuthHooks, AuthOptions } from "../options";

export interface EmailConfig {
  /** Verification at register, and register answering a taken email like a new one. */
  requireVerification: boolean;
  /** Emails go to the in-memory dev mailbox (only when there is no hooks.sendEmail). */
  devMailbox: boolean;
  /** The page links point at; null: the request's origin (dev mailbox only). */
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

/** An absolute http(s) URL without a fragment or credentials (links append `#reset=...`). */
export function checkAppUrl(label: string, value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  let url: URL | null = null;
  try {
    url = typeof value === "string" ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.hash !== "" || String(value).includes("#") || url.username || url.password) {
    throw new AuthConfigError(`${label} must be an absolute http(s) URL without a #fragment, e.g. "https://example.com/account", got ${JSON.stringify(value)}`);
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
  if (requireVerification && !hooks.sendEmail && !devMailbox) {
    throw new AuthConfigError("requireEmailVerification (REQUIRE_EMAIL_VERIFICATION) needs an email sender: hooks.sendEmail, RESEND_API_KEY, or devMailbox in development");
  }
  return { requireVerification, devMailbox, appUrl, ...ttl };
}
