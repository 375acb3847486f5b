/**
 * Sudo mode (issue 11): changing how an account signs in (adding or removing
 * a passkey today; a password or email change later) needs an authentication
 * with a password or passkey within the last REAUTH_MAX_AGE_SECONDS. A stolen
 * or refreshed token alone is not enough, so it cannot plant a backdoor
 * credential that outlives logout-all and secret rotation.
 *
 * The authentication time is:
 *  - JWT: its `auth_time` claim, set at login and copied unchanged by every
 *    refresh from the refresh family (`refresh_families.authenticated_at`);
 *  - session token: the session's created_at (only a login creates one).
 * A JWT without `auth_time` (issued before this rule) never counts as recent.
 *
 * Use after requireAuth: `app.post(path, requireAuth, requireRecentAuth, handler)`.
 */
import { createMiddleware } from "hono/factory";
import { HttpError } from "../errors";
import type { AppEnv } from "../types";

/** Whether `authTime` (Unix seconds, or undefined when unknown) is within `maxAge` seconds of `now`. */
export function authenticatedRecently(authTime: number | undefined, now: number, maxAge: number): boolean {
  return authTime !== undefined && now - authTime <= maxAge;
}

/** The 403 a client answers by asking for the password or a passkey, then retrying. */
export function reauthenticationRequired(maxAge: number): HttpError {
  return new HttpError(
    403,
    "reauthentication_required",
    `this change needs a sign-in with your password or a passkey within the last ${maxAge} seconds; sign in again, then retry`,
  );
}

/** Route guard: 403 reauthentication_required unless the principal authenticated recently. */
export const requireRecentAuth = createMiddleware<AppEnv>(async (c, next) => {
  const maxAge = c.get("config").reauthMaxAge;
  const now = Math.floor(Date.now() / 1000);
  if (!authenticatedRecently(c.get("principal").authTime, now, maxAge)) throw reauthenticationRequired(maxAge);
  await next();
});
