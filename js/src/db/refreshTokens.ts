import { guard } from "./errors";
import type { SecondFactor } from "./logins";
import type { Sighting } from "./logins";

/** A refresh token as the rotation logic sees it: the row, its family and its user. */
export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  userId: string;
  email: string;
  name: string;
  expiresAt: number;
  usedAt: number | null;
  familyRevokedAt: number | null;
  /** Unix seconds of the login that started the family (sudo mode's `auth_time`). */
  authenticatedAt: number;
  /** When the family (the login) began: REFRESH_FAMILY_MAX_AGE counts from here. */
  familyCreatedAt: number;
  /** The user's address is verified now (the `email_verified` claim of the JWT a refresh mints). */
  emailVerified: boolean;
  /** The login's "remember me" choice: every rotation keeps its lifetime (issue 14 §5). */
  remember: boolean;
}

interface RefreshTokenRow {
  token_hash: string;
  family_id: string;
  user_id: string;
  email: string;
  name: string;
  expires_at: number;
  used_at: number | null;
  family_revoked_at: number | null;
  authenticated_at: number;
  family_created_at: number;
  email_verified_at: number | null;
  remember: number;
}

/**
 * The access JWT a batch makes valid, recorded on its family before the JWT
 * is handed out (see migration 0004): its `exp` and its `iat_ms`. A revoked
 * family's `sid` row takes them over, so it covers every JWT of the family.
 */
export interface MintedAccess {
  expiresAt: number;
  iatMs: number;
}

/**
 * Starts a family with its first token, atomically (one batch = one
 * transaction), recording the login's access JWT (minted, not yet handed out).
 */
export function createRefreshFamily(
  db: D1Database,
  family: {
    familyId: string;
    userId: string;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
    authenticatedAt: number;
    access: MintedAccess;
    /** The device that signed in (issue 14 §1) and its "remember me" choice; absent for tooling. */
    seen?: Sighting;
    remember?: boolean;
    /** The login's second factor (migration 0010), or absent/null for one factor. */
    secondFactor?: SecondFactor | null;
    /** How the login was proven (migration 0011). */
    method?: string | null;
  },
): Promise<void> {
  return guard("createRefreshFamily", async () => {
    await db.batch([
      db
        .prepare(
          `INSERT INTO refresh_families (id, user_id, created_at, expires_at, authenticated_at, access_expires_at, access_iat_ms,
                                         last_used_at, user_agent, country, region, city, remember, second_factor, method)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?3, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`,
        )
        .bind(
          family.familyId,
          family.userId,
          family.createdAt,
          family.expiresAt,
          family.authenticatedAt,
          family.access.expiresAt,
          family.access.iatMs,
          family.seen?.userAgent ?? null,
          family.seen?.country ?? null,
          family.seen?.region ?? null,
          family.seen?.city ?? null,
          family.remember === false ? 0 : 1,
          family.secondFactor ?? null,
          family.method ?? null,
        ),
      db
        .prepare(`INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)`)
        .bind(family.tokenHash, family.familyId, family.userId, family.createdAt, family.expiresAt),
    ]);
  });
}

export function findRefreshToken(db: D1Database, tokenHash: string): Promise<RefreshTokenRecord | null> {
  return guard("findRefreshToken", async () => {
    const row = await db
      .prepare(
        `SELECT t.token_hash, t.family_id, t.user_id, u.email, u.name, t.expires_at, t.used_at, f.revoked_at AS family_revoked_at,
                f.authenticated_at, f.created_at AS family_created_at, f.remember, u.email_verified_at
           FROM refresh_tokens t
           JOIN refresh_families f ON f.id = t.family_id
           JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ?1`,
      )
      .bind(tokenHash)
      .first<RefreshTokenRow>();
    if (!row) return null;
    return {
      tokenHash: row.token_hash,
      familyId: row.family_id,
      userId: row.user_id,
      email: row.email,
      name: row.name,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      familyRevokedAt: row.family_revoked_at,
      authenticatedAt: row.authenticated_at,
      familyCreatedAt: row.family_created_at,
      emailVerified: row.email_verified_at !== null,
      remember: row.remember !== 0,
    };
  });
}

/**
 * Rotation as one transaction whose first statement is a compare-and-set:
 * the old token is retired only if it is still unused, unexpired and its
 * family is live; the successor is inserted only if that retirement is the
 * one this call made (it names the successor's hash, which is random). Two
 * concurrent rotations of one token therefore yield exactly one successor;
 * the loser sees `rotated: false` and no row of its own.
 *
 * The third statement records the access JWT minted for this rotation on the
 * family (latest exp and iat_ms), under the same condition, so a JWT is only
 * ever handed out after the family that can revoke it knows about it. The
 * family's expiry follows its newest token, whose expiry the caller already
 * capped at REFRESH_FAMILY_MAX_AGE from the login, so it never slides past it.
 */
export function rotateRefreshToken(
  db: D1Database,
  rotation: { oldHash: string; newHash: string; now: number; expiresAt: number; access: MintedAccess; seen?: Sighting },
): Promise<{ rotated: boolean }> {
  return guard("rotateRefreshToken", async () => {
    const { oldHash, newHash, now, expiresAt, access } = rotation;
    const [update, insert] = await db.batch([
      db
        .prepare(
          `UPDATE refresh_tokens SET used_at = ?3, replaced_by = ?2
            WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?3
              AND EXISTS (SELECT 1 FROM refresh_families f WHERE f.id = family_id AND f.revoked_at IS NULL)`,
        )
        .bind(oldHash, newHash, now),
      db
        .prepare(
          `INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)
           SELECT ?2, family_id, user_id, ?3, ?4 FROM refresh_tokens WHERE token_hash = ?1 AND replaced_by = ?2`,
        )
        .bind(oldHash, newHash, now, expiresAt),
      db
        .prepare(
          `UPDATE refresh_families
              SET expires_at = MAX(expires_at, ?3),
                  access_expires_at = MAX(access_expires_at, ?4),
                  access_iat_ms = MAX(access_iat_ms, ?5),
                  -- the sign-ins list (issue 14 §1): where and when this login was last seen
                  last_used_at = COALESCE(?6, last_used_at),
                  user_agent = COALESCE(?7, user_agent),
                  country = CASE WHEN ?6 IS NULL THEN country ELSE ?8 END,
                  region = CASE WHEN ?6 IS NULL THEN region ELSE ?9 END,
                  city = CASE WHEN ?6 IS NULL THEN city ELSE ?10 END
            WHERE id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ?1 AND replaced_by = ?2)`,
        )
        .bind(
          oldHash,
          newHash,
          expiresAt,
          access.expiresAt,
          access.iatMs,
          rotation.seen?.at ?? null,
          rotation.seen?.userAgent ?? null,
          rotation.seen?.country ?? null,
          rotation.seen?.region ?? null,
          rotation.seen?.city ?? null,
        ),
    ]);
    const rotated = (update?.meta.changes ?? 0) === 1;
    if (rotated !== ((insert?.meta.changes ?? 0) === 1)) throw new Error("refresh rotation wrote an inconsistent pair");
    return { rotated };
  });
}

/** Test and tooling helper: the families of a user. */
export function listRefreshFamilies(
  db: D1Database,
  userId: string,
): Promise<{ id: string; revokedAt: number | null; revokedReason: string | null; tokens: number }[]> {
  return guard("listRefreshFamilies", async () => {
    const { results } = await db
      .prepare(
        `SELECT f.id, f.revoked_at, f.revoked_reason, (SELECT COUNT(*) FROM refresh_tokens t WHERE t.family_id = f.id) AS tokens
           FROM refresh_families f WHERE f.user_id = ?1 ORDER BY f.created_at`,
      )
      .bind(userId)
      .all<{ id: string; revoked_at: number | null; revoked_reason: string | null; tokens: number }>();
    return results.map((r) => ({ id: r.id, revokedAt: r.revoked_at, revokedReason: r.revoked_reason, tokens: r.tokens }));
  });
}
