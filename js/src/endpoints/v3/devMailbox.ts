import { mailboxPage } from "../../email/devMailbox";
import { HttpError } from "../../errors";
import type { AppContext } from "../../types";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * GET /auth/dev/mailbox → the dev mailbox (HTML, or JSON with ?format=json).
 * A 404 like any unknown route unless `devMailbox` is on AND the request is
 * addressed to a loopback host: the mailbox holds live reset links, so a
 * deployment that sets DEV_MAILBOX by mistake still does not publish them.
 */
export function devMailbox(c: AppContext): Response {
  const host = new URL(c.req.url).hostname;
  if (!c.get("config").email.devMailbox || !LOOPBACK_HOSTS.has(host)) throw new HttpError(404, "not_found", "no such route");
  const messages = c.get("auth").mailbox.list();
  if (c.req.query("format") === "json") return c.json({ messages });
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  return c.html(mailboxPage(messages));
}
