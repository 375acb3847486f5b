/**
 * Issue 14 §4: email verification (REQUIRE_EMAIL_VERIFICATION), the
 * `email_verified` of /auth/me and of the JWT, and register without
 * account enumeration. Real local D1, the dev mailbox as the sender.
 */
import { env as workerEnv } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuth } from "hybrid-auth/hono";
import { PASSWORD, SECRET, call, errorOf, jwtEnv, loginUser, registerUser, uniqueEmail } from "./helpers";
import { claimsOf, count, linkToken, mailEnv, mailSessionEnv, mailTo } from "./emailHelpers";

const verifyOn = (overrides = {}) => mailEnv({ REQUIRE_EMAIL_VERIFICATION: "on", ...overrides });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function register(email: string, e = verifyOn(), password = PASSWORD) {
  return call("POST", "/auth/register", { env: e, json: { email, password, name: "Ada" } });
}

async function verify(token: unknown, e = verifyOn()) {
  return call("POST", "/auth/email/verify", { env: e, json: { token } });
}

async function me(token: string, e = verifyOn()) {
  return (await (await call("GET", "/auth/me", { env: e, token })).json()) as { email_verified: boolean; user: { email: string } };
}

describe("register while verification is on", () => {
  it("a taken address gets exactly the answer a new one gets; its owner gets an email instead, and no second account exists", async () => {
    const email = uniqueEmail("taken");
    const first = await register(email);
    const again = await register(email, verifyOn(), "someone else's password");
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    const [a, b] = [await first.text(), await again.text()];
    expect(b).toBe(a);
    expect(JSON.parse(a)).toEqual({ verification_sent: true, email, message: expect.any(String) });
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1", email)).toBe(1);
    const subjects = mailTo(email).map((m) => m.subject);
    expect(subjects).toEqual(["You already have an account", "Confirm your email address"]);
    // The second registration's password does nothing.
    expect((await call("POST", "/auth/login", { env: verifyOn(), json: { email, password: "someone else's password" } })).status).toBe(401);
  });

  it("verification off: a taken address is still 409 email_taken (the default is unchanged) and no email is sent", async () => {
    const user = await registerUser(mailEnv());
    const response = await register(user.email, mailEnv());
    expect(response.status).toBe(409);
    expect((await errorOf(response)).code).toBe("email_taken");
    expect(mailTo(user.email)).toEqual([]);
  });

  it("needs a sender: REQUIRE_EMAIL_VERIFICATION without one is 503 misconfigured", async () => {
    const response = await register(uniqueEmail(), jwtEnv({ REQUIRE_EMAIL_VERIFICATION: "on" }));
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("misconfigured");
    const bad = await register(uniqueEmail(), mailEnv({ REQUIRE_EMAIL_VERIFICATION: "yes" }));
    expect((await errorOf(bad)).code).toBe("misconfigured");
  });
});

describe("email_verified", () => {
  it("an unverified user can sign in; /auth/me and the JWT say false until the link is opened, which ends that login; the next login and its refresh say true", async () => {
    const email = uniqueEmail();
    expect((await register(email)).status).toBe(202);
    const before = await loginUser(verifyOn(), email);
    expect(claimsOf(before.token).email_verified).toBe(false);
    expect((await me(before.token)).email_verified).toBe(false);

    const response = await verify(linkToken(email, "verify-email"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ email_verified: true, email });
    expect(await count("SELECT COUNT(*) AS n FROM auth_events e JOIN users u ON u.id = e.user_id WHERE u.email = ?1 AND e.kind = 'email_verified'", email)).toBe(1);

    // The first proof of the address ends every login made before it (issue 19 §1: account
    // pre-hijacking): the JWT and the refresh token of the login above are refused.
    expect((await call("GET", "/auth/me", { env: verifyOn(), token: before.token })).status).toBe(401);
    expect((await call("POST", "/auth/refresh", { env: verifyOn(), json: { refresh_token: before.refresh_token } })).status).toBe(401);
    // The next login says true, and so does its refresh.
    const after = await loginUser(verifyOn(), email);
    const refreshed = await call("POST", "/auth/refresh", { env: verifyOn(), json: { refresh_token: after.refresh_token } });
    expect(claimsOf(((await refreshed.json()) as { token: string }).token).email_verified).toBe(true);
    expect(claimsOf(after.token).email_verified).toBe(true);
    expect((await me(after.token)).email_verified).toBe(true);
    // A session reads it from D1 on each request.
    const session = await loginUser(mailSessionEnv(), email);
    expect((await me(session.token, mailSessionEnv())).email_verified).toBe(true);
  });

  it("hooks.extraClaims may not set email_verified (it is the issuer's claim): the login fails with a 500, no token", async () => {
    const custom = createAuth({ database: (e: { GENERAL_DB: D1Database }) => e.GENERAL_DB, secret: SECRET, hooks: { extraClaims: () => ({ email_verified: true }) } });
    const user = await registerUser();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await custom.app.request("/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: user.email, password: PASSWORD }) }, workerEnv);
    expect(response.status).toBe(500);
    expect((await errorOf(response)).code).toBe("internal_error");
    expect(errors).toHaveBeenCalled();
  });
});

describe("POST /auth/email/verify", () => {
  it("replayed: 400 email_token_used; expired: 400 email_token_expired; unknown or malformed: 400 invalid_email_token", async () => {
    const email = uniqueEmail();
    await register(email);
    const token = linkToken(email, "verify-email");
    expect((await verify(token)).status).toBe(200);
    const replay = await verify(token);
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).code).toBe("email_token_used");

    const late = uniqueEmail();
    await register(late, verifyOn({ EMAIL_VERIFICATION_TTL: "60" }));
    const lateToken = linkToken(late, "verify-email");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    const expired = await verify(lateToken);
    expect(expired.status).toBe(400);
    expect((await errorOf(expired)).code).toBe("email_token_expired");
    vi.useRealTimers();
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1 AND email_verified_at IS NULL", late)).toBe(1);

    for (const [t, code] of [
      ["C".repeat(43), "invalid_email_token"],
      ["short", "invalid_email_token"],
      ["x".repeat(5000), "invalid_email_token"],
      [42, "invalid_field"],
      [null, "missing_field"],
      [{ token }, "invalid_field"],
    ] as const) {
      const response = await verify(t);
      expect(response.status, JSON.stringify(t).slice(0, 30)).toBe(400);
      expect((await errorOf(response)).code).toBe(code);
    }
  });

  it("a password-reset token is not a verification token; another user's verification token verifies that user only", async () => {
    const alice = uniqueEmail("alice");
    const bob = uniqueEmail("bob");
    await register(alice);
    await register(bob);
    await call("POST", "/auth/password/reset/request", { env: verifyOn(), json: { email: alice } });
    const wrongKind = await verify(linkToken(alice, "reset"));
    expect((await errorOf(wrongKind)).code).toBe("invalid_email_token");

    const bobLogin = await loginUser(verifyOn(), bob);
    const response = await call("POST", "/auth/email/verify", { env: verifyOn(), token: bobLogin.token, json: { token: linkToken(alice, "verify-email") } });
    expect(await response.json()).toEqual({ email_verified: true, email: alice });
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1 AND email_verified_at IS NULL", bob)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1 AND email_verified_at IS NOT NULL", alice)).toBe(1);
  });
});

describe("POST /auth/email/verify/resend", () => {
  it("sends a new link that retires the old one, is rate-limited per user, and says when there is nothing to verify", async () => {
    const email = uniqueEmail();
    await register(email);
    const first = linkToken(email, "verify-email");
    const { token } = await loginUser(verifyOn(), email);
    const e = verifyOn({ RATE_LIMIT_VERIFY_RESEND: "2/3600" });
    const resend = await call("POST", "/auth/email/verify/resend", { env: e, token });
    expect(resend.status).toBe(202);
    expect(await resend.json()).toEqual({ sent: true, email_verified: false });
    const second = linkToken(email, "verify-email");
    expect(second).not.toBe(first);
    expect((await errorOf(await verify(first))).code).toBe("email_token_used");

    expect((await call("POST", "/auth/email/verify/resend", { env: e, token })).status).toBe(202);
    const limited = await call("POST", "/auth/email/verify/resend", { env: e, token });
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("rate_limited");

    expect((await verify(linkToken(email, "verify-email"))).status).toBe(200);
    // The proof ended the login above (issue 19 §1): sign in again.
    const again = await loginUser(verifyOn(), email);
    const done = await call("POST", "/auth/email/verify/resend", { env: verifyOn(), token: again.token });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ sent: false, email_verified: true });
  });

  it("needs a sign-in, and a sender", async () => {
    expect((await call("POST", "/auth/email/verify/resend", { env: verifyOn() })).status).toBe(401);
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const response = await call("POST", "/auth/email/verify/resend", { env: jwtEnv(), token });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("email_not_configured");
  });
});
