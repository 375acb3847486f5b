/**
 * Where a request comes from, for the development-only parts of email
 * (issue 19 §7): the dev mailbox and links built from the request's origin.
 *
 * "Local" is decided from two facts, neither of which a remote client can
 * fake into "local" on Cloudflare:
 *  - CF-Ray: Cloudflare's edge adds it to every request it forwards to a
 *    Worker (https://developers.cloudflare.com/fundamentals/reference/http-headers/),
 *    and `wrangler dev` in local mode (workerd/Miniflare) never does. A
 *    request that carries it came through the edge: a deployment, or
 *    `wrangler dev --remote`. A client can add the header, which only makes
 *    its own request "not local".
 *  - the request URL's host is loopback (localhost, 127.0.0.1, [::1]): on
 *    the edge it is the hostname the request was routed by, which is never
 *    a loopback name; locally it is what the developer's browser opened.
 */
import { isLoopbackHost } from "../http/loopback";

export { isLoopbackHost };

/** The request came through Cloudflare's edge (it carries CF-Ray): never a local runtime. */
export function cameThroughEdge(headers: Headers): boolean {
  return headers.has("CF-Ray");
}

/** The request's origin + "/", when its URL host is loopback; else null. */
export function loopbackOrigin(url: string): string | null {
  const parsed = new URL(url);
  return isLoopbackHost(parsed.hostname) ? `${parsed.origin}/` : null;
}
