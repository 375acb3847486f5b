/**
 * Password hashing (issue 21): Argon2id by default, PBKDF2 and other Argon2id
 * costs moved to it at the next login, the options checked once, and a stored
 * hash treated as untrusted input (a tampered row is refused with a logged,
 * stable code, never a crash or a 500).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { argon2idOwaspCosts } from "hybrid-auth/argon2";
import { createAuth, optionsFromEnv } from "hybrid-auth/hono";
import type { AuthOptions } from "hybrid-auth/hono";
import { createUser, findUserByEmail } from "../src/db";
import { OWASP_ARGON2ID_COSTS, PasswordHashing, checkArgon2idCost } from "../src/passwords";
import { PBKDF2_DUMMY_HASH, hashPbkdf2, matchesPbkdf2, parsePbkdf2 } from "../src/passwords/pbkdf2";
import { constantTimeEqual } from "../src/utils/encoding";
import { PASSWORD, SECRET, call, env, errorOf, uniqueEmail } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const ARGON2ID_DEFAULT = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;
const hashing = (options: ConstructorParameters<typeof PasswordHashing>[0]) => new PasswordHashing(options);
const DEFAULTS = { algorithm: "argon2id", argon2id: { cost: { memoryKiB: 19_456, timeCost: 2, parallelism: 1 }, allowBelowOwaspFloor: false } } as const;

async function userWithHash(passwordHash: string): Promise<string> {
  const email = uniqueEmail("hash");
  const now = Math.floor(Date.now() / 1000);
  await createUser(env.GENERAL_DB, { id: crypto.randomUUID(), email, name: "Hash", passwordHash, createdAt: now, updatedAt: now });
  return email;
}
const storedHash = async (email: string) => (await findUserByEmail(env.GENERAL_DB, email))?.passwordHash ?? "";
const login = (email: string, password = PASSWORD) => call("POST", "/auth/login", { json: { email, password } });

describe("Argon2id is the default password hash", () => {
  it("register stores an Argon2id PHC string at OWASP's m=19456,t=2,p=1, and it logs in", async () => {
    const email = uniqueEmail("argon");
    expect((await call("POST", "/auth/register", { json: { email, password: PASSWORD, name: "A" } })).status).toBe(201);
    expect(await storedHash(email)).toMatch(ARGON2ID_DEFAULT);
    expect((await login(email)).status).toBe(200);
    expect((await login(email, "not the password")).status).toBe(401);
  });

  it("the JS copy of OWASP's rows is the Rust module's table", () => {
    expect(OWASP_ARGON2ID_COSTS).toEqual(argon2idOwaspCosts());
  });

  it("a PBKDF2 hash moves to Argon2id at the next successful login, and a wrong password never moves it", async () => {
    const pbkdf2 = await hashPbkdf2(PASSWORD);
    const email = await userWithHash(pbkdf2);
    expect((await login(email, "not the password")).status).toBe(401);
    expect(await storedHash(email)).toBe(pbkdf2);
    expect((await login(email)).status).toBe(200);
    expect(await storedHash(email)).toMatch(ARGON2ID_DEFAULT);
    expect((await login(email)).status).toBe(200);
  });

  it("an Argon2id hash at another OWASP row verifies and is rewritten at the configured cost", async () => {
    const { hashPassword } = await import("hybrid-auth/argon2");
    const other = hashPassword(PASSWORD, { memoryKiB: 9216, timeCost: 4, parallelism: 1 });
    const email = await userWithHash(other);
    expect((await login(email)).status).toBe(200);
    expect(await storedHash(email)).toMatch(ARGON2ID_DEFAULT);
  });

  it("algorithm \"pbkdf2-sha256\" writes PBKDF2 and moves Argon2id hashes back to it", async () => {
    const pbkdf2Only = hashing({ ...DEFAULTS, algorithm: "pbkdf2-sha256" });
    const hash = await pbkdf2Only.hash(PASSWORD);
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await pbkdf2Only.check(PASSWORD, hash)).toEqual({ ok: true, needsRehash: false });
    const argon = await hashing(DEFAULTS).hash(PASSWORD);
    expect(await pbkdf2Only.check(PASSWORD, argon)).toEqual({ ok: true, needsRehash: true });
  });
});

describe("a stored hash is untrusted input", () => {
  const salt = "c2FsdHNhbHRzYWx0c2FsdA";
  const digest = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
  const TAMPERED: Record<string, string> = {
    "4 GiB of memory": `$argon2id$v=19$m=4194304,t=2,p=1$${salt}$${digest}`,
    "1000 passes": `$argon2id$v=19$m=19456,t=1000,p=1$${salt}$${digest}`,
    "below OWASP's floor": `$argon2id$v=19$m=64,t=1,p=1$${salt}$${digest}`,
    "argon2i, not argon2id": `$argon2i$v=19$m=19456,t=2,p=1$${salt}$${digest}`,
    "a cut-off string": `$argon2id$v=19$m=19456,t=2`,
  };
  for (const [what, stored] of Object.entries(TAMPERED)) {
    it(`${what}: the right password is refused as a wrong one (401 invalid_credentials) and the error is logged with a stable code`, async () => {
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const email = await userWithHash(stored);
      const response = await login(email);
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe("invalid_credentials");
      const lines = logged.mock.calls.map((args) => String(args[0]));
      expect(lines.some((line) => line.includes('"code":"stored_password_hash_rejected"'))).toBe(true);
      // The isolate still works: a normal account logs in right after.
      const fine = await userWithHash(await hashing(DEFAULTS).hash(PASSWORD));
      expect((await login(fine)).status).toBe(200);
    });
  }
});

describe("passwordHashing options are checked once, at createAuth", () => {
  const base = { database: (e: { GENERAL_DB: D1Database }) => e.GENERAL_DB, secret: SECRET };
  it("a cost below OWASP's floor, an unknown key, an out-of-range field or algorithm are refused", () => {
    const refusals: [unknown, RegExp][] = [
      [{ argon2id: { memoryKiB: 8192, timeCost: 3 } }, /below OWASP's floor/],
      [{ argon2id: { memoryKiB: 19455 } }, /below OWASP's floor/],
      [{ argon2id: { memoryKib: 19456 } }, /unknown option passwordHashing\.argon2id\.memoryKib/],
      [{ argon2id: { memoryKiB: 65537 } }, /memoryKiB must be a whole number from 1 to 65536/],
      [{ argon2id: { timeCost: 2.5 } }, /timeCost must be a whole number/],
      [{ algorithm: "bcrypt" }, /passwordHashing\.algorithm must be one of argon2id \| pbkdf2-sha256/],
      [{ iterations: 600000 }, /unknown option passwordHashing\.iterations/],
    ];
    for (const [passwordHashing, message] of refusals) {
      expect(() => createAuth({ ...base, passwordHashing: passwordHashing as AuthOptions<{ GENERAL_DB: D1Database }>["passwordHashing"] }), JSON.stringify(passwordHashing)).toThrow(message);
    }
  });
  it("every OWASP row is accepted, and allowBelowOwaspFloor lets a test use a cheap cost", () => {
    for (const row of OWASP_ARGON2ID_COSTS) expect(checkArgon2idCost(row, false)).toEqual(row);
    expect(checkArgon2idCost({ memoryKiB: 64, timeCost: 1 }, true)).toEqual({ memoryKiB: 64, timeCost: 1, parallelism: 1 });
    expect(() => createAuth({ ...base, passwordHashing: { argon2id: { memoryKiB: 64, timeCost: 1 }, allowBelowOwaspFloor: true } })).not.toThrow();
  });
});

describe("PASSWORD_HASH and ARGON2ID_COST (optionsFromEnv)", () => {
  const database = () => env.GENERAL_DB;
  it("read into passwordHashing, and a malformed value names its variable", () => {
    expect(optionsFromEnv({ PASSWORD_HASH: "pbkdf2-sha256", ARGON2ID_COST: "m=47104,t=1,p=1" }, { database }).passwordHashing).toEqual({
      algorithm: "pbkdf2-sha256",
      argon2id: { memoryKiB: 47104, timeCost: 1, parallelism: 1 },
    });
    expect(optionsFromEnv({}, { database }).passwordHashing).toBeUndefined();
    expect(() => optionsFromEnv({ PASSWORD_HASH: "bcrypt" }, { database })).toThrow(/PASSWORD_HASH must be one of/);
    expect(() => optionsFromEnv({ ARGON2ID_COST: "19456" }, { database })).toThrow(/ARGON2ID_COST must look like/);
    // A weak cost passes the text check and fails the options check, as every option does.
    expect(() => createAuth(optionsFromEnv({ ARGON2ID_COST: "m=1024,t=1,p=1" }, { database }))).toThrow(/below OWASP's floor/);
  });
});

describe("PBKDF2 hashes (every release before Argon2id) still verify", () => {
  it("round-trips and rejects a wrong password", async () => {
    const parsed = parsePbkdf2(await hashPbkdf2("hunter2hunter2"));
    expect(parsed).not.toBeNull();
    if (!parsed) return;
    expect(await matchesPbkdf2("hunter2hunter2", parsed)).toBe(true);
    expect(await matchesPbkdf2("hunter2hunter3", parsed)).toBe(false);
  });

  it("unparseable or out-of-range PBKDF2 strings are not PBKDF2 hashes (they fall to the legacy verifier, if any)", async () => {
    const good = await hashPbkdf2("pw-pw-pw-pw");
    const [, , salt, digest] = good.split("$");
    for (const stored of [
      "",
      "plaintext",
      `bcrypt$10$${salt}$${digest}`,
      `pbkdf2-sha256$100001$${salt}$${digest}`, // above workerd's cap
      `pbkdf2-sha256$10$${salt}$${digest}`, // absurdly weak
      `pbkdf2-sha256$100000$${salt}$${digest}$extra`,
      `pbkdf2-sha256$100000$!!!$${digest}`,
      `pbkdf2-sha256$100000$${salt}$${btoa("short")}`,
    ]) {
      expect(parsePbkdf2(stored), stored).toBeNull();
      expect(await hashing(DEFAULTS).check("pw-pw-pw-pw", stored), stored).toEqual({ ok: false });
    }
  });

  it("the dummy hashes match nothing", async () => {
    const dummy = parsePbkdf2(PBKDF2_DUMMY_HASH);
    expect(dummy).not.toBeNull();
    if (dummy) expect(await matchesPbkdf2(PASSWORD, dummy)).toBe(false);
    expect(await hashing(DEFAULTS).check(PASSWORD, PBKDF2_DUMMY_HASH)).toEqual({ ok: false });
  });

  it("a PBKDF2 hash below 100,000 iterations asks for a rehash", async () => {
    expect(await hashing(DEFAULTS).check(PASSWORD, await hashPbkdf2(PASSWORD, 1_000))).toEqual({ ok: true, needsRehash: true });
    expect(await hashing({ ...DEFAULTS, algorithm: "pbkdf2-sha256" }).check(PASSWORD, await hashPbkdf2(PASSWORD, 1_000))).toEqual({ ok: true, needsRehash: true });
  });

  it("constantTimeEqual compares whole arrays", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
