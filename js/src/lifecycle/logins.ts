/**
 * A login as the account pages show it (issue 14 §1 and §5): what the server
 * records about the device that signed in, and the lifetimes a login gets
 * from the user's "remember me" choice. Pure functions; the request is only
 * read in sightingOf.
 */
import type { LifecycleConfig } from "../config";
import type { Sighting } from "../db/logins";
import { userAgentFamily } from "./usage";
import type { AppContext } from "../types";

export type { Sighting };

/** Longest region or city name kept; Cloudflare's are far shorter. */
const MAX_PLACE_LENGTH = 64;
// Controls and line separators never reach a stored place name (log and page injection).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** ISO 3166-1 alpha-2 (Cloudflare also uses "XX" unknown and "T1" Tor): anything else is dropped. */
export function countryOf(value: unknown): string | null {
  return typeof value === "string" && /^[A-Z][A-Z0-9]$/.test(value) ? value : null;
}

export function placeOf(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const place = value.trim();
  if (place === "" || CONTROL.test(place)) return null;
  return [...place].slice(0, MAX_PLACE_LENGTH).join("");
}

/**
 * The device of a request: its User-Agent family and, behind Cloudflare,
 * request.cf's country, region and city. Outside Cloudflare (or when the
 * values are not what Cloudflare sends) the location parts are null.
 */
export function sightingOf(c: AppContext, at: number): Sighting {
  const cf = (c.req.raw as Request & { cf?: unknown }).cf;
  const props = typeof cf === "object" && cf !== null ? (cf as Record<string, unknown>) : {};
  return {
    at,
    userAgent: userAgentFamily(c.req.header("User-Agent") ?? null),
    country: countryOf(props.country),
    region: placeOf(props.region),
    city: placeOf(props.city),
  };
}

/** The refresh-token lifetime of a login: the long or the short one; the short one never exceeds the long one. */
export function refreshTtlFor(config: LifecycleConfig, remember: boolean): number {
  return remember ? config.refreshTokenTtl : Math.min(config.shortRefreshTokenTtl, config.refreshTokenTtl);
}

/** The session lifetime of a session-mode login. */
export function sessionTtlFor(config: LifecycleConfig, remember: boolean): number {
  return remember ? config.sessionTtl : Math.min(config.shortSessionTtl, config.sessionTtl);
}

/**
 * The lifetimes of a JWT-mode login's tokens minted at `now` (at login, or at
 * a refresh of the family created at `familyCreatedAt`):
 *  - the refresh token lives refreshTtlFor(remember), and never past the
 *    family's REFRESH_FAMILY_MAX_AGE deadline;
 *  - the access JWT lives ACCESS_TOKEN_TTL, but a short login's never
 *    outlives the refresh token minted with it: otherwise "do not remember
 *    me" would still leave a 7-day bearer token behind.
 */
export function jwtLifetimes(
  config: LifecycleConfig,
  remember: boolean,
  now: number,
  familyCreatedAt: number,
): { accessTtl: number; refreshExpiresAt: number } {
  const refreshExpiresAt = Math.min(now + refreshTtlFor(config, remember), familyCreatedAt + config.refreshFamilyMaxAge);
  const accessTtl = remember ? config.accessTokenTtl : Math.max(1, Math.min(config.accessTokenTtl, refreshExpiresAt - now));
  return { accessTtl, refreshExpiresAt };
}
