import { DatabaseError, guard, isUniqueViolation } from "./errors";

/** A stored passkey, as the Worker sees it. */
export interface PasskeyRecord {
  id: string;
  userId: string;
  credentialId: string;
  /** base64url COSE_Key. */
  publicKey: string;
  counter: number;
  transports: string[];
  label: string;
  deviceType: string;
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A passkey together with the public view of its owner (what a login needs). */
export interface PasskeyWithUser extends PasskeyRecord {
  user: { id: string; email: string; name: string };
}

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string;
  label: string;
  device_type: string;
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

function parseTransports(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

function toRecord(row: PasskeyRow): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: row.counter,
    transports: parseTransports(row.transports),
    label: row.label,
    deviceType: row.device_type,
    backedUp: row.backed_up === 1,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export type CreatePasskeyResult = { ok: true } | { ok: false; reason: "credential_exists" };

/** Inserts a passkey; the UNIQUE index on credential_id decides "already registered". */
export async function createPasskey(db: D1Database, p: PasskeyRecord): Promise<CreatePasskeyResult> {
  try {
    await db
      .prepare(
        `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, label, device_type, backed_up, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
      )
      .bind(
        p.id,
        p.userId,
        p.credentialId,
        p.publicKey,
        p.counter,
        JSON.stringify(p.transports),
        p.label,
        p.deviceType,
        p.backedUp ? 1 : 0,
        p.createdAt,
        p.lastUsedAt,
      )
      .run();
    return { ok: true };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "credential_exists" };
    throw new DatabaseError("createPasskey", err);
  }
}

export function listPasskeys(db: D1Database, userId: string): Promise<PasskeyRecord[]> {
  return guard("listPasskeys", async () => {
    const { results } = await db
      .prepare(`SELECT * FROM passkeys WHERE user_id = ?1 ORDER BY created_at, id`)
      .bind(userId)
      .all<PasskeyRow>();
    return results.map(toRecord);
  });
}

/** One query: the credential and its (still existing) owner. */
export function findPasskeyByCredentialId(db: D1Database, credentialId: string): Promise<PasskeyWithUser | null> {
  return guard("findPasskeyByCredentialId", async () => {
    const row = await db
      .prepare(
        `SELECT p.*, u.email AS user_email, u.name AS user_name
           FROM passkeys p JOIN users u ON u.id = p.user_id
          WHERE p.credential_id = ?1`,
      )
      .bind(credentialId)
      .first<PasskeyRow & { user_email: string; user_name: string }>();
    if (!row) return null;
    return { ...toRecord(row), user: { id: row.user_id, email: row.user_email, name: row.user_name } };
  });
}

/**
 * Records a use of the passkey, but only if the new counter is still ahead of
 * the stored one (or both are 0: an authenticator without a counter). This is
 * a compare-and-set, so two assertions carrying the same counter (a replay, a
 * cloned key) cannot both succeed. Returns whether the row was updated.
 */
export function advancePasskeyCounter(db: D1Database, id: string, newCounter: number, now: number): Promise<boolean> {
  return guard("advancePasskeyCounter", async () => {
    const result = await db
      .prepare(
        `UPDATE passkeys SET counter = ?2, last_used_at = ?3
          WHERE id = ?1 AND (counter < ?2 OR (?2 = 0 AND counter = 0))`,
      )
      .bind(id, newCounter, now)
      .run();
    return result.meta.changes === 1;
  });
}

/** Renames a passkey only if it belongs to this user; the renamed record, or null when there is none. */
export function renamePasskey(db: D1Database, userId: string, id: string, label: string): Promise<PasskeyRecord | null> {
  return guard("renamePasskey", async () => {
    const row = await db.prepare(`UPDATE passkeys SET label = ?3 WHERE id = ?1 AND user_id = ?2 RETURNING *`).bind(id, userId, label).first<PasskeyRow>();
    return row ? toRecord(row) : null;
  });
}

/** Deletes a passkey only if it belongs to this user. Returns whether a row was deleted. */
export function deletePasskey(db: D1Database, userId: string, id: string): Promise<boolean> {
  return guard("deletePasskey", async () => {
    const result = await db.prepare(`DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2`).bind(id, userId).run();
    return result.meta.changes > 0;
  });
}
