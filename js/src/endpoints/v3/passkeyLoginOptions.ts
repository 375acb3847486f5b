import { generateAuthenticationOptions } from "@simplewebauthn/server";
import { enforceRateLimits, ipKey } from "../../lifecycle/rateLimit";
import { rememberChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import type { AppContext } from "../../types";

/**
 * POST /auth/passkey/login/options → {options, expires_at}.
 * Discoverable-credential login: no email, no allowCredentials; the
 * authenticator offers the passkeys it holds for this RP ID.
 */
export async function passkeyLoginOptions(c: AppContext): Promise<Response> {
  const rp = passkeyConfigOf(c);
  // Unauthenticated and writes a challenge row: limited per client IP like password login.
  await enforceRateLimits(c.env.GENERAL_DB, [
    { name: "passkey-login:ip", rule: c.get("config").rateLimits.loginPerIp, subject: ipKey(c.req.header("CF-Connecting-IP")) },
  ]);
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    timeout: rp.challengeTtl * 1000,
    userVerification: rp.requireUserVerification ? "required" : "preferred",
  });
  const expiresAt = await rememberChallenge(c.env.GENERAL_DB, options.challenge, "authentication", null, rp.challengeTtl);
  return c.json({ options, expires_at: expiresAt });
}
