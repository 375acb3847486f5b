import { describe, expect, it, vi } from "vitest";
import { emailKey, ipKey } from "../src/lifecycle/rateLimit";
import { PASSWORD, call, errorOf, jwtEnv, loginUser, registerUser, uniqueEmail } from "./helpers";
import type { Env } from "../src/env";

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
  it("login per email: the 11th attempt in 10 minutes is 429 + Retry-After, whatever the case or whitespace", async () => {
    const user = await registerUser();
    const variants = [user.email, user.email.toUpperCase(), ` ${user.email}`, `${user.email}\t`, `\u00a0${user.email.replace(/^./, (c) => c.toUpperCase())}`];
    for (let i = 0; i < 10; i++) {
      // A different IP each time: only the per-email rule can bite.
      expect((await login(variants[i % variants.length]!, randomIp())).status).toBe(401);
    }
    await expect429(await login(user.email, randomIp()), 600);
    // Even the right password is refused now (and costs no PBKDF2).
    await expect429(await login(` ${user.email.toUpperCase()} `, randomIp(), jwtEnv(), PASSWORD), 600);
    // Another account is not affected.
    const other = await registerUser();
    expect((await login(other.email, randomIp(), jwtEnv(), PASSWORD)).status).toBe(200);
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
    expect(ipKey("2001:DB8:0:1::1")).toBe("2001:db8:0:1::/64");
    expect(ipKey("2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:1::/64");
    expect(ipKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(ipKey("203.0.113.9")).toBe("203.0.113.9");
    expect(ipKey(undefined)).toBeNull();
    expect(ipKey("not an ip")).toBeNull();
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
    const e = jwtEnv({ RATE_LIMIT_LOGIN_EMAIL: "off", RATE_LIMIT_LOGIN_IP: "off" });
    for (let i = 0; i < 12; i++) expect((await login(user.email, "192.0.2.1", e)).status).toBe(401);
    expect((await loginUser(e, user.email)).token_type).toBe("jwt");
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of ["10", "10/0", "x/60", "0/60", "10/100000"]) {
      const response = await login(user.email, randomIp(), jwtEnv({ RATE_LIMIT_LOGIN_EMAIL: bad }));
      expect(response.status).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
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
