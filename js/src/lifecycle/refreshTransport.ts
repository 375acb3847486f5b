/**
 * The refresh transport of a request: the mounted plugin's (browserApps:
 * the HttpOnly cookie), else the core's body-only one, which refuses a
 * `"refresh": "cookie"` login and never reads a cookie. Login, refresh and
 * logout go through this one function, so cookie code is only in a bundle
 * that mounts the plugin.
 */
import { HttpError } from "../errors";
import type { RefreshTransport } from "../plugin";
import type { AppContext } from "../types";

const BODY_ONLY: RefreshTransport = {
  accept(_c, delivery) {
    if (delivery === "cookie") {
      throw new HttpError(400, "refresh_cookie_disabled", "cookie mode is off on this server (REFRESH_COOKIE); omit refresh to get the refresh token in the body");
    }
    return "body";
  },
  read: () => ({ kind: "absent" }),
  answer: (c, response) => c.json(response),
  clear: () => undefined,
  refuse: (_c, error) => error,
};

export function refreshTransportOf(c: AppContext): RefreshTransport {
  return c.get("auth").hooks.refreshTransport ?? BODY_ONLY;
}
