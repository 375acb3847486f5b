import { createPasskey } from "../../db/passkeys";
import type { PasskeyRecord } from "../../db/passkeys";
import type { RouteInput } from "../../http/schema";
import { spendChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import { passkeyError } from "../../passkeys/errors";
import { challengeOf } from "../../passkeys/input";
import type { RegistrationInput } from "../../passkeys/input";
import { publicPasskey } from "../../passkeys/view";
import type { AppContext } from "../../types";

/**
 * POST /auth/passkey/register/verify (Bearer) {response, label?} → 201 {passkey}.
 * `response` is what startRegistration() resolved to. The challenge it signed
 * must be one this user got from /register/options, unused and unexpired.
 */
export async function passkeyRegisterVerify(c: AppContext, input: RouteInput<{ response: RegistrationInput; label: string }, never>): Promise<Response> {
  const rp = passkeyConfigOf(c);
  const { user } = c.get("principal");
  const { response, label } = await input.body();
  const challenge = challengeOf(response);
  const db = c.get("db");

  await spendChallenge(db, challenge, "registration", user.id);

  // The verifier (WebAuthn parsing and crypto) loads on the first verify in
  // an isolate, not at start-up (bench/notes.md, "Passkeys on `@oslojs`").
  const { verifyRegistration } = await import("../../passkeys/verify");
  let verified;
  try {
    verified = await verifyRegistration(response, {
      challenge,
      origins: rp.origins,
      rpId: rp.rpId,
      requireUserVerification: rp.requireUserVerification,
    });
  } catch (err) {
    // The verifier's reasons name the failed check (origin, RP ID, UV...):
    // useful to the signed-in user's developer, and they hold no secrets.
    const reason = err instanceof Error ? err.message : "verification failed";
    throw passkeyError(400, "passkey_verification_failed", `the passkey could not be verified: ${reason}`);
  }

  const now = Math.floor(Date.now() / 1000);
  const record: PasskeyRecord = {
    id: crypto.randomUUID(),
    userId: user.id,
    credentialId: verified.credentialId,
    publicKey: verified.publicKey,
    counter: verified.counter,
    transports: response.transports,
    label,
    deviceType: verified.deviceType,
    backedUp: verified.backedUp,
    createdAt: now,
    lastUsedAt: null,
  };
  const created = await createPasskey(db, record);
  if (!created.ok) throw passkeyError(409, "passkey_exists", "this passkey is already registered");
  return c.json({ passkey: publicPasskey(record) }, 201);
}
