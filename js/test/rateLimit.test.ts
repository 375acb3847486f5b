import { describe, expect, it, vi } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../demo/worker";
import { Hono } from "hono";
import { createAuth, optionsFromEnv } from "hybrid-auth/hono";
import { UNKNOWN_IP_KEY, emailKey, ipKey, parseIpKey } from "../src/lifecycle/rateLimit";
import { PASSWORD, call, env, errorOf, jwtEnv, loginUser, registerUser, uniqueEmail } from "./helpers";
import type { Env } from "../demo/worker";

/** A client address no other test uses. */
const randomIp = () => `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

async function expect429(response: Response, maxWait: number) {
  expect(response.status).toBe(429);
  expect((await errorOf(response)).code).toBe("rate_limited");
  const retryAfter = Number(response.headers.get("Retry-After"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxWait);
}

function login(email: string, ip: string, e: Env = jwtEnv(), password = "wrong password!") {
  return call("POST", "/auth/login", { env: e, json: { email, password }, headers: { "CF-Connecting-IP": ip } });
}

describe("rate limits (D1 fixed windows, shared across isolates)", () => {
  it("login per email: after 10 failures in 10 minutes (RATE_LIMIT_LOGIN_EMAIL=10/600) the next is 429 + Retry-After, whatever the case or whitespace", async () => {
    const e = jwtEnv({ RATE_LIMIT_LOGIN_EMAIL: "10/600" });
    const user = await registerUser();
    const variants = [user.email, user.email.toUpperCase(), ` ${user.email}`, `${user.email}\t`, `\u00a0${user.email.replace(/^./, (c) => c.toUpperCase())}`];
    for (let i = 0; i < 10; i++) {
      // A different IP each time: only the per-email rule can bite.
      expect((await login(variants[i % variants.length]!, randomIp(), e)).status).toBe(401);
    }
    await expect429(await login(user.email, randomIp(), e), 600);
    // Past the loose per-email cap even the right password is refused (and costs no PBKDF2).
    await expect429(await login(` ${user.email.toUpperCase()} `, randomIp(), e, PASSWORD), 600);
    // Another account is not affected.
    const other = await registerUser();
    expect((await login(other.email, randomIp(), e, PASSWORD)).status).toBe(200);
  });

  it("login per IP: many emails from one address", async () => {
    const e = jwtEnv({ RATE_LIMIT_LOGIN_IP: "5/60" });
    const ip = randomIp();
    for (let i = 0; i < 5; i++) expect((await login(uniqueEmail(), ip, e)).status).toBe(401);
    await expect429(await login(uniqueEmail(), ip, e), 60);
    expect((await login(uniqueEmail(), randomIp(), e)).status).toBe(401);
  });

  it("IPv6 clients are limited per /64", async () => {
    const e = jwtEnv({ RATE_LIMIT_LOGIN_IP: "3/60" });
    const prefix = `2001:db8:${Math.floor(Math.random() * 65535).toString(16)}:1`;
    for (let i = 1; i <= 3; i++) expect((await login(uniqueEmail(), `${prefix}::${i}`, e)).status).toBe(401);
    await expect429(await login(uniqueEmail(), `${prefix}:0:0:0:ffff`, e), 60);
    expect(ipKey("2001:DB8:0:1::1", () => {})).toBe("2001:db8:0:1::/64");
    expect(ipKey("2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd", () => {})).toBe("2001:db8:0:1::/64");
    expect(ipKey("::ffff:192.0.2.1", () => {})).toBe("192.0.2.1");
    expect(ipKey("203.0.113.9", () => {})).toBe("203.0.113.9");
    expect(parseIpKey(undefined)).toBeNull();
    expect(parseIpKey("not an ip")).toBeNull();
  });

  it("passkey login options are limited per IP like password login", async () => {
    const e = jwtEnv({ RATE_LIMIT_LOGIN_IP: "3/60" });
    const ip = randomIp();
    const options = (from: string) => call("POST", "/auth/passkey/login/options", { env: e, json: {}, headers: { "CF-Connecting-IP": from } });
    for (let i = 0; i < 3; i++) expect((await options(ip)).status).toBe(200);
    await expect429(await options(ip), 60);
    expect((await options(randomIp())).status).toBe(200);
  });

  it("register per email and per IP", async () => {
    const e = jwtEnv({ RATE_LIMIT_REGISTER_EMAIL: "2/3600", RATE_LIMIT_REGISTER_IP: "4/3600" });
    const email = uniqueEmail();
    const register = (address: string, ip: string) => call("POST", "/auth/register", { env: e, json: { email: address, password: PASSWORD, name: "N" }, headers: { "CF-Connecting-IP": ip } });
    expect((await register(email, randomIp())).status).toBe(201);
    expect((await register(email.toUpperCase(), randomIp())).status).toBe(409);
    await expect429(await register(`  ${email}`, randomIp()), 3600);
    const ip = randomIp();
    for (let i = 0; i < 4; i++) expect((await register(uniqueEmail(), ip)).status).toBe(201);
    await expect429(await register(uniqueEmail(), ip), 3600);
  });

  it("refresh per IP", async () => {
    const e = jwtEnv({ RATE_LIMIT_REFRESH_IP: "2/60" });
    const ip = randomIp();
    const refresh = () => call("POST", "/auth/refresh", { env: e, json: { refresh_token: "A".repeat(43) }, headers: { "CF-Connecting-IP": ip } });
    expect((await refresh()).status).toBe(401);
    expect((await refresh()).status).toBe(401);
    await expect429(await refresh(), 60);
  });

  it("limits are configuration: 'off' disables a rule; bad values fail closed", async () => {
    const user = await registerUser();
    const e = jwtEnv({ RATE_LIMIT_LOGIN_EMAIL: "off", RATE_LIMIT_LOGIN_EMAIL_IP: "off", RATE_LIMIT_LOGIN_IP: "off" });
    for (let i = 0; i < 12; i++) expect((await login(user.email, "192.0.2.1", e)).status).toBe(401);
    expect((await loginUser(e, user.email)).token_type).toBe("jwt");
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of ["10", "10/0", "x/60", "0/60", "10/100000"]) {
      for (const name of ["RATE_LIMIT_LOGIN_EMAIL", "RATE_LIMIT_LOGIN_EMAIL_IP"]) {
        const response = await login(user.email, randomIp(), jwtEnv({ [name]: bad }));
        expect(response.status).toBe(503);
        expect((await errorOf(response)).code).toBe("misconfigured");
      }
    }
    vi.restoreAllMocks();
  });

  it("emailKey folds case, surrounding and inner whitespace, and compatibility forms", () => {
    const base = emailKey("ada@example.com");
    for (const v of ["ADA@EXAMPLE.COM", "  ada@example.com\n", "\u00a0Ada@Example.com\u2003", "a da@example.com", "\uff41da@example.com"]) {
      expect(emailKey(v)).toBe(base);
    }
    expect(emailKey("bob@example.com")).not.toBe(base);
  });
});

/** Sends a request with NO CF-Connecting-IP header (helpers.call always adds one). */
async function callWithoutClientIp(path: string, json: unknown, e: Env, handler: Pick<typeof worker, "fetch"> = worker): Promise<Response> {
  const request = new Request(`https://auth.test${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(json) });
  const ctx = createExecutionContext();
  const response = await handler.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("issue 11 (8): nobody can lock the owner out of password login cheaply", () => {
  it("successful logins do not count: 20 correct logins from one address in a row all succeed", async () => {
    const user = await registerUser();
    const ip = randomIp();
    // Defaults: 5 failures per (email, IP), 50 per email, 100 per IP in 10 minutes.
    for (let i = 0; i < 20; i++) expect((await login(user.email, ip, jwtEnv(), PASSWORD)).status).toBe(200);
    // And the budget is still whole: 5 failures pass, the 6th is refused.
    for (let i = 0; i < 5; i++) expect((await login(user.email, ip)).status).toBe(401);
    await expect429(await login(user.email, ip), 600);
  });

  it("an attacker's failures on one network lock only that network out; the owner elsewhere still signs in", async () => {
    const user = await registerUser();
    const attacker = randomIp();
    for (let i = 0; i < 5; i++) expect((await login(user.email, attacker)).status).toBe(401);
    // The tight per-(email, IP) rule: the attacker's 6th guess and every later one are refused...
    for (let i = 0; i < 25; i++) await expect429(await login(user.email, attacker), 600);
    // ...including with the right password from that network.
    await expect429(await login(user.email, attacker, jwtEnv(), PASSWORD), 600);
    // The owner, on another network, is not affected.
    expect((await login(user.email, randomIp(), jwtEnv(), PASSWORD)).status).toBe(200);
    // Nor is another account tried from the attacker's network.
    const other = await registerUser();
    expect((await login(other.email, attacker, jwtEnv(), PASSWORD)).status).toBe(200);
  });

  it("refused guesses do not use up the loose per-email cap the owner shares", async () => {
    const e = jwtEnv({ RATE_LIMIT_LOGIN_EMAIL_IP: "3/600", RATE_LIMIT_LOGIN_EMAIL: "8/600" });
    const user = await registerUser();
    const attacker = randomIp();
    let refused = 0;
    for (let i = 0; i < 20; i++) if ((await login(user.email, attacker, e)).status === 429) refused++;
    expect(refused).toBe(17);
    // 3 failures counted per email (not 20): the owner is well under 8.
    expect((await login(user.email, randomIp(), e, PASSWORD)).status).toBe(200);
  });

  it("the loose per-email cap still stops a distributed attack (documented: then the owner waits too)", async () => {
    const e = jwtEnv({ RATE_LIMIT_LOGIN_EMAIL: "8/600" });
    const user = await registerUser();
    for (let i = 0; i < 8; i++) expect((await login(user.email, randomIp(), e)).status).toBe(401);
    await expect429(await login(user.email, randomIp(), e), 600);
    await expect429(await login(user.email, randomIp(), e, PASSWORD), 600);
  });

  it("concurrent guesses from one network get exactly the tight budget (counted before the password check, atomically)", async () => {
    const user = await registerUser();
    const ip = randomIp();
    const statuses = await Promise.all(Array.from({ length: 12 }, () => login(user.email, ip).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it("a refused attempt never reaches the account lookup or the password hash", async () => {
    const user = await registerUser();
    const ip = randomIp();
    for (let i = 0; i < 5; i++) expect((await login(user.email, ip)).status).toBe(401);
    const sql: string[] = [];
    const db = new Proxy(env.GENERAL_DB, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (prop === "prepare") return (query: string) => (sql.push(query), target.prepare(query));
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await expect429(await login(user.email, ip, jwtEnv({ GENERAL_DB: db }), PASSWORD), 600);
    // The counting upsert and the give-back of the refused attempt, nothing else.
    expect(sql).toHaveLength(2);
    expect(sql.some((q) => /FROM users/i.test(q))).toBe(false);
  });
});

describe("issue 11 (10): per-IP limits without CF-Connecting-IP", () => {
  it("fall back to one shared 'unknown-ip' bucket instead of switching off, and say so once per isolate", async () => {
    expect(ipKey(undefined, () => {})).toBe(UNKNOWN_IP_KEY);
    // A fresh auth instance: "logged once" is instance state, like everything else.
    const fresh = createAuth((env: Env) => optionsFromEnv(env, { database: (e) => e.GENERAL_DB }));
    const handler = { fetch: new Hono<{ Bindings: Env }>().route("/auth", fresh.app).fetch };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      // A window no other test uses: the rule's text is part of the bucket.
      const e = jwtEnv({ RATE_LIMIT_REFRESH_IP: "2/61" });
      const refresh = () => callWithoutClientIp("/auth/refresh", { refresh_token: "A".repeat(43) }, e, handler);
      expect((await refresh()).status).toBe(401);
      expect((await refresh()).status).toBe(401);
      await expect429(await refresh(), 61);
      // Login's per-IP rule falls back the same way (failures only).
      const l = jwtEnv({ RATE_LIMIT_LOGIN_IP: "2/62" });
      expect((await callWithoutClientIp("/auth/login", { email: uniqueEmail(), password: "wrong password!" }, l, handler)).status).toBe(401);
      expect((await callWithoutClientIp("/auth/login", { email: uniqueEmail(), password: "wrong password!" }, l, handler)).status).toBe(401);
      await expect429(await callWithoutClientIp("/auth/login", { email: uniqueEmail(), password: "wrong password!" }, l, handler), 62);
      const notices = warn.mock.calls.filter((args) => String(args[0]).includes(UNKNOWN_IP_KEY));
      expect(notices).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });
});
