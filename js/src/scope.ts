/**
 * The per-request scope the auth sub-app puts on the context (config, db,
 * instance state), and the key ring that goes with it. Endpoints and
 * lifecycle modules reach both through here, not through the middleware.
 */
import type { Context } from "hono";
import type { Config } from "./config";
import type { AuthState } from "./state";
import type { AppContext } from "./types";
import type { JwtIssuer } from "./utils/jwt";
import type { UsageEvent } from "./plugin";

/** What authentication needs of a request: the checked configuration, the database and the instance state. */
export interface AuthScope {
  config: Config;
  db: D1Database;
  auth: AuthState;
}

/** The scope the auth sub-app put on the context. */
export function scopeOf(c: AppContext): AuthScope {
  return { config: c.get("config"), db: c.get("db"), auth: c.get("auth") };
}

/** The key ring for this configuration (cached per auth instance by its secrets). */
export function jwtIssuerFor(c: AppContext): JwtIssuer {
  return issuerOf(scopeOf(c));
}

export function issuerOf({ config, auth }: AuthScope): JwtIssuer {
  if (config.mode !== "jwt") throw new Error("JWTs are issued in JWT mode only");
  return auth.issuers.get(config.jwtSecret, config.previousSecrets, config.tokenBinding, config.hooks.extraClaims, config.accessTokenSigning);
}

/** ctx.waitUntil when the runtime gives us one (Hono throws without an execution context). */
export function waitUntilOf(c: Context): ((p: Promise<unknown>) => void) | null {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return null;
  }
}

/** Reports a usage event to the mounted plugins (the usage plugin counts it); nothing happens without one. */
export function observe(scope: AuthScope, c: Context, event: UsageEvent): void {
  for (const hook of scope.auth.hooks.observe) hook(scope, c, event);
}
