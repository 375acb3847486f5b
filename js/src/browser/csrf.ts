/**
 * CSRF defence for the requests a browser authenticates with the refresh
 * cookie (POST /refresh with the cookie) or that ask for one (a login with
 * "refresh": "cookie"). SameSite keeps cross-SITE pages out, but not a sibling
 * origin of the same site (another subdomain, another port), so two more
 * checks, as OWASP's CSRF cheat sheet and Lucia's guide describe:
 *
 *  1. Origin: when the browser sends it (every modern browser does on POST),
 *     it must be the Worker's own origin or one of CORS_ORIGINS. Without it,
 *     Sec-Fetch-Site, when sent, must say same-origin (or none: typed by the
 *     user); same-site and cross-site are refused, because the
 *     origin behind them cannot be checked.
 *  2. A custom header, `X-Requested-With: hybrid-auth`: a cross-origin page can
 *     only send it after a CORS preflight, which only allowlisted origins pass,
 *     and an HTML form or a "simple" request can never send it. This covers
 *     browsers and proxies that drop Origin.
 *
 * A client with neither header (not a browser, or an old one) passes check 1
 * and is still held to check 2. Bearer requests (token in the body or the
 * Authorization header) carry no ambient authority and are not checked.
 */
import { HttpError } from "../errors";
import type { AppContext } from "../types";

export const CSRF_HEADER = "X-Requested-With";
export const CSRF_HEADER_VALUE = "hybrid-auth";

export interface CsrfInput {
  origin: string | null;
  secFetchSite: string | null;
  customHeader: string | null;
  /** The Worker's own origin, from the request URL. */
  ownOrigin: string;
  allowedOrigins: readonly string[];
}

export type CsrfVerdict = { ok: true } | { ok: false; code: "origin_not_allowed" | "csrf_header_missing"; message: string };

/** The decision, as a pure function of the headers (tested alone and through the routes). */
export function csrfVerdict(input: CsrfInput): CsrfVerdict {
  const { origin, secFetchSite } = input;
  if (origin !== null) {
    if (origin !== input.ownOrigin && !input.allowedOrigins.includes(origin)) {
      // The Origin is echoed only if short and printable; anything else is just "this origin".
      const shown = /^[\x21-\x7e]{1,200}$/.test(origin) ? ` ${origin}` : "";
      return { ok: false, code: "origin_not_allowed", message: `origin${shown} may not use the refresh cookie: it is neither this server's origin nor in CORS_ORIGINS` };
    }
  } else if (secFetchSite !== null && secFetchSite !== "same-origin" && secFetchSite !== "none") {
    return { ok: false, code: "origin_not_allowed", message: "a request from another site without an Origin header may not use the refresh cookie" };
  }
  if (input.customHeader !== CSRF_HEADER_VALUE) {
    return { ok: false, code: "csrf_header_missing", message: `requests that use the refresh cookie must send the header ${CSRF_HEADER}: ${CSRF_HEADER_VALUE}` };
  }
  return { ok: true };
}

/** Throws the 403 of csrfVerdict unless the request passes. */
export function requireCsrfChecks(c: AppContext): void {
  const verdict = csrfVerdict({
    origin: c.req.header("Origin") ?? null,
    secFetchSite: c.req.header("Sec-Fetch-Site") ?? null,
    customHeader: c.req.header(CSRF_HEADER) ?? null,
    ownOrigin: new URL(c.req.url).origin,
    allowedOrigins: c.get("config").cors.origins,
  });
  if (!verdict.ok) throw new HttpError(403, verdict.code, verdict.message);
}
