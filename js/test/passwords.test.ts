import { afterEach, describe, expect, it, vi } from "vitest";
import { createUser, findUserByEmail } from "../src/db";
import { DUMMY_HASH, PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "../src/passwords";
import { constantTimeEqual } from "../src/utils/encoding";
import { PASSWORD, call, env, jwtEnv, registerUser, uniqueEmail } from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("password hashing", () => {
  it("round-trips and rejects a wrong password", async () => {
    const hash = await hashPassword("hunter2hunter2");
    expect(await verifyPassword("hunter2hunter2", hash)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword("hunter2hunter3", hash)).toEqual({ ok: false, needsRehash: false });
  });

  it("treats unparseable or out-of-range stored hashes as a failed check, never a crash", async () => {
    const good = await hashPassword("pw-pw-pw-pw");
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
      expect(await verifyPassword("pw-pw-pw-pw", stored)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it("the dummy hash matches nothing", async () => {
    expect(await verifyPassword("", DUMMY_HASH)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword(PASSWORD, DUMMY_HASH)).toEqual({ ok: false, needsRehash: false });
  });

  it("constantTimeEqual compares whole arrays", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });

  it("an unknown email costs exactly the PBKDF2 work of a wrong password (no enumeration by timing)", async () => {
    const user = await registerUser(jwtEnv());
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    await call("POST", "/auth/login", { json: { email: user.email, password: "wrong password" } });
    const wrongPassword = derive.mock.calls.map(([params]) => (params as { iterations?: number }).iterations);
    derive.mockClear();
    await call("POST", "/auth/login", { json: { email: uniqueEmail("ghost"), password: "wrong password" } });
    const unknownEmail = derive.mock.calls.map(([params]) => (params as { iterations?: number }).iterations);
    expect(wrongPassword).toEqual([PBKDF2_ITERATIONS]);
    expect(unknownEmail).toEqual(wrongPassword);
  });

  it("a hash below today's cost is upgraded on the next successful login", async () => {
    const email = uniqueEmail("legacy");
    const now = Math.floor(Date.now() / 1000);
    const weak = await hashPassword(PASSWORD, 1_000);
    expect(await verifyPassword(PASSWORD, weak)).toEqual({ ok: true, needsRehash: true });
    await createUser(env.GENERAL_DB, { id: crypto.randomUUID(), email, name: "Legacy", passwordHash: weak, createdAt: now, updatedAt: now });

    // A wrong password never triggers the rewrite.
    await call("POST", "/auth/login", { json: { email, password: "not the password" } });
    expect((await findUserByEmail(env.GENERAL_DB, email))?.passwordHash).toBe(weak);

    const login = await call("POST", "/auth/login", { json: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const upgraded = (await findUserByEmail(env.GENERAL_DB, email))?.passwordHash ?? "";
    expect(upgraded).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await verifyPassword(PASSWORD, upgraded)).toEqual({ ok: true, needsRehash: false });
    // And the upgraded hash still logs in.
    expect((await call("POST", "/auth/login", { json: { email, password: PASSWORD } })).status).toBe(200);
  });
});
