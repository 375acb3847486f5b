/**
 * The emails hybrid-auth sends, as plain text and HTML. Every link is on a
 * line of its own in the text (mail clients and the dev mailbox make it
 * clickable), and every dynamic part is escaped in the HTML.
 */
import type { EmailMessage } from "../options";
import { escapeHtml } from "./devMailbox";

function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m >= 120 && m % 60 === 0 ? `${m / 60} hours` : `${m} minutes`;
}

function compose(to: string, subject: string, paragraphs: readonly (string | { link: string })[]): EmailMessage {
  const text = paragraphs.map((p) => (typeof p === "string" ? p : p.link)).join("\n\n");
  const html = paragraphs
    .map((p) => (typeof p === "string" ? `<p>${escapeHtml(p)}</p>` : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`))
    .join("\n");
  return { to, subject, text: `${text}\n`, html: `<!doctype html><html><body>\n${html}\n</body></html>` };
}

export function passwordResetEmail(to: string, link: string, ttlSeconds: number): EmailMessage {
  return compose(to, "Reset your password", [
    "Someone (hopefully you) asked to reset the password of the account with this address. Open this link to choose a new one:",
    { link },
    `The link works once, for ${minutes(ttlSeconds)}. Setting a new password signs the account out everywhere.`,
    "If you did not ask for this, ignore this email: your password stays as it is.",
  ]);
}

export function verificationEmail(to: string, link: string, ttlSeconds: number): EmailMessage {
  return compose(to, "Confirm your email address", [
    "Open this link to confirm that this address belongs to your account:",
    { link },
    `The link works once, for ${minutes(ttlSeconds)}. If you did not create an account, ignore this email.`,
  ]);
}

/** To the owner of an address someone tried to register again (verification on: register does not say it is taken). */
export function alreadyRegisteredEmail(to: string, signInUrl: string): EmailMessage {
  return compose(to, "You already have an account", [
    "Someone (hopefully you) tried to create an account with this address, but it already has one. Sign in here, or use “Forgot your password?” there:",
    { link: signInUrl },
    "If this was not you, you can ignore this email: nothing was changed.",
  ]);
}

export function emailChangeConfirmation(to: string, link: string, ttlSeconds: number): EmailMessage {
  return compose(to, "Confirm your new email address", [
    "Open this link to make this the email address of your account:",
    { link },
    `The link works once, for ${minutes(ttlSeconds)}. Until it is opened, the account keeps its current address.`,
  ]);
}

/** To the current address when a change is requested, while the owner can still stop it. */
export function emailChangeNotice(to: string, newEmail: string, signInUrl: string): EmailMessage {
  return compose(to, "Your account's email address is about to change", [
    `Someone signed in to your account asked to change its email address to ${newEmail}. The change happens when the link sent to that address is opened.`,
    "If this was not you, reset your password now (“Forgot your password?”): that cancels the change and signs everyone out.",
    { link: signInUrl },
  ]);
}
