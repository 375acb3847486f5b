import { consumeChallenge, storeChallenge } from "../db/challenges";
import type { ChallengePurpose } from "../db/challenges";
import { passkeyError } from "./errors";

/** Records a freshly generated challenge; returns its expiry (Unix seconds). */
export async function rememberChallenge(
  db: D1Database,
  challenge: string,
  purpose: ChallengePurpose,
  userId: string | null,
  ttl: number,
): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + ttl;
  await storeChallenge(db, { challenge, purpose, userId, expiresAt, createdAt: now });
  return expiresAt;
}

/**
 * Uses up a challenge (atomically, at most once) or throws the right 400.
 * Called before any signature work, so a challenge is spent even by a
 * response that then fails to verify: each ceremony gets exactly one try.
 */
export async function spendChallenge(
  db: D1Database,
  challenge: string,
  purpose: ChallengePurpose,
  userId: string | null,
): Promise<void> {
  const result = await consumeChallenge(db, challenge, purpose, userId, Math.floor(Date.now() / 1000));
  if (result.ok) return;
  if (result.reason === "expired") {
    throw passkeyError(400, "challenge_expired", "the passkey challenge has expired; start again");
  }
  throw passkeyError(400, "invalid_challenge", "unknown or already used passkey challenge; start again");
}
