/**
 * Issue 19 §2, §9 and issue 21: every failed password check costs the same
 * work, and PBKDF2 hashes are compared with the platform's timing-safe compare.
 *
 * The work is counted, not timed: spies record the PBKDF2 runs (their
 * iteration counts, crypto.subtle.deriveBits) and the Argon2id runs (the cost
 * each one computed, passwords/argon2id.ts's engine) of one request. A failed
 * login for an unknown email, for an Argon2id account, for a PBKDF2 account
 * and for a seed-era account (with hooks.legacyPasswordVerifier set) must each
 * run exactly one Argon2id at the configured cost and one PBKDF2 at 100,000
 * iterations; likewise a wrong current password at change-password.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { hashPassword } from "hybrid-auth/argon2";
import { createAuth } from "hybrid-auth/hono";
import { createUser } from "../src/db";
import { PBKDF2_ITERATIONS } from "../src/passwords";
import { argon2Engine } from "../src/passwords/argon2id";
import { hashPbkdf2 } from "../src/passwords/pbkdf2";
import { constantTimeEqual } from "../src/utils/encoding";
import { PASSWORD, SECRET, env, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
}

afterEach(() => vi.restoreAllMocks());

const SEED_HASH = "seed$not-a-format-hybrid-auth-writes";
const ARGON2ID_COST = "m=19456,t=2,p=1";

const auth = createAuth<TestEnv>({
  database: (e) => e.GENERAL_DB,
  secret: SECRET,
  rateLimits: { loginPerEmail: null, loginPerEmailIp: null, loginPerIp: null, changePasswordPerUser: null },
  // A cheap verifier, as a seed's fast hash would be: it must not make its path cheaper than the others.
  hooks: { legacyPasswordVerifier: (password, stored) => stored === `seed$${password}` },
});
/** A hash as createAuth writes it by default. */
const argon2Hash = async (password: string) => hashPassword(password);

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

interface Work {
  /** The cost ("m=…,t=…,p=…") of each Argon2id run (a stored hash refused before running costs nothing and is not listed). */
  argon2id: string[];
  /** The iteration count of each PBKDF2 run. */
  pbkdf2: number[];
}

/** The password work one request does. */
async function workOf(request: () => Promise<Response>, expectedStatus: number): Promise<Work> {
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  const argon2 = vi.spyOn(argon2Engine, "verify");
  try {
    const response = await request();
    expect(response.status, await response.clone().text()).toBe(expectedStatus);
    const argon2id = argon2.mock.calls.flatMap(([, stored], i) => {
      const result = argon2.mock.results[i]?.value as { ok: boolean; reason?: string } | undefined;
      const ran = result !== undefined && (result.ok || result.reason === "mismatch");
      return ran ? [String(stored).split("$")[3] ?? "?"] : [];
    });
    return { argon2id, pbkdf2: derive.mock.calls.map(([params]) => (params as { iterations?: number }).iterations ?? -1) };
  } finally {
    derive.mockRestore();
    argon2.mockRestore();
  }
}

const ONE_OF_EACH: Work = { argon2id: [ARGON2ID_COST], pbkdf2: [PBKDF2_ITERATIONS] };

describe("a failed password check costs the same work on every path (issue 19 §2, issue 21)", () => {
  it("login: unknown email, wrong Argon2id, PBKDF2 and seed-era passwords each run one Argon2id at the configured cost and one PBKDF2 at 100,000", async () => {
    const argon = await newUser(await argon2Hash(PASSWORD));
    const pbkdf2 = await newUser(await hashPbkdf2(PASSWORD));
    const seed = await newUser(SEED_HASH);
    const wrong = "wrong password";
    const work = {
      unknown: await workOf(() => post("/login", { email: uniqueEmail("ghost"), password: wrong }), 401),
      wrongArgon2id: await workOf(() => post("/login", { email: argon.email, password: wrong }), 401),
      wrongPbkdf2: await workOf(() => post("/login", { email: pbkdf2.email, password: wrong }), 401),
      wrongSeed: await workOf(() => post("/login", { email: seed.email, password: wrong }), 401),
    };
    expect(work).toEqual({ unknown: ONE_OF_EACH, wrongArgon2id: ONE_OF_EACH, wrongPbkdf2: ONE_OF_EACH, wrongSeed: ONE_OF_EACH });
  });

  it("a tampered Argon2id row (4 GiB asked) costs what a wrong password costs, and allocates nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const tampered = await newUser("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g");
    expect(await workOf(() => post("/login", { email: tampered.email, password: PASSWORD }), 401)).toEqual(ONE_OF_EACH);
  });

  it("change-password: a wrong current password costs the same on Argon2id, PBKDF2 and seed-era accounts", async () => {
    /** Signs in, then puts `finalHash` in place of the password hash (as a not yet upgraded account would have). */
    async function signedIn(finalHash: string | null): Promise<string> {
      const user = await newUser(await argon2Hash(PASSWORD));
      const login = await post("/login", { email: user.email, password: PASSWORD });
      expect(login.status).toBe(200);
      if (finalHash) await env.GENERAL_DB.prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2").bind(finalHash, user.id).run();
      return ((await login.json()) as { token: string }).token;
    }
    const argonToken = await signedIn(null);
    const pbkdf2Token = await signedIn(await hashPbkdf2(PASSWORD));
    const seedToken = await signedIn(SEED_HASH);
    const body = { current_password: "wrong password", new_password: "a brand new passphrase" };
    const work = {
      wrongArgon2id: await workOf(() => post("/change-password", body, argonToken), 403),
      wrongPbkdf2: await workOf(() => post("/change-password", body, pbkdf2Token), 403),
      wrongSeed: await workOf(() => post("/change-password", body, seedToken), 403),
    };
    expect(work).toEqual({ wrongArgon2id: ONE_OF_EACH, wrongPbkdf2: ONE_OF_EACH, wrongSeed: ONE_OF_EACH });
  });
});

describe("PBKDF2 hashes are compared with crypto.subtle.timingSafeEqual (issue 19 §9)", () => {
  it("a login's PBKDF2 check calls it once, on two 32-byte buffers, and uses its answer", async () => {
    const user = await newUser(await hashPbkdf2(PASSWORD));
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

    // Its answer decides: forced to false, the right password is refused (a fresh
    // PBKDF2 account: the login above moved the first one to Argon2id).
    const other = await newUser(await hashPbkdf2(PASSWORD));
    safeEqual.mockReturnValue(false);
    expect((await post("/login", { email: other.email, password: PASSWORD })).status).toBe(401);
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
