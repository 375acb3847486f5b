/**
 * The checked email settings (issue 14 §3-4): who sends, where links point,
 * whether registration requires verification. Read from AuthOptions once,
 * with the rest of the configuration (config.ts).
 */
import type { Context } from "hono";
import { checkInteger } from "../config";
import type { NumericSetting } from "../config";
import { AuthConfigError } from "../options";
import type { EmailMessage } from "../options";
import { isLoopbackHost } from "./local";

export interface EmailConfig {
  /** Verification at register, and register answering a taken email like a new one. */
  requireVerification: boolean;
  /** Emails go to the in-memory dev mailbox (only when there is no `send`). */
  devMailbox: boolean;
  /** The page links point at; null: the request's origin, only when it is loopback (email/local.ts). */
  appUrl: string | null;
  /** Seconds a password-reset link works. */
  passwordResetTtl: number;
  /** Seconds a verification or change-of-email link works. */
  verificationTtl: number;
  /** The adopter's sender (EmailOptions.send); null: the dev mailbox when on, else nobody. */
  send: ((message: EmailMessage, c: Context) => void | Promise<void>) | null;
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

/** The options of the email plugin (`email({...})`, hybrid-auth/email). */
export interface EmailOptions {
  /**
   * Email verification (issue 14 §4). When true: register sends a verification link, and answers
   * a taken email exactly like a new one (its owner gets an email instead). Unverified users can
   * still sign in; `email_verified` (in /me and the JWT) tells apps. Needs a sender. Default false.
   */
  requireVerification?: boolean;
  /**
   * Development only: with no `send`, emails are kept in memory (the last 50; the log says only
   * that one arrived, never its links) and shown at GET <mount>/dev/mailbox. Only in a local
   * runtime: a request carrying CF-Ray (through Cloudflare's edge) gets no mailbox, the page answers
   * loopback request URLs only, and a non-loopback `appUrl` with it is a configuration error.
   * Never set it in production. Default false.
   */
  devMailbox?: boolean;
  /**
   * The page that handles the links in emails: an absolute https URL (http only on localhost,
   * 127.0.0.1 or [::1]) without a fragment; links are `<appUrl>#reset=<token>` (and
   * `#verify-email=`, `#confirm-email=`). Required with `send`, so a link never takes its host
   * from a request header. Unset: the request's origin + "/" only when it is loopback; any other
   * request to a route that sends email answers 503 `app_url_required`.
   */
  appUrl?: string;
  /** Password-reset link lifetime in seconds, 60..86400. Default 1800 (30 minutes). */
  passwordResetTtl?: number;
  /** Verification and change-of-email link lifetime in seconds, 60..604800. Default 86400 (1 day). */
  verificationTtl?: number;
  /**
   * Delivers an email (password reset, address verification, change of address). Called after
   * the answer (ctx.waitUntil), so its time never shows in a response; a throw is logged, never
   * answered. `httpEmailSender` (this entry) is one over Resend's HTTP API. Without it (and
   * without `devMailbox`), the routes that send email answer 503 `email_not_configured`.
   */
  send?: (message: EmailMessage, c: Context) => void | Promise<void>;
}

/** The two link lifetimes: bounds, defaults and variables, read by the options check and by emailOptionsFromEnv. */
export const EMAIL_TTL_SETTINGS = {
  passwordResetTtl: { path: "passwordResetTtl", env: "PASSWORD_RESET_TTL", min: 60, max: 86_400, fallback: 1800 },
  verificationTtl: { path: "verificationTtl", env: "EMAIL_VERIFICATION_TTL", min: 60, max: 604_800, fallback: 86_400 },
} as const satisfies Record<string, NumericSetting>;

const KNOWN = new Set(["requireVerification", "devMailbox", "appUrl", "passwordResetTtl", "verificationTtl", "send"]);

export function resolveEmailOptions(options: EmailOptions): EmailConfig {
  if (options === null || typeof options !== "object") throw new AuthConfigError("email() needs an options object");
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new AuthConfigError(`unknown email option ${JSON.stringify(key)}`);
  if (options.send !== undefined && typeof options.send !== "function") throw new AuthConfigError("email.send must be a function");
  const send = options.send ?? null;
  const requireVerification = checkFlag("email.requireVerification", options.requireVerification);
  const devMailbox = checkFlag("email.devMailbox", options.devMailbox);
  const appUrl = checkAppUrl("email.appUrl", options.appUrl);
  if (send && appUrl === null) {
    // A link built from the request's Host header is a known account-takeover
    // bug (a forged Host sends the victim a link to the attacker's site).
    throw new AuthConfigError("email.send needs email.appUrl (APP_URL): the page the links in emails point at");
  }
  if (devMailbox && !send && appUrl !== null && !isLoopbackHost(new URL(appUrl).hostname)) {
    // A public page address says this is a deployment: the dev mailbox is for a local server only.
    throw new AuthConfigError("email.devMailbox (DEV_MAILBOX) is for a local development server: its appUrl (APP_URL) must be a loopback URL, or unset");
  }
  if (requireVerification && !send && !devMailbox) {
    throw new AuthConfigError("email.requireVerification (REQUIRE_EMAIL_VERIFICATION) needs an email sender: email.send, RESEND_API_KEY, or devMailbox in development");
  }
  const passwordResetTtl = checkInteger("email.passwordResetTtl", options.passwordResetTtl, EMAIL_TTL_SETTINGS.passwordResetTtl);
  const verificationTtl = checkInteger("email.verificationTtl", options.verificationTtl, EMAIL_TTL_SETTINGS.verificationTtl);
  return { requireVerification, devMailbox, appUrl, passwordResetTtl, verificationTtl, send };
}
