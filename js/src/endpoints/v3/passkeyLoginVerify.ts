import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { advancePasskeyCounter, findPasskeyByCredentialId } from "../../db/passkeys";
import type { RouteInput } from "../../http/schema";
import { spendChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import { counterRegressed, passkeyLoginFailed } from "../../passkeys/errors";
import { challengeOf } from "../../passkeys/input";
import type { AuthenticationInput } from "../../passkeys/input";
import type { AppContext } from "../../types";
import { completeLogin, secondFactorAnswer } from "../../lifecycle/completeLogin";
import { refreshTransportOf } from "../../lifecycle/refreshTransport";
import type { RefreshDelivery } from "../../plugin";

/**
 * POST /auth/passkey/login/verify {response} → the body of POST /auth/login
 * ({token, token_type, expires_at, user}), issued by the same issueLoginToken().
 *
 * Order of checks: shape (400) → challenge spent (400 invalid_challenge /
 * challenge_expired) → credential known and its user handle matches (401) →
 * client data, RP ID, user presence and verification, signature (../../passkeys/verify.ts, 401)
 * → counter strictly advancing, as a compare-and-set (401 passkey_counter_regressed).
 */
export async function passkeyLoginVerify(c: AppContext, input: RouteInput<{ response: AuthenticationInput; remember: boolean; refresh: RefreshDelivery }, never>): Promise<Response> {
  const rp = passkeyConfigOf(c);
  // "Remember me" (issue 14 §5): absent = the long lifetime, as before (REMEMBER in api/requests.ts).
  const { response, remember, refresh } = await input.body();
  // Cookie mode (issue 15): refused (400/403) before the challenge is spent.
  const delivery = refreshTransportOf(c).accept(c, refresh);
  const challenge = challengeOf(response);
  const db = c.get("db");

  await spendChallenge(db, challenge, "authentication", null);

  const passkey = await findPasskeyByCredentialId(db, response.id);
  if (!passkey) throw passkeyLoginFailed();
  // A discoverable credential returns the user handle we set at registration
  // (the user id); if present it must name the credential's owner.
  const handle = response.userHandle;
  if (handle !== undefined && decodeHandle(handle) !== passkey.userId) throw passkeyLoginFailed();

  // The verifier (WebAuthn parsing and crypto) loads on the first verify in
  // an isolate, not at start-up (bench/notes.md, "Passkeys on `@oslojs`").
  const { verifyAssertion } = await import("../../passkeys/verify");
  let newCounter: number;
  let userVerified: boolean;
  try {
    // Only the signature and the ceremony are checked there; the counter
    // rule is applied below, against the database, atomically.
    ({ counter: newCounter, userVerified } = await verifyAssertion(response, passkey.publicKey, {
      challenge,
      origins: rp.origins,
      rpId: rp.rpId,
      requireUserVerification: rp.requireUserVerification,
    }));
  } catch {
    throw passkeyLoginFailed();
  }

  // WebAuthn §6.1.1: if either counter is non-zero, the new one must be
  // greater than the stored one; otherwise the authenticator may be cloned.
  if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
    console.warn(`[hybrid-auth] passkey ${passkey.id} counter went from ${passkey.counter} to ${newCounter}; refused`);
    throw counterRegressed();
  }
  const now = Math.floor(Date.now() / 1000);
  if (!(await advancePasskeyCounter(db, passkey.id, newCounter, now))) {
    // Another login with this counter value won the race.
    throw counterRegressed();
  }

  // A mounted second factor (totp) may hold the login back; a user-verified passkey is two factors already.
  const held = await secondFactorAnswer(c, { user: passkey.user, method: "passkey", userVerified, remember, delivery });
  if (held) return held;
  return completeLogin(c, passkey.user, { method: "passkey", remember, delivery, secondFactor: userVerified ? "user_verification" : null });
}

function decodeHandle(handle: string): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(decodeBase64urlIgnorePadding(handle));
  } catch {
    return null;
  }
}
