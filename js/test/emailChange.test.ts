/**
 * Issue 14 §2: changing the email needs sudo mode and re-verification: the
 * address changes only when the link sent to the NEW address is opened, and
 * the old address gets a notice. Real local D1, the dev mailbox as sender.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { PASSWORD, call, errorOf, loginUser, registerUser, settleIsolate, uniqueEmail } from "./helpers";
import { count, linkToken, mailEnv, mailTo, one } from "./emailHelpers";

afterEach(() => vi.useRealTimers());

async function signedIn() {
  const user = await registerUser(mailEnv());
  const { token } = await loginUser(mailEnv(), user.email);
  return { user, token };
}

const change = (token: string, email: unknown, e = mailEnv()) => call("POST", "/auth/email/change", { env: e, token, json: { email } });
const confirm = (token: unknown, e = mailEnv()) => call("POST", "/auth/email/change/confirm", { env: e, json: { token } });
const emailOf = async (id: string) => (await one<{ email: string }>("SELECT email FROM users WHERE id = ?1", id))?.email;

describe("POST /auth/email/change", () => {
  it("sends a link to the new address and a notice to the old; nothing changes until the link is confirmed", async () => {
    const { user, token } = await signedIn();
    const next = uniqueEmail("new");
    const response = await change(token, ` ${next.toUpperCase()} `);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ pending: true, email: next, message: expect.any(String) });
    expect(await emailOf(user.id)).toBe(user.email);
    expect(mailTo(next).map((m) => m.subject)).toEqual(["Confirm your new email address"]);
    const [notice] = mailTo(user.email);
    expect(notice?.subject).toBe("Your account's email address is about to change");
    expect(notice?.text).toContain(next);
    expect(notice?.text).not.toMatch(/#confirm-email=/);

    const confirmed = await confirm(linkToken(next, "confirm-email"));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ email_changed: true, email: next });
    expect(await emailOf(user.id)).toBe(next);
    const row = await one<{ email_verified_at: number | null }>("SELECT email_verified_at FROM users WHERE id = ?1", user.id);
    expect(row?.email_verified_at).not.toBeNull();
    const event = await one<{ detail: string }>("SELECT detail FROM auth_events WHERE user_id = ?1 AND kind = 'email_changed'", user.id);
    expect(JSON.parse(event?.detail ?? "{}")).toEqual({ from: user.email, to: next });
    // Sign in with the new address; the old one is gone.
    await loginUser(mailEnv(), next);
    expect((await call("POST", "/auth/login", { json: { email: user.email, password: PASSWORD } })).status).toBe(401);
  });

  it("needs a recent sign-in (sudo mode): 403 reauthentication_required, nothing sent", async () => {
    const { token } = await signedIn();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 601_000);
    await settleIsolate();
    const next = uniqueEmail("late");
    const response = await change(token, next);
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("reauthentication_required");
    expect(mailTo(next)).toEqual([]);
    expect((await call("POST", "/auth/email/change", { env: mailEnv(), json: { email: next } })).status).toBe(401);
  });

  it("an address that has an account: the same 202, no link; that address's owner is told instead", async () => {
    const { user, token } = await signedIn();
    const other = await registerUser(mailEnv());
    const response = await change(token, other.email);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ pending: true, email: other.email, message: expect.any(String) });
    expect(mailTo(other.email).map((m) => m.subject)).toEqual(["You already have an account"]);
    expect(await count("SELECT COUNT(*) AS n FROM email_tokens WHERE user_id = ?1 AND purpose = 'change_email'", user.id)).toBe(0);
  });

  it("hostile input: wrong types, oversized or malformed addresses, the current address; rate-limited per user", async () => {
    const { user, token } = await signedIn();
    for (const [email, code] of [
      [undefined, "missing_field"],
      [7, "invalid_field"],
      [["a@b.co"], "invalid_field"],
      ["nope", "invalid_field"],
      [`${"b".repeat(260)}@example.com`, "invalid_field"],
      [user.email.toUpperCase(), "invalid_field"],
    ] as const) {
      const response = await change(token, email);
      expect(response.status, String(email).slice(0, 30)).toBe(400);
      expect((await errorOf(response)).code).toBe(code);
    }
    const e = mailEnv({ RATE_LIMIT_EMAIL_CHANGE: "2/3600" });
    expect((await change(token, uniqueEmail(), e)).status).toBe(202);
    expect((await change(token, uniqueEmail(), e)).status).toBe(202);
    expect((await change(token, uniqueEmail(), e)).status).toBe(429);
  });
});

describe("POST /auth/email/change/confirm", () => {
  it("replayed: email_token_used; expired: email_token_expired; the address taken meanwhile: 409 email_taken, nothing changed", async () => {
    const { user, token } = await signedIn();
    const next = uniqueEmail("n1");
    await change(token, next);
    const link = linkToken(next, "confirm-email");
    expect((await confirm(link)).status).toBe(200);
    expect((await errorOf(await confirm(link))).code).toBe("email_token_used");

    const { user: late, token: lateToken } = await signedIn();
    const lateAddress = uniqueEmail("n2");
    await change(lateToken, lateAddress, mailEnv({ EMAIL_VERIFICATION_TTL: "60" }));
    const lateLink = linkToken(lateAddress, "confirm-email");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    expect((await errorOf(await confirm(lateLink))).code).toBe("email_token_expired");
    vi.useRealTimers();
    expect(await emailOf(late.id)).toBe(late.email);

    const { user: racer, token: racerToken } = await signedIn();
    const contested = uniqueEmail("n3");
    await change(racerToken, contested);
    const racerLink = linkToken(contested, "confirm-email");
    await registerUser(mailEnv(), contested);
    const taken = await confirm(racerLink);
    expect(taken.status).toBe(409);
    expect((await errorOf(taken)).code).toBe("email_taken");
    expect(await emailOf(racer.id)).toBe(racer.email);
    expect(await emailOf(user.id)).toBe(next);
  });

  it("a password reset cancels a pending change, and after a change the old address's reset links are dead", async () => {
    const { user, token } = await signedIn();
    const next = uniqueEmail("pending");
    await change(token, next);
    const pending = linkToken(next, "confirm-email");
    await call("POST", "/auth/password/reset/request", { env: mailEnv(), json: { email: user.email } });
    expect((await call("POST", "/auth/password/reset/complete", { env: mailEnv(), json: { token: linkToken(user.email, "reset"), password: "taken back 12345" } })).status).toBe(200);
    expect((await errorOf(await confirm(pending))).code).toBe("email_token_used");
    expect(await emailOf(user.id)).toBe(user.email);

    const { user: mover, token: moverToken } = await signedIn();
    await call("POST", "/auth/password/reset/request", { env: mailEnv(), json: { email: mover.email } });
    const oldReset = linkToken(mover.email, "reset");
    const target = uniqueEmail("moved");
    await change(moverToken, target);
    expect((await confirm(linkToken(target, "confirm-email"))).status).toBe(200);
    const dead = await call("POST", "/auth/password/reset/complete", { env: mailEnv(), json: { token: oldReset, password: "whatever 123456" } });
    expect(dead.status).toBe(400);
    expect(["email_token_used", "invalid_email_token"]).toContain((await errorOf(dead)).code);
  });

  it("another user's link moves only that user; the bearer presented does not matter; wrong kinds and shapes are refused", async () => {
    const { user: alice, token: aliceToken } = await signedIn();
    const { user: bob, token: bobToken } = await signedIn();
    const next = uniqueEmail("alice-new");
    await change(aliceToken, next);
    const response = await call("POST", "/auth/email/change/confirm", { env: mailEnv(), token: bobToken, json: { token: linkToken(next, "confirm-email") } });
    expect(response.status).toBe(200);
    expect(await emailOf(alice.id)).toBe(next);
    expect(await emailOf(bob.id)).toBe(bob.email);

    await call("POST", "/auth/email/verify/resend", { env: mailEnv(), token: bobToken });
    expect((await errorOf(await confirm(linkToken(bob.email, "verify-email")))).code).toBe("invalid_email_token");
    for (const [t, code] of [
      ["D".repeat(43), "invalid_email_token"],
      ["%%%", "invalid_email_token"],
      [true, "invalid_field"],
    ] as const) {
      expect((await errorOf(await confirm(t))).code).toBe(code);
    }
  });
});
