/**
 * Issue 14 §3: password reset by email, against the real local D1, with the
 * dev mailbox as the sender.
 */
import { mailboxOf } from "../src/email/devMailbox";
import { argon2Engine } from "../src/passwords/argon2id";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../demo/worker";
import { PASSWORD, auth, call, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, settleIsolate, totalQueries, uniqueEmail } from "./helpers";
import { count, linkToken, mailEnv, mailSessionEnv, mailTo, one, sha256 } from "./emailHelpers";

const NEW_PASSWORD = "a brand new passphrase 42";

afterEach(() => {
  vi.useRealTimers();
});

async function requestReset(email: unknown, e = mailEnv(), headers?: Record<string, string>) {
  return call("POST", "/auth/password/reset/request", { env: e, json: { email }, ...(headers ? { headers } : {}) });
}

async function complete(token: unknown, password: unknown = NEW_PASSWORD, e = mailEnv()) {
  return call("POST", "/auth/password/reset/complete", { env: e, json: { token, password } });
}

describe("POST /auth/password/reset/request", () => {
  it("answers the same 202 body for an address with an account and one without; only the account's owner gets a link", async () => {
    const user = await registerUser(mailEnv());
    const nobody = uniqueEmail("nobody");
    const known = await requestReset(user.email);
    const unknown = await requestReset(nobody);
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    const [a, b] = [await known.text(), await unknown.text()];
    expect(a).toBe(b);
    expect(JSON.parse(a)).toEqual({ accepted: true, message: expect.any(String) });
    expect([...known.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());

    expect(mailTo(nobody)).toEqual([]);
    const [mail] = mailTo(user.email);
    expect(mail?.subject).toBe("Reset your password");
    // The link points at the page, with the token in the #fragment (never sent to a server in a URL).
    expect(mail?.text).toMatch(/http:\/\/localhost:8787\/#reset=[A-Za-z0-9_-]{43}\n/);
    expect(mail?.html).toContain(`href="http://localhost:8787/#reset=`);
    const token = linkToken(user.email, "reset");
    // Stored only as its SHA-256, for 30 minutes by default.
    const row = await one<{ token_hash: string; expires_at: number; created_at: number; purpose: string }>(
      "SELECT token_hash, expires_at, created_at, purpose FROM email_tokens WHERE user_id = ?1",
      user.id,
    );
    expect(row?.token_hash).toBe(await sha256(token));
    expect(row?.purpose).toBe("password_reset");
    expect((row?.expires_at ?? 0) - (row?.created_at ?? 0)).toBe(1800);
    expect(await count("SELECT COUNT(*) AS n FROM email_tokens WHERE token_hash = ?1", token)).toBe(0);
  });

  it("answers before it looks the account up: the response does not wait for the lookup (so its time cannot depend on it)", async () => {
    const user = await registerUser(mailEnv());
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let lookups = 0;
    // A binding whose user lookup by email waits until the test releases it.
    const gated = new Proxy(env.GENERAL_DB, {
      get(target, prop) {
        if (prop !== "prepare") {
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (!/FROM users WHERE email/.test(sql)) return statement;
          return new Proxy(statement, {
            get(s, p) {
              if (p === "bind") {
                return (...args: unknown[]) => {
                  const bound = s.bind(...args);
                  return { first: async <T>() => (lookups++, await gate, bound.first<T>()) };
                };
              }
              const value: unknown = Reflect.get(s, p, s);
              return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(s) : value;
            },
          });
        };
      },
    });
    const ctx = createExecutionContext();
    const request = new Request("https://auth.test/auth/password/reset/request", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": "2001:db8:77::1" },
      body: JSON.stringify({ email: user.email }),
    });
    const response = await worker.fetch(request, mailEnv({ GENERAL_DB: gated }), ctx);
    // Answered while the lookup is still held.
    expect(response.status).toBe(202);
    expect(lookups).toBe(1);
    expect(mailTo(user.email)).toEqual([]);
    release();
    await waitOnExecutionContext(ctx);
    expect(mailTo(user.email)).toHaveLength(1);
  });

  it("never refuses: over the per-email (whatever the spelling) or per-IP limit the answer is the same 202, and no token or email goes out", async () => {
    const user = await registerUser(mailEnv());
    const e = mailEnv({ RATE_LIMIT_RESET_EMAIL: "2/3600" });
    const first = await requestReset(user.email, e);
    expect(first.status).toBe(202);
    expect((await requestReset(` ${user.email.toUpperCase()}`, e)).status).toBe(202);
    const third = await requestReset(user.email, e);
    expect(third.status).toBe(202);
    expect(await third.text()).toBe(await first.text());
    expect(third.headers.get("Retry-After")).toBeNull();
    expect(mailTo(user.email)).toHaveLength(2);
    expect(await count("SELECT COUNT(*) AS n FROM email_tokens WHERE user_id = ?1", user.id)).toBe(2);
    // The newest link that was sent still works: the capped request issued nothing to supersede it.
    expect((await complete(linkToken(user.email, "reset"), NEW_PASSWORD, e)).status).toBe(200);

    const nobody = uniqueEmail("nobody");
    for (let i = 0; i < 3; i++) expect((await requestReset(nobody, e)).status).toBe(202);

    // One client asking for many addresses: after RATE_LIMIT_RESET_IP, the same 202 and no email.
    const ip = { "Content-Type": "application/json", "CF-Connecting-IP": `203.0.113.${1 + Math.floor(Math.random() * 250)}` };
    const perIp = mailEnv({ RATE_LIMIT_RESET_IP: "3/3600" });
    const users = [];
    for (let i = 0; i < 4; i++) users.push(await registerUser(mailEnv()));
    for (const u of users) expect((await requestReset(u.email, perIp, ip)).status).toBe(202);
    expect(users.map((u) => mailTo(u.email).length)).toEqual([1, 1, 1, 0]);
    // Another client is not held back by that one.
    expect((await requestReset(users[3]?.email ?? "", perIp)).status).toBe(202);
    expect(mailTo(users[3]?.email ?? "")).toHaveLength(1);
  });

  it("without an email sender: 503 email_not_configured, for every address", async () => {
    const user = await registerUser();
    for (const email of [user.email, uniqueEmail()]) {
      const response = await requestReset(email, jwtEnv());
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("email_not_configured");
    }
  });

  it("hostile input: wrong types, oversized and malformed emails are 400 before any lookup", async () => {
    const cases: [unknown, string][] = [
      [undefined, "missing_field"],
      [null, "missing_field"],
      [42, "invalid_field"],
      [["a@b.co"], "invalid_field"],
      [{ email: "a@b.co" }, "invalid_field"],
      ["not-an-email", "invalid_field"],
      [`${"a".repeat(300)}@example.com`, "invalid_field"],
      ["a\u0000b@example.com", "invalid_field"],
    ];
    for (const [email, code] of cases) {
      const response = await requestReset(email);
      expect(response.status, JSON.stringify(email)).toBe(400);
      expect((await errorOf(response)).code).toBe(code);
    }
    const big = await call("POST", "/auth/password/reset/request", { env: mailEnv(), body: JSON.stringify({ email: "x".repeat(20_000) }) });
    expect(big.status).toBe(400);
    expect((await errorOf(big)).code).toBe("body_too_large");
  });
});

describe("POST /auth/password/reset/complete", () => {
  it("sets the new password, ends every login of the user (JWT, refresh token, session), spends the token, and records an auth_events row", async () => {
    const user = await registerUser(mailEnv());
    const jwtLogin = await loginUser(mailEnv(), user.email);
    const sessionLogin = await loginUser(mailSessionEnv(), user.email);
    await settleIsolate();
    await requestReset(user.email);
    const token = linkToken(user.email, "reset");

    const response = await complete(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ password_reset: true, email: user.email, sessions_ended: 1, refresh_families_revoked: 1 });

    // Every login is over, in this isolate at once.
    expect((await call("GET", "/auth/me", { env: mailEnv(), token: jwtLogin.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: mailEnv(), token: sessionLogin.token })).status).toBe(401);
    const refreshed = await call("POST", "/auth/refresh", { env: mailEnv(), json: { refresh_token: jwtLogin.refresh_token } });
    expect(refreshed.status).toBe(401);
    // …and in strict mode (straight from D1).
    expect((await call("GET", "/auth/me", { env: mailEnv({ REVOCATION: "strict" }), token: jwtLogin.token })).status).toBe(401);

    // The old password no longer works, the new one does, and it is an Argon2id hash (the default).
    expect((await call("POST", "/auth/login", { json: { email: user.email, password: PASSWORD } })).status).toBe(401);
    const fresh = await loginUser(mailEnv(), user.email, NEW_PASSWORD);
    expect((await call("GET", "/auth/me", { env: mailEnv(), token: fresh.token })).status).toBe(200);
    const stored = await one<{ password_hash: string; email_verified_at: number | null }>("SELECT password_hash, email_verified_at FROM users WHERE id = ?1", user.id);
    expect(stored?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The link reached the address: it counts as verified.
    expect(stored?.email_verified_at).not.toBeNull();

    const spent = await one<{ used_at: number | null }>("SELECT used_at FROM email_tokens WHERE token_hash = ?1", await sha256(token));
    expect(spent?.used_at).not.toBeNull();
    const event = await one<{ kind: string; detail: string }>("SELECT kind, detail FROM auth_events WHERE user_id = ?1", user.id);
    expect(event?.kind).toBe("password_reset");
    expect(JSON.parse(event?.detail ?? "{}")).toEqual({ sessions_ended: 1, refresh_families_revoked: 1 });
  });

  it("a replayed token: 400 email_token_used, and the password set by the first use stays", async () => {
    const user = await registerUser(mailEnv());
    await requestReset(user.email);
    const token = linkToken(user.email, "reset");
    expect((await complete(token)).status).toBe(200);
    const replay = await complete(token, "the attacker's password");
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).code).toBe("email_token_used");
    expect((await call("POST", "/auth/login", { json: { email: user.email, password: "the attacker's password" } })).status).toBe(401);
    await loginUser(mailEnv(), user.email, NEW_PASSWORD);
  });

  it("two concurrent uses of one token change the password once", async () => {
    const user = await registerUser(mailEnv());
    await requestReset(user.email);
    const token = linkToken(user.email, "reset");
    const results = await Promise.all([complete(token, "first concurrent pw"), complete(token, "second concurrent pw")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(await count("SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ?1 AND kind = 'password_reset'", user.id)).toBe(1);
    const winner = results[0]?.status === 200 ? "first concurrent pw" : "second concurrent pw";
    await loginUser(mailEnv(), user.email, winner);
  });

  it("an expired token: 400 email_token_expired (PASSWORD_RESET_TTL), and nothing changes", async () => {
    const user = await registerUser(mailEnv());
    await requestReset(user.email, mailEnv({ PASSWORD_RESET_TTL: "60" }));
    const token = linkToken(user.email, "reset");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    const response = await complete(token);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("email_token_expired");
    vi.useRealTimers();
    await loginUser(mailEnv(), user.email, PASSWORD);
  });

  it("a newer request retires the older link", async () => {
    const user = await registerUser(mailEnv());
    await requestReset(user.email);
    const first = linkToken(user.email, "reset");
    await requestReset(user.email);
    const second = linkToken(user.email, "reset");
    expect(second).not.toBe(first);
    const old = await complete(first);
    expect(old.status).toBe(400);
    expect((await errorOf(old)).code).toBe("email_token_used");
    expect((await complete(second)).status).toBe(200);
  });

  it("another user's token resets only that user's account; the other keeps its password and its logins", async () => {
    const alice = await registerUser(mailEnv());
    const bob = await registerUser(mailEnv());
    const bobLogin = await loginUser(mailEnv(), bob.email);
    await requestReset(alice.email);
    const aliceToken = linkToken(alice.email, "reset");
    // Presented with Bob's bearer token: the token alone decides whose password changes.
    const response = await call("POST", "/auth/password/reset/complete", { env: mailEnv(), token: bobLogin.token, json: { token: aliceToken, password: NEW_PASSWORD } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { email: string }).email).toBe(alice.email);
    await loginUser(mailEnv(), alice.email, NEW_PASSWORD);
    await loginUser(mailEnv(), bob.email, PASSWORD);
    expect((await call("GET", "/auth/me", { env: mailEnv(), token: bobLogin.token })).status).toBe(200);
  });

  it("hostile input: wrong types, unknown, malformed and oversized tokens, a weak password; unknown tokens cost no password hash and malformed ones no query", async () => {
    const user = await registerUser(mailEnv());
    await requestReset(user.email);
    const token = linkToken(user.email, "reset");
    const cases: [unknown, unknown, number, string][] = [
      [undefined, NEW_PASSWORD, 400, "missing_field"],
      [123, NEW_PASSWORD, 400, "invalid_field"],
      [[token], NEW_PASSWORD, 400, "invalid_field"],
      [token, 12345678, 400, "invalid_field"],
      [token, "short", 400, "invalid_field"],
      [token, "x".repeat(1025), 400, "invalid_field"],
      ["A".repeat(43), NEW_PASSWORD, 400, "invalid_email_token"],
      [`${token}x`, NEW_PASSWORD, 400, "invalid_email_token"],
      [token.slice(0, 42), NEW_PASSWORD, 400, "invalid_email_token"],
      ["x".repeat(10_000), NEW_PASSWORD, 400, "invalid_email_token"],
      ["../../etc/passwd", NEW_PASSWORD, 400, "invalid_email_token"],
    ];
    for (const [t, password, status, code] of cases) {
      const response = await complete(t, password);
      expect(response.status, `${JSON.stringify(t)?.slice(0, 40)} / ${JSON.stringify(password)?.slice(0, 20)}`).toBe(status);
      expect((await errorOf(response)).code).toBe(code);
    }
    // None of that spent the real token or changed the password.
    await loginUser(mailEnv(), user.email, PASSWORD);
    // A malformed token is refused without touching D1; an unknown one without hashing a password.
    await settleIsolate();
    const { db, counts } = countingDb(env.GENERAL_DB);
    expect((await complete("not a token", NEW_PASSWORD, mailEnv({ GENERAL_DB: db }))).status).toBe(400);
    expect(totalQueries(counts)).toBe(0);
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const argon2 = vi.spyOn(argon2Engine, "hash");
    expect((await complete("B".repeat(43))).status).toBe(400);
    expect(derive).not.toHaveBeenCalled();
    expect(argon2).not.toHaveBeenCalled();
    derive.mockRestore();
    argon2.mockRestore();
    expect((await complete(token)).status).toBe(200);
  });

  it("a verification or change-of-email token is not a reset token: 400 invalid_email_token", async () => {
    const user = await registerUser(mailEnv());
    const { token: bearer } = await loginUser(mailEnv(), user.email);
    expect((await call("POST", "/auth/email/verify/resend", { env: mailEnv(), token: bearer })).status).toBe(202);
    const verify = linkToken(user.email, "verify-email");
    const response = await complete(verify);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_email_token");
    await loginUser(mailEnv(), user.email, PASSWORD);
  });

  it("works in session mode too", async () => {
    const user = await registerUser(mailSessionEnv());
    const { token: session } = await loginUser(mailSessionEnv(), user.email);
    await requestReset(user.email, mailSessionEnv());
    const response = await complete(linkToken(user.email, "reset"), NEW_PASSWORD, mailSessionEnv());
    expect(response.status).toBe(200);
    expect((await call("GET", "/auth/me", { env: mailSessionEnv(), token: session })).status).toBe(401);
    await loginUser(mailSessionEnv(), user.email, NEW_PASSWORD);
  });
});

describe("the dev mailbox", () => {
  const mailboxRequest = (host: string, query = "") => {
    const ctx = createExecutionContext();
    return { ctx, request: new Request(`http://${host}/auth/dev/mailbox${query}`) };
  };

  it("lists the emails with clickable links, for loopback requests, only when DEV_MAILBOX is on", async () => {
    const user = await registerUser(mailEnv());
    await requestReset(user.email);
    const token = linkToken(user.email, "reset");

    const { ctx, request } = mailboxRequest("localhost:8787");
    const page = await worker.fetch(request, mailEnv(), ctx);
    await waitOnExecutionContext(ctx);
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(page.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain(`<a href="http://localhost:8787/#reset=${token}">`);
    expect(html).toContain(user.email);

    const json = mailboxRequest("127.0.0.1:8787", "?format=json");
    const listed = await worker.fetch(json.request, mailEnv(), json.ctx);
    expect(listed.status).toBe(200);
    const { messages } = (await listed.json()) as { messages: { to: string; text: string }[] };
    expect(messages.some((m) => m.to === user.email && m.text.includes(token))).toBe(true);

    // Off by default, and never for a non-loopback host even when on.
    for (const [host, e] of [["localhost", jwtEnv()], ["auth.example.com", mailEnv()]] as const) {
      const r = mailboxRequest(host);
      const response = await worker.fetch(r.request, e, r.ctx);
      expect(response.status, host).toBe(404);
      expect((await errorOf(response)).code).toBe("not_found");
    }
  });

  it("escapes what it shows", async () => {
    mailboxOf(auth.state).deliver({ to: "x@example.com", subject: "<script>alert(1)</script>", text: "see https://a.test/#x=\"><img src=x>", html: "" });
    const { ctx, request } = mailboxRequest("localhost");
    const html = await (await worker.fetch(request, mailEnv(), ctx)).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<img src=x>");
    expect(html).toContain("&#60;script&#62;");
  });
});
