/**
 * The production email sender: Resend's HTTP API over fetch (issue 14 §3).
 *
 *   POST https://api.resend.com/emails
 *   Authorization: Bearer re_…
 *   Content-Type: application/json
 *   Idempotency-Key: <uuid>            (Resend keeps it 24 h: a retry never sends twice)
 *   {"from": "...", "to": ["..."], "subject": "...", "html": "...", "text": "..."}
 *   → 200 {"id": "..."}
 *
 * (https://resend.com/docs/api-reference/emails/send-email and
 * https://resend.com/docs/dashboard/emails/idempotency-keys.) `endpoint`
 * is configurable so tests point it at a fake server, and so any service
 * that speaks this shape can be used.
 */
import type { EmailMessage } from "../options";
import { isLoopbackHost } from "../http/loopback";

export const RESEND_ENDPOINT = "https://api.resend.com/emails";

export interface HttpEmailSenderOptions {
  /** The provider's API key (a Worker secret: `wrangler secret put RESEND_API_KEY`). */
  apiKey: string;
  /** The sender, e.g. "Acme <no-reply@acme.com>" (a domain verified with the provider). */
  from: string;
  /** Default https://api.resend.com/emails. https, or http to a loopback host (tests). */
  endpoint?: string;
  /** Milliseconds per attempt. Default 10000. */
  timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** A provider refusal or an unreachable provider; the message never contains the API key. */
export class EmailSendError extends Error {
  override readonly name = "EmailSendError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}


/**
 * A provider's error text may echo what it was sent (a live reset link),
 * and the caller logs it: every URL and every token-like run goes (issue 19 §7).
 */
export function redactLinks(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, "[link]").replace(/[A-Za-z0-9_-]{32,}/g, "[redacted]");
}

/** Checks the endpoint once, when the sender is made: a typo fails at start-up, not at the first reset. */
export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`httpEmailSender: endpoint is not a URL: ${JSON.stringify(endpoint)}`);
  }
  const loopbackHttp = url.protocol === "http:" && isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !loopbackHttp) {
    // The API key travels in the Authorization header: never over plain http to another host.
    throw new TypeError(`httpEmailSender: endpoint must be https (or http to a loopback host), got ${JSON.stringify(endpoint)}`);
  }
  return url;
}

/**
 * Returns an email `send` (the email plugin's option) that posts each message to the provider. A
 * network failure, a 429 or a 5xx is retried once with the same
 * Idempotency-Key; anything else that is not 2xx throws EmailSendError
 * (logged by the caller: emails are sent after the answer).
 */
export function httpEmailSender(options: HttpEmailSenderOptions): (message: EmailMessage) => Promise<void> {
  if (typeof options.apiKey !== "string" || options.apiKey === "") throw new TypeError("httpEmailSender: apiKey is required");
  if (typeof options.from !== "string" || options.from.trim() === "") throw new TypeError("httpEmailSender: from is required");
  const endpoint = checkEndpoint(options.endpoint ?? RESEND_ENDPOINT).href;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (message) => {
    const doFetch = options.fetch ?? fetch;
    const idempotencyKey = crypto.randomUUID();
    const body = JSON.stringify({ from: options.from, to: [message.to], subject: message.subject, html: message.html, text: message.text });
    let lastError: EmailSendError | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      let response: Response;
      try {
        response = await doFetch(endpoint, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${options.apiKey}`,
            "Content-Type": "application/json",
            "Idempotency-Key": idempotencyKey,
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        lastError = new EmailSendError(`email provider unreachable: ${err instanceof Error ? err.message : String(err)}`, null);
        continue;
      }
      const text = await response.text().catch(() => "");
      if (response.ok) return;
      lastError = new EmailSendError(`email provider answered ${response.status}: ${redactLinks(text).slice(0, 200)}`, response.status);
      if (response.status !== 429 && response.status < 500) break;
    }
    throw lastError ?? new EmailSendError("email not sent", null);
  };
}
