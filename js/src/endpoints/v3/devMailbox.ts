import { mailboxOf, mailboxPage } from "../../email/devMailbox";
import { cameThroughEdge, isLoopbackHost } from "../../email/local";
import { HttpError } from "../../errors";
import type { RouteInput } from "../../http/schema";
import type { DevMailboxQuery } from "../../api/requests";
import type { DevMailboxResponseBody } from "../../api/responses";
import type { AppContext } from "../../types";

/**
 * GET /auth/dev/mailbox → the dev mailbox (HTML, or JSON with ?format=json).
 * A 404 like any unknown route unless `devMailbox` is on AND the request is
 * local (email/local.ts): it did not come through Cloudflare's edge (no
 * CF-Ray) AND it is addressed to a loopback host. The mailbox holds live
 * reset links, so a deployment that sets DEV_MAILBOX by mistake still does
 * not publish them, whatever Host a client sends.
 */
export function devMailbox(c: AppContext, input: RouteInput<never, DevMailboxQuery>): Response {
  const local = !cameThroughEdge(c.req.raw.headers) && isLoopbackHost(new URL(c.req.url).hostname);
  if (!c.get("config").email.devMailbox || !local) throw new HttpError(404, "not_found", "no such route");
  const messages = mailboxOf(c.get("auth")).list();
  // Read after the 404: a request the mailbox refuses learns nothing from its query.
  if (input.query().format === "json") return c.json({ messages } satisfies DevMailboxResponseBody);
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  return c.html(mailboxPage(messages));
}
