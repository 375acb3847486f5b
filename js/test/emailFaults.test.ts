/**
 * D1 faults in the email flows (issue 14): for every k, the k-th D1
 * statement of a password-reset completion, an email verification and a
 * change-of-email confirmation fails. Each faulted request answers 503
 * (checked by sweep()) and leaves nothing half-written: the token still
 * unspent (so the same link works on the healthy retry), the password, the
 * address and its verification as they were, no auth_events row, and (for
 * the reset) every login still alive. Then the clean run does all of it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../demo/worker";
import { quiet, sweep } from "./d1Faults";
import { PASSWORD, call, loginUser, registerUser, uniqueEmail } from "./helpers";
import { count, linkToken, mailEnv, one, sha256 } from "./emailHelpers";

afterEach(() => vi.restoreAllMocks());

const IP = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
const withIp = { "Content-Type": "application/json", "CF-Connecting-IP": IP };
const faulty = (db: D1Database): Env => quiet(mailEnv(), db);

const events = (userId: string) => count("SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ?1", userId);
const unspent = async (token: string) => count("SELECT COUNT(*) AS n FROM email_tokens WHERE token_hash = ?1 AND used_at IS NULL", await sha256(token));

describe("the k-th D1 statement of an email flow fails", () => {
  it("password reset completion: 503 for every k; password, token, logins and audit untouched until the clean run", async () => {
    const user = await registerUser(mailEnv());
    const login = await loginUser(mailEnv(), user.email);
    await call("POST", "/auth/password/reset/request", { env: mailEnv(), json: { email: user.email } });
    const token = linkToken(user.email, "reset");
    const hashBefore = (await one<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?1", user.id))?.password_hash;
    const n = await sweep(
      "password/reset/complete",
      (db) => call("POST", "/auth/password/reset/complete", { env: faulty(db), json: { token, password: "a new password 123" }, headers: withIp }),
      async (k) => {
        expect((await one<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?1", user.id))?.password_hash, `k=${k}`).toBe(hashBefore);
        expect(await unspent(token), `k=${k}`).toBe(1);
        expect(await events(user.id), `k=${k}`).toBe(0);
        expect(await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1 AND revoked_at IS NULL", user.id), `k=${k}`).toBe(1);
        expect(await count("SELECT COUNT(*) AS n FROM revocations WHERE user_id = ?1 OR subject = ?1", user.id), `k=${k}`).toBe(0);
      },
      async (response) => {
        expect(response.status).toBe(200);
        expect(await unspent(token)).toBe(0);
        expect(await events(user.id)).toBe(1);
        expect(await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1 AND revoked_at IS NULL", user.id)).toBe(0);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2); // the token read, the batch
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } })).status).toBe(401);
    expect((await call("POST", "/auth/login", { json: { email: user.email, password: PASSWORD } })).status).toBe(401);
    await loginUser(mailEnv(), user.email, "a new password 123");
  });

  it("email verification: 503 for every k; the address stays unverified and the link unspent until the clean run", async () => {
    const email = uniqueEmail();
    const registered = await call("POST", "/auth/register", { env: mailEnv({ REQUIRE_EMAIL_VERIFICATION: "on" }), json: { email, password: PASSWORD, name: "V" } });
    expect(registered.status).toBe(202);
    const token = linkToken(email, "verify-email");
    const userId = (await one<{ id: string }>("SELECT id FROM users WHERE email = ?1", email))?.id ?? "";
    const verified = () => count("SELECT COUNT(*) AS n FROM users WHERE id = ?1 AND email_verified_at IS NOT NULL", userId);
    const n = await sweep(
      "email/verify",
      (db) => call("POST", "/auth/email/verify", { env: faulty(db), json: { token }, headers: withIp }),
      async (k) => {
        expect(await verified(), `k=${k}`).toBe(0);
        expect(await unspent(token), `k=${k}`).toBe(1);
        expect(await events(userId), `k=${k}`).toBe(0);
      },
      async () => {
        expect(await verified()).toBe(1);
        expect(await unspent(token)).toBe(0);
        expect(await events(userId)).toBe(1);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2);
  });

  it("change-of-email confirmation: 503 for every k; the old address stays until the clean run moves the account", async () => {
    const user = await registerUser(mailEnv());
    const { token: bearer } = await loginUser(mailEnv(), user.email);
    const next = uniqueEmail("moving");
    expect((await call("POST", "/auth/email/change", { env: mailEnv(), token: bearer, json: { email: next } })).status).toBe(202);
    const token = linkToken(next, "confirm-email");
    const address = async () => (await one<{ email: string }>("SELECT email FROM users WHERE id = ?1", user.id))?.email;
    const n = await sweep(
      "email/change/confirm",
      (db) => call("POST", "/auth/email/change/confirm", { env: faulty(db), json: { token }, headers: withIp }),
      async (k) => {
        expect(await address(), `k=${k}`).toBe(user.email);
        expect(await unspent(token), `k=${k}`).toBe(1);
        expect(await events(user.id), `k=${k}`).toBe(0);
      },
      async () => {
        expect(await address()).toBe(next);
        expect(await unspent(token)).toBe(0);
        expect(await events(user.id)).toBe(1);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2);
  });
});
