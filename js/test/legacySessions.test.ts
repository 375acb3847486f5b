import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { claimLegacySession, findLegacySession, findSessionUser, hasLegacySessions, moveLegacySessionsChunk } from "../src/db";
import { sha256Hex } from "../src/utils/encoding";

// The seed's sessions table as `hybrid-auth upgrade-seed` leaves it: renamed, untouched.
const db = () => env.GENERAL_DB;
const NOW = 1_800_000_000;

async function seedUser(): Promise<string> {
  const id = crypto.randomUUID();
  await db()
    .prepare(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?1, ?2, 'Legacy', 'md5$old', 1, 1)`)
    .bind(id, `${id}@example.com`)
    .run();
  return id;
}

async function legacyRow(userId: string, expiresAt: number): Promise<string> {
  const token = crypto.randomUUID();
  await db().prepare(`INSERT INTO legacy_sessions (id, user_id, expires_at) VALUES (?1, ?2, ?3)`).bind(token, userId, expiresAt).run();
  return token;
}

const legacyCount = async (token: string) =>
  (await db().prepare(`SELECT COUNT(*) AS n FROM legacy_sessions WHERE id = ?1`).bind(token).first<{ n: number }>())?.n ?? -1;
const storedWithRawId = async (token: string) =>
  (await db().prepare(`SELECT COUNT(*) AS n FROM sessions WHERE token_hash = ?1`).bind(token).first<{ n: number }>())?.n ?? -1;

beforeEach(async () => {
  await db().exec(`DROP TABLE IF EXISTS legacy_sessions`);
  await db().exec(`CREATE TABLE legacy_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at REAL NOT NULL)`);
});

describe("legacy sessions (seed-era tokens after upgrade-seed)", () => {
  it("hasLegacySessions follows the table", async () => {
    expect(await hasLegacySessions(db())).toBe(true);
    await db().exec(`DROP TABLE legacy_sessions`);
    expect(await hasLegacySessions(db())).toBe(false);
  });

  it("findLegacySession compares a fractional expires_at as a number", async () => {
    const user = await seedUser();
    const token = await legacyRow(user, NOW + 0.5);
    expect(await findLegacySession(db(), token, NOW)).toEqual({ userId: user, expiresAt: NOW + 0.5 });
    expect(await findLegacySession(db(), token, NOW + 0.75)).toBeNull();
    expect(await findLegacySession(db(), token, NOW + 1)).toBeNull();
  });

  it("claims an unexpired token: stored as its SHA-256 only, expiry rounded up, raw id gone", async () => {
    const user = await seedUser();
    const token = await legacyRow(user, NOW + 3600.25);
    const hash = await sha256Hex(token);
    const claimed = await claimLegacySession(db(), token, hash, NOW);
    expect(claimed).toEqual({ userId: user, email: `${user}@example.com`, name: "Legacy", expiresAt: NOW + 3601, createdAt: 0 });
    expect(await legacyCount(token)).toBe(0);
    expect(await storedWithRawId(token)).toBe(0);
    // From now on the ordinary v3 lookup finds it by hash.
    // (The regular lookup also reports lastUsedAt and emailVerified, issue 14.)
    expect(await findSessionUser(db(), hash, NOW)).toMatchObject(claimed ?? {});
  });

  it("refuses an expired token (fractional expiry just passed) and drops the row", async () => {
    const user = await seedUser();
    const token = await legacyRow(user, NOW - 0.5);
    const hash = await sha256Hex(token);
    expect(await claimLegacySession(db(), token, hash, NOW)).toBeNull();
    expect(await findSessionUser(db(), hash, NOW - 10)).toBeNull();
    expect(await legacyCount(token)).toBe(0);
  });

  it("refuses a token whose user is gone, and an unknown token", async () => {
    const token = await legacyRow(crypto.randomUUID(), NOW + 60);
    expect(await claimLegacySession(db(), token, await sha256Hex(token), NOW)).toBeNull();
    const unknown = crypto.randomUUID();
    expect(await claimLegacySession(db(), unknown, await sha256Hex(unknown), NOW)).toBeNull();
  });

  it("two concurrent claims of one token both succeed and leave exactly one hashed row", async () => {
    const user = await seedUser();
    const token = await legacyRow(user, NOW + 60);
    const hash = await sha256Hex(token);
    const [a, b] = await Promise.all([claimLegacySession(db(), token, hash, NOW), claimLegacySession(db(), token, hash, NOW)]);
    expect(a?.userId).toBe(user);
    expect(b?.userId).toBe(user);
    expect(await db().prepare(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1`).bind(user).first<{ n: number }>()).toEqual({ n: 1 });
    expect(await legacyCount(token)).toBe(0);
  });

  it("the batch job moves live rows in chunks and deletes expired and orphaned ones", async () => {
    const user = await seedUser();
    const live = await Promise.all([1, 2, 3, 4, 5].map((i) => legacyRow(user, NOW + i + 0.5)));
    const expired = await Promise.all([legacyRow(user, NOW - 0.5), legacyRow(user, NOW)]);
    const orphan = await legacyRow(crypto.randomUUID(), NOW + 60);
    expect(await moveLegacySessionsChunk(db(), NOW, 2)).toEqual({ moved: 2, deleted: 2 });
    expect(await moveLegacySessionsChunk(db(), NOW, 2)).toEqual({ moved: 2, deleted: 1 });
    expect(await moveLegacySessionsChunk(db(), NOW, 2)).toEqual({ moved: 1, deleted: 0 });
    expect(await moveLegacySessionsChunk(db(), NOW, 2)).toEqual({ moved: 0, deleted: 0 });
    expect(await db().prepare(`SELECT COUNT(*) AS n FROM legacy_sessions`).first<{ n: number }>()).toEqual({ n: 0 });
    for (const [i, token] of live.entries()) {
      const found = await findSessionUser(db(), await sha256Hex(token), NOW);
      expect(found?.expiresAt).toBe(NOW + i + 2);
      expect(await storedWithRawId(token)).toBe(0);
    }
    for (const token of [...expired, orphan]) expect(await findSessionUser(db(), await sha256Hex(token), NOW - 100)).toBeNull();
  });
});
