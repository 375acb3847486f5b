import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { advancePasskeyCounter, findPasskeyByCredentialId } from "../../db/passkeys";
import { readJsonObject } from "../../http/body";
import { spendChallenge } from "../../passkeys/challenge";
import { passkeyConfigOf } from "../../passkeys/context";
import { counterRegressed, passkeyLoginFailed } from "../../passkeys/errors";
import { challengeOf, parseAuthenticationResponse } from "../../passkeys/input";
import type { AppContext } from "../../types";
import { issueLoginToken } from "./login";

/**
 * POST /auth/passkey/login/verify {response} → the body of POST /auth/login
 * ({token, token_type, expires_at, user}), issued by the same issueLoginToken().
 *
 * Order of checks: shape (400) → challenge spent (400 invalid_challenge /
 * challenge_expired) → credential known and its user handle matches (401) →
 * signature, origin, RP ID, user verification by @simplewebauthn/server (401)
 * → counter strictly advancing, as a compare-and-set (401 passkey_counter_regressed).
 */
export async function passkeyLoginVerify(c: AppContext): Promise<Response> {
  const rp = passkeyConfigOf(c);
  const body = await readJsonObject(c.req.raw);
  const response = parseAuthenticationResponse(body.response);
  const challenge = challengeOf(response);
  const db = c.env.GENERAL_DB;

  await spendChallenge(db, challenge, "authentication", null);

  const passkey = await findPasskeyByCredentialId(db, response.id);
  if (!passkey) throw passkeyLoginFailed();
  // A discoverable credential returns the user handle we set at registration
  // (the user id); if present it must name the credential's owner.
  const handle = response.response.userHandle;
  if (handle !== undefined && decodeHandle(handle) !== passkey.userId) throw passkeyLoginFailed();

  let newCounter: number;
  try {
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: rp.requireUserVerification,
      // The counter rule is applied below, against the database, atomically;
      // the verifier is given 0 so that it checks the signature and nothing else there.
      credential: { id: passkey.credentialId, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: 0, transports: passkey.transports },
    });
    if (!verification.verified) throw new Error("assertion not verified");
    newCounter = verification.authenticationInfo.newCounter;
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

  return c.json(await issueLoginToken(c, passkey.user));
}

function decodeHandle(handle: string): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(isoBase64URL.toBuffer(handle));
  } catch {
    return null;
  }
}
