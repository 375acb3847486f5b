/**
 * Email links (issue 14 §3-4): the one-time tokens they carry, who sends
 * them, and where they point. Shared by the password-reset, verification and
 * change-of-email endpoints and by register.
 *
 * A token is 32 random bytes in base64url (43 characters), handed out only in
 * the email; D1 keeps its SHA-256. It goes in the link's #fragment, so it is
 * never sent to a server in a URL, a Referer or an access log: the page reads
 * it and POSTs it.
 */
import { findEmailToken, storeEmailToken } from "../db";
import type { EmailTokenPurpose, EmailTokenRecord } from "../db";
import { mailboxOf } from "../email/devMailbox";
import { cameThroughEdge, loopbackOrigin } from "../email/local";
import { HttpError } from "../errors";
import type { EmailMessage } from "../options";
import { waitUntilOf } from "../scope";
import { sha256Hex } from "../utils/encoding";
import type { AppContext } from "../types";

const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Which #fragment key of the page each kind of link uses. */
export const LINK_FRAGMENT: Record<EmailTokenPurpose, string> = {
  password_reset: "reset",
  verify_email: "verify-email",
  change_email: "confirm-email",
};

export function newEmailToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Who delivers email for this request: the adopter's hook, else the dev
 * mailbox when it is on AND the request did not come through Cloudflare's
 * edge (email/local.ts: the mailbox runs only in a local runtime), else nobody.
 */
function senderOf(c: AppContext): ((message: EmailMessage) => void | Promise<void>) | null {
  const hook = c.get("config").email.send;
  if (hook) return (message) => hook(message, c);
  if (c.get("config").email.devMailbox && !cameThroughEdge(c.req.raw.headers)) return (message) => void mailboxOf(c.get("auth")).deliver(message);
  return null;
}

/**
 * The page links point at: the configured appUrl; without one, the
 * request's origin only when it is loopback (a development server); else
 * null: a link must never take its host from a request header.
 */
function pageUrlOrNull(c: AppContext): string | null {
  return c.get("config").email.appUrl ?? loopbackOrigin(c.req.url);
}

/**
 * Checked before any other work of a route that sends email: 503
 * email_not_configured unless some sender serves this request, and 503
 * app_url_required when links would have to take their host from a
 * non-loopback request (no appUrl / APP_URL configured).
 */
export function requireEmailSender(c: AppContext): void {
  if (senderOf(c) === null) {
    throw new HttpError(503, "email_not_configured", "this server cannot send email for this request (no email send / RESEND_API_KEY configured; the dev mailbox serves a local development server only)");
  }
  if (pageUrlOrNull(c) === null) {
    throw new HttpError(503, "app_url_required", "this server has no appUrl (APP_URL) for the links in its emails; without one, links are made only for a loopback development server");
  }
}

/** Delivers one email now through the configured sender (throws what the sender throws). */
async function deliver(c: AppContext, message: EmailMessage): Promise<void> {
  const sender = senderOf(c);
  if (sender !== null) await sender(message);
}

/**
 * Runs `work` after the answer when the runtime allows (Workers:
 * ctx.waitUntil), else now. For steps whose duration or outcome must not
 * show in the answer (whether an account exists, the provider's latency).
 * Failures are logged, never answered.
 */
export async function afterAnswer(c: AppContext, label: string, work: () => Promise<void>): Promise<void> {
  const run = work().catch((err: unknown) => {
    console.error(`[hybrid-auth] ${label} failed:`, err instanceof Error ? err.message : err);
  });
  const waitUntil = waitUntilOf(c);
  if (waitUntil) waitUntil(run);
  else await run;
}

/** Sends an email inside an afterAnswer step (its failure fails that step, which is logged). */
export function send(c: AppContext, message: EmailMessage): Promise<void> {
  return deliver(c, message);
}

/** The page links point at (requireEmailSender checked, before the answer, that there is one). */
export function pageUrl(c: AppContext): string {
  const url = pageUrlOrNull(c);
  if (url === null) throw new HttpError(503, "app_url_required", "no appUrl (APP_URL) for the links in emails");
  return url;
}

export function linkFor(c: AppContext, purpose: EmailTokenPurpose, token: string): string {
  return `${pageUrl(c)}#${LINK_FRAGMENT[purpose]}=${token}`;
}

/** Creates and stores a token (retiring the user's earlier ones of this purpose); returns the raw token for the link. */
export async function issueEmailToken(
  c: AppContext,
  token: { purpose: EmailTokenPurpose; userId: string; email: string; ttlSeconds: number },
): Promise<string> {
  const raw = newEmailToken();
  const now = Math.floor(Date.now() / 1000);
  await storeEmailToken(c.get("db"), {
    tokenHash: await sha256Hex(raw),
    purpose: token.purpose,
    userId: token.userId,
    email: token.email,
    createdAt: now,
    expiresAt: now + token.ttlSeconds,
  });
  return raw;
}

export const invalidToken = () => new HttpError(400, "invalid_email_token", "this link is not valid: it was never issued, is for something else, or no longer matches the account");
export const usedToken = () => new HttpError(400, "email_token_used", "this link was already used, or a newer one replaced it");
export const expiredToken = () => new HttpError(400, "email_token_expired", "this link has expired; ask for a new one");

/**
 * Reads the `token` field and the row it names, and says precisely why it
 * cannot be used: a malformed value costs no query. The spend itself is a
 * compare-and-set in the caller's batch (a concurrent use can still lose
 * there); this check gives the common cases their stable codes.
 */
export async function checkEmailToken(
  c: AppContext,
  raw: string,
  purpose: EmailTokenPurpose,
  now: number,
): Promise<{ hash: string; record: EmailTokenRecord }> {
  // A truncated or mangled link is "not valid", like an unknown one, and costs no query.
  if (!TOKEN_SHAPE.test(raw)) throw invalidToken();
  const hash = await sha256Hex(raw);
  const record = await findEmailToken(c.get("db"), hash);
  if (!record || record.purpose !== purpose) throw invalidToken();
  if (record.usedAt !== null) throw usedToken();
  if (record.expiresAt <= now) throw expiredToken();
  // Reset and verification links were sent to the account's address: after a change of address they are dead.
  if (purpose !== "change_email" && record.email !== record.userEmail) throw invalidToken();
  return { hash, record };
}

/**
 * Why a spend batch changed nothing, read again after it: a concurrent use,
 * an expiry in between, or (`stillUsable`) a condition of the spend itself,
 * such as the new address being taken meanwhile.
 */
export async function whySpendFailed(c: AppContext, hash: string, now: number, stillUsable: () => HttpError = invalidToken): Promise<HttpError> {
  const record = await findEmailToken(c.get("db"), hash);
  if (!record) return invalidToken();
  if (record.usedAt !== null) return usedToken();
  if (record.expiresAt <= now) return expiredToken();
  return stillUsable();
}
