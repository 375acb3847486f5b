import { listPasskeys } from "../../db/passkeys";
import { rememberChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import { newChallenge, registrationOptions } from "../../passkeys/options";
import type { AppContext } from "../../types";

/**
 * POST /auth/passkey/register/options (Bearer) → {options, expires_at}.
 * `options` goes to @simplewebauthn/browser's startRegistration({optionsJSON});
 * what it asks for is explained in ../../passkeys/options.ts. Credentials the
 * user already has are excluded, so an authenticator is not registered twice.
 */
export async function passkeyRegisterOptions(c: AppContext): Promise<Response> {
  const rp = passkeyConfigOf(c);
  const { user } = c.get("principal");
  const db = c.get("db");
  const existing = await listPasskeys(db, user.id);
  const options = registrationOptions(rp, user, existing, newChallenge());
  const expiresAt = await rememberChallenge(db, options.challenge, "registration", user.id, rp.challengeTtl);
  return c.json({ options, expires_at: expiresAt });
}
