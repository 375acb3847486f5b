import { generateRegistrationOptions } from "@simplewebauthn/server";
import { listPasskeys } from "../../db/passkeys";
import { rememberChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import type { AppContext } from "../../types";

/**
 * POST /auth/passkey/register/options (Bearer) → {options, expires_at}.
 * `options` goes to @simplewebauthn/browser's startRegistration({optionsJSON}).
 * Asks for a discoverable credential (so it can log in without an email)
 * and, by default, for user verification.
 */
export async function passkeyRegisterOptions(c: AppContext): Promise<Response> {
  const rp = passkeyConfigOf(c);
  const { user } = c.get("principal");
  const db = c.env.GENERAL_DB;
  const existing = await listPasskeys(db, user.id);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: user.email,
    userDisplayName: user.name,
    // The user handle is the opaque user id (no personal data), so a
    // discoverable login can name its user.
    userID: new Uint8Array(new TextEncoder().encode(user.id)),
    timeout: rp.challengeTtl * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: rp.requireUserVerification ? "required" : "preferred",
    },
  });
  const expiresAt = await rememberChallenge(db, options.challenge, "registration", user.id, rp.challengeTtl);
  return c.json({ options, expires_at: expiresAt });
}
