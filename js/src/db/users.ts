import { DatabaseError, guard, isUniqueViolation } from "./errors";

/** A row of `users`, as the rest of the Worker sees it. */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
  /** Unix seconds the address was last proven (issue 14 §4); null: unverified. Absent on insert. */
  emailVerifiedAt?: number | null;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  email_verified_at?: number | null;
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    emailVerifiedAt: row.email_verified_at ?? null,
  };
}

export type CreateUserResult = { ok: true; user: UserRecord } | { ok: false; reason: "email_taken" };

/**
 * Inserts a user. The UNIQUE index on email is the only arbiter of "taken":
 * a check-then-insert would let two concurrent registrations race.
 */
export async function createUser(db: D1Database, user: UserRecord): Promise<CreateUserResult> {
  try {
    await db
      .prepare(
        `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
      )
      .bind(user.id, user.email, user.name, user.passwordHash, user.createdAt, user.updatedAt)
      .run();
    return { ok: true, user };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "email_taken" };
    throw new DatabaseError("createUser", err);
  }
}

export function findUserByEmail(db: D1Database, email: string): Promise<UserRecord | null> {
  return guard("findUserByEmail", async () => {
    const row = await db.prepare(`SELECT * FROM users WHERE email = ?1`).bind(email).first<UserRow>();
    return row ? toRecord(row) : null;
  });
}

export function findUserById(db: D1Database, id: string): Promise<UserRecord | null> {
  return guard("findUserById", async () => {
    const row = await db.prepare(`SELECT * FROM users WHERE id = ?1`).bind(id).first<UserRow>();
    return row ? toRecord(row) : null;
  });
}

/**
 * Replaces a password hash, but only if it is still the one we verified
 * against, so a concurrent password change is never overwritten by a rehash.
 */
export function replacePasswordHash(
  db: D1Database,
  userId: string,
  expectedHash: string,
  newHash: string,
  now: number,
): Promise<boolean> {
  return guard("replacePasswordHash", async () => {
    const result = await db
      .prepare(`UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3 AND password_hash = ?4`)
      .bind(newHash, now, userId, expectedHash)
      .run();
    return result.meta.changes === 1;
  });
}
