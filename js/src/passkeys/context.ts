import { HttpError } from "../errors";
import { PasskeyConfigError } from "./config";
import type { AppContext } from "../types";
import type { PasskeyConfig } from "./config";

/**
 * The checked passkey configuration, or 503 `misconfigured`: when it is
 * absent, or wrong (the reason is logged once per auth instance). Password
 * login and the other routes are unaffected.
 */
export function passkeyConfigOf(c: AppContext): PasskeyConfig {
  const passkeys = c.get("config").passkeys;
  if (passkeys instanceof PasskeyConfigError) {
    c.get("auth").logOnce(`passkeys:${passkeys.message}`, () =>
      console.error(`[hybrid-auth] passkeys misconfigured, refusing passkey requests: ${passkeys.message}`),
    );
    throw new HttpError(503, "misconfigured", "passkeys are misconfigured on this server");
  }
  if (passkeys === null) throw new HttpError(503, "misconfigured", "passkeys are not configured on this server");
  return passkeys;
}
