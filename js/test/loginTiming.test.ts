/**
 * Issue 19 §2 and §9: every failed password check costs the same work, and
 * hashes are compared with the platform's timing-safe compare.
 *
 * The work is counted, not timed: a spy on crypto.subtle.deriveBits records
 * the PBKDF2 runs (their iteration counts) of one request. A failed login
 * for an unknown email, for a v3 account and for a seed-era account (with
 * hooks.legacyPasswordVerifier set) must each run exactly one PBKDF2 at
 * today's cost; likewise a wrong current password at change-password.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuth } from "hybrid-auth/hono";
import { createUser } from "../src/db";
import { PBKDF2_ITERATIONS, hashPassword } from "../src/passwords";
import { constantTimeEqual } from "../src/utils/encoding";
import { PASSWORD, SECRET, env, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
}

afterEach(() => vi.restoreAllMocks());

const SEED_HASH = "seed$not-a-format-hybrid-auth-writes";

const auth = createAuth<TestEnv>({
  database: (e) => e.GENERAL_DB,
  secret: SECRET,
  rateLimits: { loginPerEmail: null, loginPerEmailIp: null, loginPerIp: null, changePasswordPerUser: null },
  // A cheap verifier, as a seed's fast hash would be: it must not make its path cheaper than the others.
  hooks: { legacyPasswordVerifier: (password, stored) => stored === `seed$${password}` },
});

function post(path: string, body: unknown, token?: string): Promise<Response> {
  return Promise.resolve(
    auth.app.request(
      path,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      },
      { GENERAL_DB: env.GENERAL_DB } satisfies TestEnv,
    ),
  );
}

async function newUser(passwordHash: string): Promise<{ id: string; email: string }> {
  const now = Math.floor(Date.now() / 1000);
  const user = { id: crypto.randomUUID(), email: uniqueEmail("timing"), name: "Timing", passwordHash, createdAt: now, updatedAt: now };
  if (!(await createUser(env.GENERAL_DB, user)).ok) throw new Error("user not created");
  return user;
}

/** The PBKDF2 iteration counts of every deriveBits call `work` makes. */
async function pbkdf2RunsOf(work: () => Promise<Response>, expectedStatus: number): Promise<number[]> {
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  try {
    const response = await work();
    expect(response.status, await response.clone().text()).toBe(expectedStatus);
    return derive.mock.calls.map(([params]) => (params as { iterations?: number }).iterations ?? -1);
  } finally {
    derive.mockRestore();
  }
}

describe("a failed password check costs the same PBKDF2 work on every path (issue 19 §2)", () => {
  it("login: unknown email, wrong v3 password and wrong seed-era password each run one PBKDF2 at today's cost", async () => {
    const v3 = await newUser(await hashPassword(PASSWORD));
    const seed = await newUser(SEED_HASH);
    const unknown = await pbkdf2RunsOf(() => post("/login", { email: uniqueEmail("ghost"), password: "wrong password" }), 401);
    const wrongV3 = await pbkdf2RunsOf(() => post("/login", { email: v3.email, password: "wrong password" }), 401);
    const wrongSeed = await pbkdf2RunsOf(() => post("/login", { email: seed.email, password: "wrong password" }), 401);
    expect({ unknown, wrongV3, wrongSeed }).toEqual({ unknown: [PBKDF2_ITERATIONS], wrongV3: [PBKDF2_ITERATIONS], wrongSeed: [PBKDF2_ITERATIONS] });
  });

  it("change-password: a wrong current password costs the same on a v3 and on a seed-era account", async () => {
    /** Signs in through a PBKDF2 hash, then (for the seed case) puts a seed-era hash in its place. */
    async function signedIn(finalHash: string | null): Promise<string> {
      const user = await newUser(await hashPassword(PASSWORD));
      const login = await post("/login", { email: user.email, password: PASSWORD });
      expect(login.status).toBe(200);
      if (finalHash) await env.GENERAL_DB.prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2").bind(finalHash, user.id).run();
      return ((await login.json()) as { token: string }).token;
    }
    const v3Token = await signedIn(null);
    const seedToken = await signedIn(SEED_HASH);
    const body = { current_password: "wrong password", new_password: "a brand new passphrase" };
    const wrongV3 = await pbkdf2RunsOf(() => post("/change-password", body, v3Token), 403);
    const wrongSeed = await pbkdf2RunsOf(() => post("/change-password", body, seedToken), 403);
    expect({ wrongV3, wrongSeed }).toEqual({ wrongV3: [PBKDF2_ITERATIONS], wrongSeed: [PBKDF2_ITERATIONS] });
  });
});

describe("password hashes are compared with crypto.subtle.timingSafeEqual (issue 19 §9)", () => {
  it("a login's password check calls it once, on two 32-byte buffers, and uses its answer", async () => {
    const user = await newUser(await hashPassword(PASSWORD));
    const safeEqual = vi.spyOn(crypto.subtle, "timingSafeEqual");
    expect((await post("/login", { email: user.email, password: "wrong password" })).status).toBe(401);
    expect(safeEqual).toHaveBeenCalledTimes(1);
    const [a, b] = safeEqual.mock.calls[0] ?? [];
    expect([(a as Uint8Array).byteLength, (b as Uint8Array).byteLength]).toEqual([32, 32]);
    expect(safeEqual.mock.results[0]).toEqual({ type: "return", value: false });

    safeEqual.mockClear();
    expect((await post("/login", { email: user.email, password: PASSWORD })).status).toBe(200);
    expect(safeEqual).toHaveBeenCalledTimes(1);
    expect(safeEqual.mock.results[0]).toEqual({ type: "return", value: true });

    // Its answer decides: forced to false, the right password is refused.
    safeEqual.mockReturnValue(false);
    expect((await post("/login", { email: user.email, password: PASSWORD })).status).toBe(401);
  });

  it("constantTimeEqual: equal and unequal bytes via the platform; unequal lengths are false without calling it (workerd would throw)", () => {
    const safeEqual = vi.spyOn(crypto.subtle, "timingSafeEqual");
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(safeEqual).toHaveBeenCalledTimes(3);
    safeEqual.mockClear();
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array([0]))).toBe(false);
    expect(safeEqual).not.toHaveBeenCalled();
    // The platform itself refuses unequal lengths: the length check above is what keeps them a plain false.
    expect(() => crypto.subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toThrow();
  });
});
