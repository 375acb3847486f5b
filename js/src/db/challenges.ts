import { guard } from "./errors";

/** What a challenge was issued for. A challenge is only ever accepted for its own purpose. */
export type ChallengePurpose = "registration" | "authentication";

export interface NewChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  /** Registration: the signed-in user. Authentication (discoverable login): null. */
  userId: string | null;
  expiresAt: number;
  createdAt: number;
}

export type ConsumeResult = { ok: true } | { ok: false; reason: "unknown" | "expired" };

export function storeChallenge(db: D1Database, c: NewChallenge): Promise<void> {
  return guard("storeChallenge", async () => {
    await db
      .prepare(
        `INSERT INTO webauthn_challenges (challenge, purpose, user_id, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)`,
      )
      .bind(c.challenge, c.purpose, c.userId, c.expiresAt, c.createdAt)
      .run();
  });
}

/**
 * Takes a challenge out of the table, at most once: a single
 * `DELETE ... RETURNING` either removes the row and reports it, or finds
 * nothing (never issued, already used, or issued for another purpose or
 * another user). Two concurrent verifies of the same challenge cannot both
 * see the row. An expired row is deleted too, and reported as expired.
 */
export function consumeChallenge(
  db: D1Database,
  challenge: string,
  purpose: ChallengePurpose,
  userId: string | null,
  now: number,
): Promise<ConsumeResult> {
  return guard("consumeChallenge", async () => {
    const row = await db
      .prepare(
        `DELETE FROM webauthn_challenges
          WHERE challenge = ?1 AND purpose = ?2 AND user_id IS ?3
          RETURNING expires_at`,
      )
      .bind(challenge, purpose, userId)
      .first<{ expires_at: number }>();
    if (!row) return { ok: false, reason: "unknown" };
    if (row.expires_at <= now) return { ok: false, reason: "expired" };
    return { ok: true };
  });
}
