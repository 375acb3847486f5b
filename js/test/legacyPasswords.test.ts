/**
 * Issue 19 §9: the legacy password verifier (hooks.legacyPasswordVerifier),
 * in a Worker, on login and on change-password, and the compare-and-swap of
 * the rehash that follows a legacy (or weaker) match. The instance here is a
 * test-only createAuth with the hook, on the same local D1 as the demo.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuth } from "hybrid-auth/hono";
import { createUser, findUserById, replacePasswordHash } from "../src/db";
import { hashPassword, verifyPassword } from "hybrid-auth/argon2";
import { PASSWORD, SECRET, env, errorOf, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
}

/** The seed-era format these tests invent: "seed$<password reversed>" (plain text on purpose: the format is not under test). */
const seedHashOf = (password: string) => `seed$${[...password].reverse().join("")}`;
const seedVerifier = (password: string, stored: string) => stored === seedHashOf(password);

afterEach(() => vi.restoreAllMocks());

/** An instance with the hook (no rate limits: the tests share one D1 and one IP bucket). */
function legacyAuth(verifier: (password: string, stored: string) => boolean | Promise<boolean>) {
  const calls: string[] = [];
  const auth = createAuth<TestEnv>({
    database: (e) => e.GENERAL_DB,
    secret: SECRET,
    rateLimits: { loginPerEmail: null, loginPerEmailIp: null, loginPerIp: null, changePasswordPerUser: null },
    hooks: {
      legacyPasswordVerifier: async (password, stored, user) => {
        calls.push(user.id);
        return verifier(password, stored);
      },
    },
  });
  const post = (path: string, body: unknown, token?: string) =>
    auth.app.request(
      path,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      },
      { GENERAL_DB: env.GENERAL_DB } satisfies TestEnv,
    );
  return { auth, calls, post };
}

/** A seed-era user: its stored hash is one hybrid-auth did not write. */
async function seedUser(passwordHash: string): Promise<{ id: string; email: string }> {
  const now = Math.floor(Date.now() / 1000);
  const user = { id: crypto.randomUUID(), email: uniqueEmail("seed"), name: "Seed", passwordHash, createdAt: now, updatedAt: now };
  const created = await createUser(env.GENERAL_DB, user);
  if (!created.ok) throw new Error("seed user not created");
  return { id: user.id, email: user.email };
}

const storedHashOf = async (id: string) => (await findUserById(env.GENERAL_DB, id))?.passwordHash ?? "";

describe("legacy password verifier at POST /login (Worker)", () => {
  it("verifier says yes: 200, and the stored hash becomes today's Argon2id (which then logs in without the hook)", async () => {
    const { calls, post } = legacyAuth(seedVerifier);
    const user = await seedUser(seedHashOf(PASSWORD));
    const login = await post("/login", { email: user.email, password: PASSWORD });
    expect(login.status, await login.clone().text()).toBe(200);
    expect(((await login.json()) as { user: { id: string } }).user.id).toBe(user.id);
    expect(calls).toEqual([user.id]);

    const rehashed = await storedHashOf(user.id);
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(verifyPassword(PASSWORD, rehashed)).toEqual({ ok: true, needsRehash: false });
    // The next login is a plain Argon2id one: the hook is not asked again.
    expect((await post("/login", { email: user.email, password: PASSWORD })).status).toBe(200);
    expect(calls).toEqual([user.id]);
  });

  it("verifier says no: 401 invalid_credentials and the seed hash stays", async () => {
    const { calls, post } = legacyAuth(seedVerifier);
    const stored = seedHashOf(PASSWORD);
    const user = await seedUser(stored);
    const login = await post("/login", { email: user.email, password: `${PASSWORD}!` });
    expect(login.status).toBe(401);
    expect((await errorOf(login)).code).toBe("invalid_credentials");
    expect(calls).toEqual([user.id]);
    expect(await storedHashOf(user.id)).toBe(stored);
  });

  it("a verifier that answers anything but true (a truthy string) is a no", async () => {
    const { post } = legacyAuth(() => "yes" as unknown as boolean);
    const user = await seedUser(seedHashOf(PASSWORD));
    expect((await post("/login", { email: user.email, password: PASSWORD })).status).toBe(401);
  });
});

describe("legacy password verifier at POST /change-password (Worker)", () => {
  /** Signs `user` in (through an Argon2id hash), then puts the seed-era hash back, as if the login never rehashed. */
  async function signedInWithLegacyHash(post: ReturnType<typeof legacyAuth>["post"]) {
    const user = await seedUser(await hashPassword(PASSWORD));
    const login = await post("/login", { email: user.email, password: PASSWORD });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const legacy = seedHashOf(PASSWORD);
    await env.GENERAL_DB.prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2").bind(legacy, user.id).run();
    return { user, token, legacy };
  }

  it("the right legacy current password (verifier yes): 200, the new password is stored as Argon2id", async () => {
    const { calls, post } = legacyAuth(seedVerifier);
    const { user, token } = await signedInWithLegacyHash(post);
    const newPassword = "a brand new passphrase";
    const change = await post("/change-password", { current_password: PASSWORD, new_password: newPassword, revoke_other_logins: false }, token);
    expect(change.status, await change.clone().text()).toBe(200);
    expect(calls).toEqual([user.id]);
    expect(verifyPassword(newPassword, await storedHashOf(user.id))).toEqual({ ok: true, needsRehash: false });
  });

  it("a wrong legacy current password (verifier no): 403 invalid_current_password, nothing changes", async () => {
    const { calls, post } = legacyAuth(seedVerifier);
    const { user, token, legacy } = await signedInWithLegacyHash(post);
    const change = await post("/change-password", { current_password: "not the password", new_password: "a brand new passphrase" }, token);
    expect(change.status).toBe(403);
    expect((await errorOf(change)).code).toBe("invalid_current_password");
    expect(calls).toEqual([user.id]);
    expect(await storedHashOf(user.id)).toBe(legacy);
  });
});

describe("the rehash after a login is a compare-and-swap on the hash that was read", () => {
  it("a password change between the login's read and its rehash survives; the login still answers 200", async () => {
    const newer = await hashPassword("changed meanwhile!");
    let userId = "";
    // The verifier runs after the login read the row and before it writes the
    // rehash: the moment a concurrent change-password would land.
    const { post } = legacyAuth(async (password, stored) => {
      await env.GENERAL_DB.prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2").bind(newer, userId).run();
      return seedVerifier(password, stored);
    });
    const user = await seedUser(seedHashOf(PASSWORD));
    userId = user.id;
    const login = await post("/login", { email: user.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(await storedHashOf(user.id)).toBe(newer);
  });

  it("replacePasswordHash writes only while the stored hash is the expected one", async () => {
    const original = seedHashOf(PASSWORD);
    const user = await seedUser(original);
    const now = Math.floor(Date.now() / 1000);
    expect(await replacePasswordHash(env.GENERAL_DB, user.id, "some other hash", "pbkdf2-sha256$x", now)).toBe(false);
    expect(await storedHashOf(user.id)).toBe(original);
    expect(await replacePasswordHash(env.GENERAL_DB, user.id, original, "pbkdf2-sha256$y", now)).toBe(true);
    expect(await storedHashOf(user.id)).toBe("pbkdf2-sha256$y");
  });
});
