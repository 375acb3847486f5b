/**
 * The development sender (issue 14 §3): with `devMailbox` on and no
 * `send` (the email plugin's option), each email is kept here (its arrival logged, never its
 * text or links: issue 19 §7), in the auth
 * instance's memory (the last MAILBOX_SIZE), and GET <mount>/dev/mailbox
 * shows them with clickable links. Memory, not D1: it is for one
 * `wrangler dev` process, needs no migration, and nothing of it can reach a
 * production database.
 */
import type { EmailMessage } from "../options";
import type { AuthState } from "../state";

export const MAILBOX_SIZE = 50;

export interface MailboxEntry extends EmailMessage {
  id: number;
  /** Unix milliseconds. */
  sentAt: number;
}

export class DevMailbox {
  private readonly entries: MailboxEntry[] = [];
  private nextId = 1;

  deliver(message: EmailMessage): MailboxEntry {
    const entry: MailboxEntry = { id: this.nextId++, sentAt: Date.now(), to: message.to, subject: message.subject, text: message.text, html: message.html };
    this.entries.push(entry);
    if (this.entries.length > MAILBOX_SIZE) this.entries.splice(0, this.entries.length - MAILBOX_SIZE);
    // Never the text: it holds live links (a reset link is the account). Only that something arrived.
    console.log(`[hybrid-auth] dev mailbox: "${message.subject}" to ${message.to}, shown at <auth mount>/dev/mailbox`);
    return entry;
  }

  /** Newest first. */
  list(): MailboxEntry[] {
    return [...this.entries].reverse();
  }

  clear(): void {
    this.entries.length = 0;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The text with every http(s) URL made a link, everything escaped. */
function linkify(text: string): string {
  const parts = text.split(/(https?:\/\/[^\s<>"']+)/g);
  return parts.map((part, i) => (i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part))).join("");
}

/** The mailbox page: each message's plain text with its links clickable (no message HTML is rendered). */
export function mailboxPage(entries: readonly MailboxEntry[]): string {
  const items = entries
    .map(
      (e) => `<article class="message" data-id="${e.id}">
  <h2>${escapeHtml(e.subject)}</h2>
  <p class="meta">to <span class="to">${escapeHtml(e.to)}</span>, ${escapeHtml(new Date(e.sentAt).toISOString())}</p>
  <pre>${linkify(e.text)}</pre>
</article>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hybrid-auth: dev mailbox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:6px;padding:0 1rem;margin:1rem 0}pre{white-space:pre-wrap;word-break:break-all}.meta{color:#555}</style>
</head>
<body>
<h1>Dev mailbox</h1>
<p>Emails this development server would have sent (newest first, the last ${MAILBOX_SIZE}). Development only: DEV_MAILBOX is on.</p>
${entries.length ? items : `<p id="empty">No emails yet.</p>`}
</body>
</html>`;
}

/** The email plugin's id: its DevMailbox is that plugin's per-instance state. */
export const EMAIL_PLUGIN_ID = "email";

/** This instance's mailbox (the email plugin must be mounted). */
export function mailboxOf(state: AuthState): DevMailbox {
  return state.plugin<DevMailbox>(EMAIL_PLUGIN_ID);
}
