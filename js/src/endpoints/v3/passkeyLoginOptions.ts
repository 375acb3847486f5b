import { enforceRateLimits, clientIpKey } from "../../lifecycle/rateLimit";
import { rememberChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import { authenticationOptions, newChallenge } from "../../passkeys/options";
import type { AppContext } from "../../types";

/**
 * POST /auth/passkey/login/options → {options, expires_at}.
 * Discoverable-credential login: no email, no allowCredentials; the
 * authenticator offers the passkeys it holds for this RP ID.
 */
export async function passkeyLoginOptions(c: AppContext): Promise<Response> {
  const rp = passkeyConfigOf(c);
  // Unauthenticated and writes a challenge row: limited per client IP like password login.
  await enforceRateLimits(c.get("db"), [
    { name: "passkey-login:ip", rule: c.get("config").rateLimits.loginPerIp, subject: clientIpKey(c) },
  ]);
  const options = authenticationOptions(rp, newChallenge());
  const expiresAt = await rememberChallenge(c.get("db"), options.challenge, "authentication", null, rp.challengeTtl);
  return c.json({ options, expires_at: expiresAt });
}
