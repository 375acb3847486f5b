/**
 * Issue 21: the totp() plugin, through the demo Worker (which mounts it).
 * Codes are computed here independently of the plugin (and of @oslojs/otp):
 * RFC 6238 over HMAC-SHA1 with WebCrypto, 30 s steps, 6 digits, checked
 * against the RFC's own test vector first. Time moves with vitest's fake
 * Date, which the Worker and the rows it writes read too, so each code comes
 * from a time step no earlier code used.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PublicKeyCredentialRequestOptionsJSON, PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { createAuth, handleError } from "hybrid-auth/hono";
import { MfaRequiredError, createClient } from "../client/index";
import worker from "../demo/worker";
import { sessions } from "hybrid-auth/sessions";
import type { Env } from "../demo/worker";
import { PASSWORD, SECRET, call, env, errorOf, jwtEnv, loginUser, randomClientIp, registerUser, runScheduled, sessionEnv, setClock } from "./helpers";
import type { LoginBody } from "./helpers";
import { count, linkToken, mailEnv } from "./emailHelpers";
import { SoftAuthenticator } from "./passkeyAuthenticator";

// ---- An independent RFC 6238 TOTP (HMAC-SHA1 by WebCrypto) ----

function base32Decode(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** RFC 4226 §5.3 truncation of HMAC-SHA1(key, step as 8 bytes big-endian), `digits` long. */
async function hotp(key: Uint8Array, step: number, digits = 6): Promise<string> {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(step));
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, message));
  const offset = (mac[19] as number) & 15;
  const binary = (((mac[offset] as number) & 0x7f) << 24) | ((mac[offset + 1] as number) << 16) | ((mac[offset + 2] as number) << 8) | (mac[offset + 3] as number);
  return String(binary % 10 ** digits).padStart(digits, "0");
}

const stepNow = () => Math.floor(Date.now() / 1000 / 30);
const codeFor = (secret: string, step = stepNow()) => hotp(base32Decode(secret), step);

/** Moves the (fake) clock to the start of the next time step, so the next code is unused. */
function nextStep(): void {
  setClock((stepNow() + 1) * 30_000 + 1_000);
}

afterEach(() => {
  vi.useRealTimers();
});

// ---- Helpers over the demo Worker ----

interface Enrolled {
  user: { id: string; email: string; name: string };
  token: string;
  secret: string;
  codes: string[];
  e: Env;
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function enrol(e: Env = jwtEnv()): Promise<Enrolled> {
  const user = await registerUser(e);
  const { token } = await loginUser(e, user.email);
  const start = await json<{ secret: string; uri: string }>(await call("POST", "/auth/totp/enroll", { env: e, token }), 200);
  const confirmed = await json<{ recovery_codes: string[] }>(await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: await codeFor(start.secret) } }), 200);
  return { user, token, secret: start.secret, codes: confirmed.recovery_codes, e };
}

async function passwordLogin(e: Env, email: string, headers?: Record<string, string>, extra: Record<string, unknown> = {}): Promise<Response> {
  return call("POST", "/auth/login", { env: e, json: { email, password: PASSWORD, ...extra }, ...(headers ? { headers } : {}) });
}

async function ticketOf(e: Env, email: string): Promise<string> {
  const body = await json<{ mfa_required: true; ticket: string }>(await passwordLogin(e, email), 200);
  expect(body.mfa_required).toBe(true);
  return body.ticket;
}

function verify(e: Env, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response> {
  return call("POST", "/auth/totp/verify", { env: e, json: body, ...(headers ? { headers } : {}) });
}

// ---- Tests ----

/** Adds a passkey (a software authenticator, ES256) to the signed-in user; returns the authenticator. */
async function addPasskey(e: Env, token: string): Promise<SoftAuthenticator> {
  const authenticator = await SoftAuthenticator.create("ES256");
  const reg = (await (await call("POST", "/auth/passkey/register/options", { env: e, token })).json()) as { options: PublicKeyCredentialCreationOptionsJSON };
  await json(await call("POST", "/auth/passkey/register/verify", { env: e, token, json: { response: await authenticator.register(reg.options), label: "Laptop" } }), 201);
  return authenticator;
}

describe("the test's own TOTP", () => {
  it("reproduces RFC 6238's SHA-1 test vector (T = 59 s and 1111111109 s)", async () => {
    const key = new TextEncoder().encode("12345678901234567890");
    expect(await hotp(key, Math.floor(59 / 30), 8)).toBe("94287082");
    expect(await hotp(key, Math.floor(1111111109 / 30), 8)).toBe("07081804");
  });
});

describe("enrolment", () => {
  it("needs sudo mode: a login older than REAUTH_MAX_AGE_SECONDS gets 403 on enroll and confirm", async () => {
    const e = jwtEnv();
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    const { secret } = await json<{ secret: string }>(await call("POST", "/auth/totp/enroll", { env: e, token }), 200);
    setClock(Date.now() + 605_000);
    const enroll = await call("POST", "/auth/totp/enroll", { env: e, token });
    expect(enroll.status).toBe(403);
    expect((await errorOf(enroll)).code).toBe("reauthentication_required");
    const confirm = await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: await codeFor(secret) } });
    expect(confirm.status).toBe(403);
    expect((await errorOf(confirm)).code).toBe("reauthentication_required");
    expect(await count(`SELECT COUNT(*) AS n FROM totp_credentials WHERE user_id = ?1 AND confirmed_at IS NOT NULL`, user.id)).toBe(0);
  });

  it("shows a base32 secret and its otpauth URI, and turns on only with a correct code", async () => {
    const e = jwtEnv({ TOTP_ISSUER: "Acme Test" });
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    const start = await json<{ secret: string; uri: string; issuer: string; digits: number; period: number }>(await call("POST", "/auth/totp/enroll", { env: e, token }), 200);
    expect(start.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(start.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(start.secret);
    expect(uri.searchParams.get("issuer")).toBe("Acme Test");
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);

    const good = await codeFor(start.secret);
    const wrong = good === "000000" ? "000001" : "000000";
    const refused = await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: wrong } });
    expect(refused.status).toBe(400);
    expect(await json(await call("GET", "/auth/totp", { env: e, token }), 200)).toEqual({ enabled: false, recovery_codes_left: 0 });
    // Not on yet: a login still gets tokens.
    expect((await loginUser(e, user.email)).token).toBeTruthy();

    const confirmed = await json<{ enabled: true; recovery_codes: string[] }>(await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: good } }), 200);
    expect(confirmed.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.recovery_codes).size).toBe(10);
    expect(await json(await call("GET", "/auth/totp", { env: e, token }), 200)).toEqual({ enabled: true, recovery_codes_left: 10 });
    // Stored hashed: no code appears in the table.
    const stored = await env.GENERAL_DB.prepare(`SELECT code_hash FROM totp_recovery_codes WHERE user_id = ?1`).bind(user.id).all<{ code_hash: string }>();
    expect(stored.results).toHaveLength(10);
    for (const row of stored.results) expect(confirmed.recovery_codes).not.toContain(row.code_hash);
    // A second enrolment is refused while it is on.
    const again = await call("POST", "/auth/totp/enroll", { env: e, token });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("totp_already_enabled");
  });

  it("ends the user's other logins when it turns on: an older login's refresh token is refused", async () => {
    const e = jwtEnv();
    const user = await registerUser(e);
    const older = await loginUser(e, user.email);
    const { token } = await loginUser(e, user.email);
    const { secret } = await json<{ secret: string }>(await call("POST", "/auth/totp/enroll", { env: e, token }), 200);
    const confirmed = await json<{ revoked_other_logins: number }>(await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: await codeFor(secret) } }), 200);
    expect(confirmed.revoked_other_logins).toBe(1);
    const refresh = await call("POST", "/auth/refresh", { env: e, json: { refresh_token: older.refresh_token } });
    expect(refresh.status).toBe(401);
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
  });
});

describe("login with the second factor", () => {
  it("a password login answers mfa_required with a ticket and no token; ticket + code → the usual tokens", async () => {
    const { e, user, secret } = await enrol();
    nextStep();
    const held = await passwordLogin(e, user.email);
    const body = await json<Record<string, unknown>>(held, 200);
    expect(Object.keys(body).sort()).toEqual(["expires_at", "mfa_required", "ticket"]);
    expect(body.mfa_required).toBe(true);
    expect(body.expires_at as number).toBeGreaterThan(Date.now() / 1000);
    expect(body.expires_at as number).toBeLessThanOrEqual(Date.now() / 1000 + 300);
    expect(await count(`SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1 AND created_at >= ?2`, user.id, Math.floor(Date.now() / 1000) - 1)).toBe(0);

    const done = await json<LoginBody>(await verify(e, { ticket: body.ticket, code: await codeFor(secret) }), 200);
    expect(done.token_type).toBe("jwt");
    expect(done.user).toEqual(user);
    expect(done.refresh_token).toBeTruthy();
    expect((await call("GET", "/auth/me", { env: e, token: done.token })).status).toBe(200);
    // Single use: the spent ticket is dead, even with a new code.
    nextStep();
    const reuse = await verify(e, { ticket: body.ticket, code: await codeFor(secret) });
    expect(reuse.status).toBe(401);
    expect((await errorOf(reuse)).code).toBe("invalid_token");
  });

  it("works in session mode too", async () => {
    const { e, user, secret } = await enrol(sessionEnv());
    nextStep();
    const ticket = await ticketOf(e, user.email);
    const done = await json<LoginBody>(await verify(e, { ticket, code: await codeFor(secret) }), 200);
    expect(done.token_type).toBe("session");
  });

  it("refuses a code already used in its time step (replay), on a fresh ticket", async () => {
    const { e, user, secret } = await enrol();
    nextStep();
    const code = await codeFor(secret);
    await json(await verify(e, { ticket: await ticketOf(e, user.email), code }), 200);
    const replay = await verify(e, { ticket: await ticketOf(e, user.email), code });
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe("invalid_credentials");
    // The next step's code still works.
    nextStep();
    await json(await verify(e, { ticket: await ticketOf(e, user.email), code: await codeFor(secret) }), 200);
  });

  it("an expired ticket is refused with 401 invalid_token, even with the right code", async () => {
    const { e, user, secret } = await enrol();
    nextStep();
    const ticket = await ticketOf(e, user.email);
    setClock(Date.now() + 301_000);
    const late = await verify(e, { ticket, code: await codeFor(secret) });
    expect(late.status).toBe(401);
    expect((await errorOf(late)).code).toBe("invalid_token");
  });

  it("a ticket dies after 5 attempts: the 6th, even with the right code, is refused", async () => {
    const { e, user, secret } = await enrol();
    nextStep();
    const ticket = await ticketOf(e, user.email);
    const good = await codeFor(secret);
    const wrong = good === "111111" ? "222222" : "111111";
    for (let i = 0; i < 5; i++) {
      const r = await verify(e, { ticket, code: wrong });
      expect(r.status, `attempt ${i + 1}`).toBe(401);
      expect((await errorOf(r)).code).toBe("invalid_credentials");
    }
    const sixth = await verify(e, { ticket, code: good });
    expect(sixth.status).toBe(401);
    expect((await errorOf(sixth)).code).toBe("invalid_token");
  });

  it("wrong codes are limited per user across tickets: past 10, even the right code on a new ticket gets 429", async () => {
    const { e, user, secret } = await enrol();
    nextStep();
    const good = await codeFor(secret);
    const wrong = good === "111111" ? "222222" : "111111";
    for (let t = 0; t < 2; t++) {
      const ticket = await ticketOf(e, user.email);
      for (let i = 0; i < 5; i++) expect((await verify(e, { ticket, code: wrong })).status).toBe(401);
    }
    const limited = await verify(e, { ticket: await ticketOf(e, user.email), code: good });
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("rate_limited");
    expect(limited.headers.get("Retry-After")).toBeTruthy();
  });

  it("a wrong code is answered exactly as a wrong password (status, body, WWW-Authenticate)", async () => {
    const { e, user, secret } = await enrol();
    nextStep();
    const good = await codeFor(secret);
    const wrongCode = await verify(e, { ticket: await ticketOf(e, user.email), code: good === "123456" ? "654321" : "123456" });
    const wrongPassword = await call("POST", "/auth/login", { env: e, json: { email: user.email, password: "not the password" } });
    expect(wrongCode.status).toBe(wrongPassword.status);
    expect(wrongCode.headers.get("WWW-Authenticate")).toBe(wrongPassword.headers.get("WWW-Authenticate"));
    expect(wrongCode.headers.get("Content-Type")).toBe(wrongPassword.headers.get("Content-Type"));
    expect(await wrongCode.json()).toEqual(await wrongPassword.json());
  });

  it("needs exactly one of code and recovery_code", async () => {
    const { e, user, codes, secret } = await enrol();
    const ticket = await ticketOf(e, user.email);
    expect((await verify(e, { ticket })).status).toBe(400);
    expect((await verify(e, { ticket, code: await codeFor(secret), recovery_code: codes[0] })).status).toBe(400);
  });
});

describe("recovery codes", () => {
  it("each of the 10 works once, then is refused", async () => {
    const { e, user, codes } = await enrol();
    for (const code of codes) {
      // Typed loosely (upper case, a space instead of the dash) it is the same code.
      const typed = code.toUpperCase().replace("-", " ");
      await json(await verify(e, { ticket: await ticketOf(e, user.email), recovery_code: typed }), 200);
    }
    for (const code of codes.slice(0, 3)) {
      const again = await verify(e, { ticket: await ticketOf(e, user.email), recovery_code: code });
      expect(again.status).toBe(401);
      expect((await errorOf(again)).code).toBe("invalid_credentials");
    }
  });

  it("regenerating (sudo) invalidates the old codes; the new ones work", async () => {
    const { e, user, codes, token } = await enrol();
    const fresh = await json<{ recovery_codes: string[] }>(await call("POST", "/auth/totp/recovery-codes", { env: e, token }), 200);
    expect(fresh.recovery_codes).toHaveLength(10);
    const old = await verify(e, { ticket: await ticketOf(e, user.email), recovery_code: codes[0] });
    expect(old.status).toBe(401);
    await json(await verify(e, { ticket: await ticketOf(e, user.email), recovery_code: fresh.recovery_codes[0] }), 200);
    setClock(Date.now() + 605_000);
    expect((await call("POST", "/auth/totp/recovery-codes", { env: e, token })).status).toBe(403);
  });
});

describe("other paths", () => {
  it("a passkey login with user verification skips the code; without it, the code is asked for", async () => {
    const e = jwtEnv({ PASSKEY_USER_VERIFICATION: "preferred" });
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    const authenticator = await addPasskey(e, token);
    const { secret } = await json<{ secret: string }>(await call("POST", "/auth/totp/enroll", { env: e, token }), 200);
    await json(await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: await codeFor(secret) } }), 200);

    const passkeyLogin = async (userVerified: boolean) => {
      const { options } = (await (await call("POST", "/auth/passkey/login/options", { env: e })).json()) as { options: PublicKeyCredentialRequestOptionsJSON };
      return call("POST", "/auth/passkey/login/verify", { env: e, json: { response: await authenticator.assert(options, { userVerified }) } });
    };
    const verified = await json<LoginBody & { mfa_required?: boolean }>(await passkeyLogin(true), 200);
    expect(verified.mfa_required).toBeUndefined();
    expect(verified.token).toBeTruthy();
    const presenceOnly = await json<{ mfa_required?: boolean; token?: string; ticket?: string }>(await passkeyLogin(false), 200);
    expect(presenceOnly.mfa_required).toBe(true);
    expect(presenceOnly.token).toBeUndefined();
    nextStep();
    await json(await verify(e, { ticket: presenceOnly.ticket, code: await codeFor(secret) }), 200);
  });

  it("the sessions list shows which logins used a second factor, and which one", async () => {
    const e = jwtEnv({ PASSKEY_USER_VERIFICATION: "preferred" });
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    const authenticator = await addPasskey(e, token);
    const view = async (t: string) => {
      const { sessions } = await json<{ sessions: { current: boolean; mfa: boolean; second_factor: string | null }[] }>(await call("GET", "/auth/sessions", { env: e, token: t }), 200);
      const current = sessions.find((s) => s.current);
      return { mfa: current?.mfa, second_factor: current?.second_factor };
    };
    // Before enrolment: a password login is one factor.
    expect(await view(token)).toEqual({ mfa: false, second_factor: null });
    const { secret } = await json<{ secret: string }>(await call("POST", "/auth/totp/enroll", { env: e, token }), 200);
    const { recovery_codes: codes } = await json<{ recovery_codes: string[] }>(await call("POST", "/auth/totp/enroll/confirm", { env: e, token, json: { code: await codeFor(secret) } }), 200);
    nextStep();
    const withCode = await json<LoginBody>(await verify(e, { ticket: await ticketOf(e, user.email), code: await codeFor(secret) }), 200);
    expect(await view(withCode.token)).toEqual({ mfa: true, second_factor: "totp" });
    const withRecovery = await json<LoginBody>(await verify(e, { ticket: await ticketOf(e, user.email), recovery_code: codes[0] }), 200);
    expect(await view(withRecovery.token)).toEqual({ mfa: true, second_factor: "recovery_code" });
    const { options } = (await (await call("POST", "/auth/passkey/login/options", { env: e })).json()) as { options: PublicKeyCredentialRequestOptionsJSON };
    const passkey = await json<LoginBody>(await call("POST", "/auth/passkey/login/verify", { env: e, json: { response: await authenticator.assert(options, { userVerified: true }) } }), 200);
    expect(await view(passkey.token)).toEqual({ mfa: true, second_factor: "user_verification" });
  });

  it("a password reset does not turn the factor off: the next login still asks for the code", async () => {
    const e = mailEnv();
    const { user, secret } = await enrol(e);
    // A proven address (the reset is not its first proof, which would end a pre-hijacker's factor: next test).
    await env.GENERAL_DB.prepare(`UPDATE users SET email_verified_at = ?2 WHERE id = ?1`).bind(user.id, Math.floor(Date.now() / 1000)).run();
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
    const reset = await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(user.email, "reset"), password: PASSWORD } });
    expect(reset.status, await reset.clone().text()).toBe(200);
    const body = await json<{ mfa_required?: boolean; token?: string; ticket: string }>(await passwordLogin(e, user.email), 200);
    expect(body.mfa_required).toBe(true);
    expect(body.token).toBeUndefined();
    nextStep();
    await json(await verify(e, { ticket: body.ticket, code: await codeFor(secret) }), 200);
  });

  it("an unproven address's first proof (a password reset) ends a factor enrolled before it (account pre-hijacking)", async () => {
    const e = mailEnv();
    const { user } = await enrol(e);
    await ticketOf(e, user.email);
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
    const reset = await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(user.email, "reset"), password: PASSWORD } });
    expect(reset.status, await reset.clone().text()).toBe(200);
    for (const table of ["totp_credentials", "totp_recovery_codes", "totp_tickets"]) {
      expect(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?1`, user.id), table).toBe(0);
    }
    expect((await loginUser(e, user.email)).token).toBeTruthy();
  });

  it("cookie mode: the held login sets no cookie; the ticket exchange sets it, and needs the CSRF header", async () => {
    const SELF = "https://auth.test";
    const CSRF = { Origin: SELF, "X-Requested-With": "hybrid-auth" };
    const e = jwtEnv({ REFRESH_COOKIE: "strict" });
    const { user, secret } = await enrol(e);
    nextStep();
    const held = await passwordLogin(e, user.email, CSRF, { refresh: "cookie" });
    expect(held.headers.getAll("Set-Cookie")).toEqual([]);
    const { ticket } = await json<{ ticket: string }>(held, 200);
    const code = await codeFor(secret);
    const noHeader = await verify(e, { ticket, code }, { Origin: SELF });
    expect(noHeader.status).toBe(403);
    expect((await errorOf(noHeader)).code).toBe("csrf_header_missing");
    const done = await verify(e, { ticket, code }, CSRF);
    const body = await json<{ refresh?: string; refresh_token?: string; token: string }>(done, 200);
    expect(body.refresh).toBe("cookie");
    expect(body.refresh_token).toBeUndefined();
    const cookies = done.headers.getAll("Set-Cookie");
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-hybrid-auth-refresh=[^;]+; /);
  });

  it("disabling needs sudo mode and writes an auth_events row; afterwards a login gets tokens directly", async () => {
    const { e, user, token, codes } = await enrol();
    setClock(Date.now() + 605_000);
    const stale = await call("DELETE", "/auth/totp", { env: e, token });
    expect(stale.status).toBe(403);
    expect((await errorOf(stale)).code).toBe("reauthentication_required");
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ?1 AND kind = 'totp_disabled'`, user.id)).toBe(0);
    vi.useRealTimers();

    // A fresh login (sudo again), through a recovery code.
    const fresh = await json<LoginBody>(await verify(e, { ticket: await ticketOf(e, user.email), recovery_code: codes[0] }), 200);
    expect(await json(await call("DELETE", "/auth/totp", { env: e, token: fresh.token }), 200)).toEqual({ enabled: false });
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ?1 AND kind = 'totp_disabled'`, user.id)).toBe(1);
    expect(await count(`SELECT COUNT(*) AS n FROM totp_recovery_codes WHERE user_id = ?1`, user.id)).toBe(0);
    const direct = await json<LoginBody>(await passwordLogin(e, user.email), 200);
    expect(direct.token).toBeTruthy();
  });
});

describe("cleanup", () => {
  it("the cron deletes expired tickets and keeps live ones", async () => {
    const { e, user } = await enrol();
    await ticketOf(e, user.email);
    await ticketOf(e, user.email);
    const now = Math.floor(Date.now() / 1000);
    await env.GENERAL_DB.prepare(`UPDATE totp_tickets SET expires_at = ?2 WHERE rowid = (SELECT MIN(rowid) FROM totp_tickets WHERE user_id = ?1)`).bind(user.id, now - 1).run();
    await runScheduled(e);
    expect(await count(`SELECT COUNT(*) AS n FROM totp_tickets WHERE user_id = ?1 AND expires_at <= ?2`, user.id, now)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM totp_tickets WHERE user_id = ?1`, user.id)).toBe(1);
  });
});

describe("hybrid-auth/client", () => {
  it("login throws MfaRequiredError and stores no token; verifyTotp signs in; the enrolment methods work", async () => {
    const e = jwtEnv();
    const fetchWorker = async (request: Request): Promise<Response> => {
      const headers = new Headers(request.headers);
      headers.set("CF-Connecting-IP", "2001:db8:77::1");
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(request, { headers }), e, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const c = createClient({ baseUrl: "https://auth.test/auth", fetch: fetchWorker, channel: false });
    const user = await registerUser(e);
    await c.login({ email: user.email, password: PASSWORD });
    const { secret, uri } = await c.enrollTotp();
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const { recovery_codes } = await c.confirmTotp(await codeFor(secret));
    expect(recovery_codes).toHaveLength(10);
    expect(await c.totpStatus()).toEqual({ enabled: true, recovery_codes_left: 10 });

    const other = createClient({ baseUrl: "https://auth.test/auth", fetch: fetchWorker, channel: false });
    const held = await other.login({ email: user.email, password: PASSWORD }).catch((err: unknown) => err);
    expect(held).toBeInstanceOf(MfaRequiredError);
    expect(other.tokens()).toBeNull();
    nextStep();
    const signedIn = await other.verifyTotp({ ticket: (held as MfaRequiredError).ticket, code: await codeFor(secret) });
    expect(signedIn.user.id).toBe(user.id);
    expect(other.tokens()?.token).toBe(signedIn.token);
    expect((await other.me()).user.id).toBe(user.id);
    expect((await other.regenerateRecoveryCodes()).recovery_codes).toHaveLength(10);
    expect(await other.disableTotp()).toEqual({ enabled: false });
  });
});

describe("an app without totp()", () => {
  it("answers 404 on the totp routes, and a password login is not held", async () => {
    const auth = createAuth({ database: (x: { GENERAL_DB: D1Database }) => x.GENERAL_DB, secret: SECRET, clientIp: "cf-connecting-ip", plugins: [sessions()] });
    const app = new Hono<{ Bindings: { GENERAL_DB: D1Database } }>();
    app.route("/auth", auth.app);
    app.onError(handleError);
    const send = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers = new Headers({ "CF-Connecting-IP": randomClientIp(), "Content-Type": "application/json" });
      if (token) headers.set("Authorization", `Bearer ${token}`);
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`https://auth.test${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) }), { GENERAL_DB: env.GENERAL_DB }, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    // A user enrolled through the demo (which mounts totp) signs in here with the password alone.
    const { user } = await enrol();
    const login = await json<LoginBody>(await send("POST", "/auth/login", { email: user.email, password: PASSWORD }), 200);
    expect(login.token).toBeTruthy();
    for (const [method, path] of [["GET", "/auth/totp"], ["POST", "/auth/totp/enroll"], ["POST", "/auth/totp/enroll/confirm"], ["POST", "/auth/totp/verify"], ["POST", "/auth/totp/recovery-codes"], ["DELETE", "/auth/totp"]] as const) {
      expect((await send(method, path, method === "POST" ? {} : undefined, login.token)).status, `${method} ${path}`).toBe(404);
    }
  });
});
