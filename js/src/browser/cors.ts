/**
 * CORS for the auth sub-app (issue 15): browser apps on the origins of
 * CORS_ORIGINS (cors.origins) may call every route under the mount point with
 * credentials; any other origin gets no CORS header at all, so its page
 * cannot read an answer. Nothing is allowed unless configured.
 *
 * Why not `hono/cors`: with `credentials: true` it sets
 * Access-Control-Allow-Credentials (and, on OPTIONS, Max-Age, Allow-Methods
 * and the echoed Allow-Headers) on EVERY answer, whatever the Origin, and it
 * answers every OPTIONS with 204. Here an origin that is not on the list gets
 * none of those headers, and its preflight a JSON 403 with a stable code.
 *
 * A preflight is answered here, before routing, for any path under the mount
 * point, from the checked configuration alone: no D1 query.
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { errorBody } from "../errors";
import type { AppEnv } from "../types";
import type { CorsConfig } from "./config";
import { CSRF_HEADER } from "./csrf";

/** What a browser app may send: the bearer token, JSON bodies, the CSRF header of cookie mode. */
export const ALLOWED_REQUEST_HEADERS = ["Authorization", "Content-Type", CSRF_HEADER] as const;
/** What it may read besides the CORS-safelisted response headers. */
export const EXPOSED_RESPONSE_HEADERS = ["Retry-After", "WWW-Authenticate", "Deprecation", "Sunset"] as const;

/** Whether `origin` (the raw Origin header) is allowed: exact string match, never a pattern. */
export function isAllowedOrigin(cors: CorsConfig, origin: string | undefined): origin is string {
  return origin !== undefined && cors.origins.includes(origin);
}

/** The headers of an answer to an allowed origin (not the preflight-only ones). */
export function corsResponseHeaders(origin: string): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": EXPOSED_RESPONSE_HEADERS.join(", "),
  };
}

/** The headers of a preflight answer to an allowed origin. */
export function preflightHeaders(cors: CorsConfig, origin: string, methods: readonly string[]): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Methods": methods.join(", "),
    "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS.join(", "),
    "Access-Control-Max-Age": String(cors.maxAge),
  };
}

const PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/**
 * The middleware. `methods` are what a preflight may ask for (the auth
 * sub-app: those of its declared routes). `corsOf` gives the checked CORS
 * configuration of the request: in the sub-app it runs after the scope
 * middleware and reads it from there, so a misconfigured instance answers
 * its 503 without CORS headers; `auth.cors()` (../auth.ts) resolves it from
 * the env for the adopter's own routes.
 */
export function corsMiddleware<E extends Env = AppEnv>(methods: readonly string[], corsOf: (c: Context<E>) => CorsConfig): MiddlewareHandler<E> {
  const allowMethods = [...new Set(methods)];
  return async (c, next) => {
    const cors = corsOf(c);
    const origin = c.req.header("Origin");
    // A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method (Fetch §3.2.2).
    if (c.req.method === "OPTIONS" && origin !== undefined && c.req.header("Access-Control-Request-Method") !== undefined) {
      if (!isAllowedOrigin(cors, origin)) {
        return c.json(errorBody("origin_not_allowed", "this origin is not allowed to call the auth API (CORS_ORIGINS)"), 403, { Vary: PREFLIGHT_VARY });
      }
      return c.body(null, 204, { ...preflightHeaders(cors, origin, allowMethods), Vary: PREFLIGHT_VARY });
    }
    await next();
    // Answers depend on Origin (these headers, the cookie checks): caches must key on it.
    c.header("Vary", "Origin", { append: true });
    if (isAllowedOrigin(cors, origin)) {
      for (const [name, value] of Object.entries(corsResponseHeaders(origin))) c.header(name, value);
    }
  };
}
