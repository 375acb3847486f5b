/**
 * Issue 14 §1: sessions and devices. GET /auth/sessions lists the user's live
 * logins (refresh families in JWT mode, session tokens), with the device
 * recorded at login/refresh (User-Agent family, request.cf location), and
 * DELETE /auth/sessions/:id and POST /auth/sessions/revoke-others end them:
 * families through the family revocation, so their JWTs are refused too.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import type { LoginView } from "../src/lifecycle/sessions";
import { SESSION_TOUCH_SECONDS } from "../src/middleware/auth";
import { sha256Hex } from "../src/utils/encoding";
import { PASSWORD, call, env, errorOf, jwtEnv, loginUser, randomClientIp, registerUser, sessionEnv, settleIsolate } from "./helpers";
import type { LoginBody } from "./helpers";

const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Like helpers.call, plus a request.cf object, as Cloudflare's edge attaches it. */
async function callCf(method: string, path: string, o: { env?: Env; json?: unknown; token?: string; ua?: string; cf?: Record<string, unknown> }): Promise<Response> {
  const headers = new Headers({ "CF-Connecting-IP": randomClientIp() });
  if (o.json !== undefined) headers.set("Content-Type", "application/json");
  if (o.token) headers.set("Authorization", `Bearer ${o.token}`);
  if (o.ua) headers.set("User-Agent", o.ua);
  const init: RequestInit & { cf?: Record<string, unknown> } = { method, headers, body: o.json === undefined ? null : JSON.stringify(o.json) };
  if (o.cf) init.cf = o.cf;
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://auth.test${path}`, init), o.env ?? jwtEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function loginFrom(e: Env, email: string, ua: string, cf?: Record<string, unknown>): Promise<LoginBody> {
  const response = await callCf("POST", "/auth/login", { env: e, json: { email, password: PASSWORD }, ua, cf });
  expect(response.status).toBe(200);
  return (await response.json()) as LoginBody;
}

async function sessionsOf(token: string, e: Env = jwtEnv()): Promise<LoginView[]> {
  const response = await call("GET", "/auth/sessions", { env: e, token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: LoginView[] }).sessions;
}

describe("GET /auth/sessions", () => {
  it("JWT mode: one entry per login with device, location, times and the current one marked", async () => {
    const user = await registerUser();
    const before = Math.floor(Date.now() / 1000);
    const laptop = await loginFrom(jwtEnv(), user.email, CHROME, { country: "DE", region: "Berlin", city: "Berlin", colo: "TXL" });
    const phone = await loginFrom(jwtEnv(), user.email, FIREFOX);
    const list = await sessionsOf(laptop.token);
    expect(list).toHaveLength(2);
    const [first, second] = list;
    // The current login comes first.
    expect(first).toMatchObject({ kind: "jwt", current: true, user_agent: "chrome", location: { country: "DE", region: "Berlin", city: "Berlin" }, remember: true, mfa: false, second_factor: null });
    expect(second).toMatchObject({ kind: "jwt", current: false, user_agent: "firefox", location: null });
    expect(first!.created_at).toBeGreaterThanOrEqual(before);
    expect(first!.last_used_at).toBe(first!.created_at);
    expect(first!.expires_at).toBe(laptop.refresh_expires_at);
    // The ids are the families (the JWTs' sid), never a token or its hash.
    const sid = JSON.parse(atob(laptop.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
    expect(first!.id).toBe(sid);
    const text = JSON.stringify(list);
    for (const secret of [laptop.token, laptop.refresh_token!, phone.refresh_token!]) expect(text).not.toContain(secret);
    // From the phone's point of view, the phone is current.
    const fromPhone = await sessionsOf(phone.token);
    expect(fromPhone.map((s) => s.current)).toEqual([true, false]);
    expect(fromPhone[0]!.user_agent).toBe("firefox");
  });

  it("a refresh updates last used, the device and the location of its login", async () => {
    const user = await registerUser();
    const login = await loginFrom(jwtEnv(), user.email, CHROME, { country: "FR", city: "Paris" });
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(real + 120_000);
    const refreshed = await callCf("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token }, ua: FIREFOX, cf: { country: "GB", city: "London" } });
    expect(refreshed.status).toBe(200);
    const { token } = (await refreshed.json()) as LoginBody;
    const [entry] = await sessionsOf(token);
    expect(entry).toMatchObject({ current: true, user_agent: "firefox", location: { country: "GB", city: "London", region: null } });
    expect(entry!.last_used_at - entry!.created_at).toBeGreaterThanOrEqual(119);
  });

  it("request.cf values that are not what Cloudflare sends are not stored", async () => {
    const user = await registerUser();
    const login = await loginFrom(jwtEnv(), user.email, CHROME, { country: "<script>", region: "a\nb", city: "x".repeat(500) });
    const [entry] = await sessionsOf(login.token);
    // The country is not an ISO code: no location at all; an over-long city would be cut to 64.
    expect(entry!.location).toBeNull();
    const other = await loginFrom(jwtEnv(), user.email, CHROME, { country: "JP", region: 42, city: "é".repeat(300) });
    const listed = (await sessionsOf(other.token))[0]!;
    expect(listed.location).toEqual({ country: "JP", region: null, city: "é".repeat(64) });
  });

  it("session mode: sessions are listed with their public id, never the token or its hash", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const a = await loginFrom(e, user.email, CHROME, { country: "US", region: "Texas", city: "Austin" });
    const b = await loginFrom(e, user.email, "curl/8.5.0");
    const list = await sessionsOf(a.token, e);
    expect(list.map((s) => [s.kind, s.current, s.user_agent])).toEqual([
      ["session", true, "chrome"],
      ["session", false, "curl"],
    ]);
    expect(list[0]!.location).toEqual({ country: "US", region: "Texas", city: "Austin" });
    expect(list[0]!.expires_at).toBe(a.expires_at);
    const row = await env.GENERAL_DB.prepare("SELECT token_hash FROM sessions WHERE id = ?1").bind(list[1]!.id).first<{ token_hash: string }>();
    expect(row).not.toBeNull();
    const text = JSON.stringify(list);
    expect(text).not.toContain(row!.token_hash);
    expect(text).not.toContain(b.token);
  });

  it("a session's last use is recorded at most every SESSION_TOUCH_SECONDS, after the response", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    const created = (await sessionsOf(token, e))[0]!.created_at;
    const real = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(real + (SESSION_TOUCH_SECONDS - 30) * 1000);
    expect((await sessionsOf(token, e))[0]!.last_used_at).toBe(created);
    vi.setSystemTime(real + (SESSION_TOUCH_SECONDS + 10) * 1000);
    // After the response: the touch is held at D1 until `gate` opens. The
    // request must have started it, the answer must arrive while it is held
    // (the row still old), and the write lands once the gate opens.
    const hash = await sha256Hex(token);
    const lastUsed = async () =>
      (await env.GENERAL_DB.prepare("SELECT last_used_at FROM sessions WHERE token_hash = ?1").bind(hash).first<{ last_used_at: number }>())?.last_used_at;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let held = 0;
    const gated = new Proxy(env.GENERAL_DB, {
      get(target, prop) {
        if (prop === "prepare") {
          return (sql: string) => {
            const statement = target.prepare(sql);
            if (!/UPDATE sessions SET last_used_at/.test(sql)) return statement;
            return { bind: (...args: unknown[]) => ({ run: async () => { held++; await gate; return statement.bind(...args).run(); } }) };
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as D1Database;
    const ctx = createExecutionContext();
    const request = new Request("https://auth.test/auth/me", { headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": randomClientIp() } });
    try {
      const answered = await Promise.race([
        worker.fetch(request, sessionEnv({ GENERAL_DB: gated }), ctx),
        new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 2000)),
      ]);
      expect(answered, "the response waited for the touch").not.toBe("still waiting");
      expect((answered as Response).status).toBe(200);
      expect(held, "the touch was started by the request").toBe(1);
      expect(await lastUsed()).toBe(created);
    } finally {
      open();
    }
    await waitOnExecutionContext(ctx);
    const touched = await lastUsed();
    expect(touched).toBeGreaterThanOrEqual(created + SESSION_TOUCH_SECONDS);
    expect((await sessionsOf(token, e))[0]!.last_used_at).toBe(touched);
  });

  it("lists both kinds for a user who has both, and leaves out revoked, expired and other users' logins", async () => {
    const user = await registerUser();
    const other = await registerUser();
    const jwt = await loginUser(jwtEnv(), user.email);
    const session = await loginUser(sessionEnv(), user.email);
    await loginUser(jwtEnv(), other.email);
    const gone = await loginUser(jwtEnv(), user.email);
    expect((await call("POST", "/auth/logout", { token: gone.token })).status).toBe(200);
    const expired = await loginUser(sessionEnv(), user.email);
    await env.GENERAL_DB.prepare("UPDATE sessions SET expires_at = 1 WHERE token_hash = ?1").bind(await sha256Hex(expired.token)).run();
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: expired.token })).status).toBe(401);
    const list = await sessionsOf(jwt.token);
    expect(list.map((s) => s.kind).sort()).toEqual(["jwt", "session"]);
    expect(list.find((s) => s.kind === "jwt")!.current).toBe(true);
    // The same list seen through the session token marks the session.
    const viaSession = await sessionsOf(session.token, sessionEnv());
    expect(viaSession.find((s) => s.current)!.kind).toBe("session");
  });

  it("needs a token: 401", async () => {
    const response = await call("GET", "/auth/sessions");
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("missing_token");
  });
});

describe("DELETE /auth/sessions/:id", () => {
  it("revokes another login's family: its refresh token and its JWT are refused at once; the caller's login lives on", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const theirs = await loginUser(jwtEnv(), user.email);
    await settleIsolate();
    const target = (await sessionsOf(mine.token)).find((s) => !s.current)!;
    const response = await call("DELETE", `/auth/sessions/${target.id}`, { token: mine.token });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked: true, id: target.id, kind: "jwt", current: false });
    expect((await call("GET", "/auth/me", { token: theirs.token })).status).toBe(401);
    const refresh = await call("POST", "/auth/refresh", { json: { refresh_token: theirs.refresh_token } });
    expect(refresh.status).toBe(401);
    expect((await errorOf(refresh)).code).toBe("invalid_refresh_token");
    // Through the family revocation: the family is revoked and a `sid` row covers its JWTs.
    const family = await env.GENERAL_DB.prepare("SELECT revoked_reason FROM refresh_families WHERE id = ?1").bind(target.id).first<{ revoked_reason: string }>();
    expect(family?.revoked_reason).toBe("revoked");
    const sidRows = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM revocations WHERE kind = 'sid' AND subject = ?1").bind(target.id).first<{ n: number }>();
    expect(sidRows?.n).toBe(1);
    expect((await call("GET", "/auth/me", { token: mine.token })).status).toBe(200);
    expect((await sessionsOf(mine.token)).map((s) => s.id)).not.toContain(target.id);
  });

  it("the refusal reaches other isolates through D1: strict mode refuses the revoked JWT too", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const theirs = await loginUser(jwtEnv(), user.email);
    const target = (await sessionsOf(mine.token)).find((s) => !s.current)!;
    expect((await call("DELETE", `/auth/sessions/${target.id}`, { token: mine.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: jwtEnv({ REVOCATION: "strict" }), token: theirs.token })).status).toBe(401);
  });

  it("revoking the current login is allowed and says so", async () => {
    const user = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const [current] = await sessionsOf(mine.token);
    const response = await call("DELETE", `/auth/sessions/${current!.id}`, { token: mine.token });
    expect(await response.json()).toMatchObject({ revoked: true, current: true });
    expect((await call("GET", "/auth/me", { token: mine.token })).status).toBe(401);
  });

  it("session mode: deletes the session", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const mine = await loginUser(e, user.email);
    const theirs = await loginUser(e, user.email);
    const target = (await sessionsOf(mine.token, e)).find((s) => !s.current)!;
    const response = await call("DELETE", `/auth/sessions/${target.id}`, { env: e, token: mine.token });
    expect(await response.json()).toEqual({ revoked: true, id: target.id, kind: "session", current: false });
    expect((await call("GET", "/auth/me", { env: e, token: theirs.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: e, token: mine.token })).status).toBe(200);
  });

  it("another user's login, a missing one, a replayed id and garbage all answer the same 404, and nothing is revoked", async () => {
    const user = await registerUser();
    const victim = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const theirs = await loginUser(jwtEnv(), victim.email);
    const theirSession = await loginUser(sessionEnv(), victim.email);
    const victimLogins = await sessionsOf(theirs.token);
    expect(victimLogins).toHaveLength(2);
    const spare = await loginUser(jwtEnv(), user.email);
    const spareId = (await sessionsOf(mine.token)).find((s) => !s.current)!.id;
    expect((await call("DELETE", `/auth/sessions/${spareId}`, { token: mine.token })).status).toBe(200);
    const ids = [
      ...victimLogins.map((s) => s.id), // another user's (both kinds)
      crypto.randomUUID(), // missing
      spareId, // replayed: already revoked
      "not-an-id",
      "x".repeat(5000),
      "%00",
      "1%20OR%201=1",
      victimLogins[0]!.id.toUpperCase(),
    ];
    const bodies = new Set<string>();
    for (const id of ids) {
      const response = await call("DELETE", `/auth/sessions/${id}`, { token: mine.token });
      expect(response.status, id.slice(0, 40)).toBe(404);
      bodies.add(await response.text());
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain("not_found");
    // The victim's logins all still work.
    expect((await call("GET", "/auth/me", { token: theirs.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: theirSession.token })).status).toBe(200);
    expect(await sessionsOf(theirs.token)).toHaveLength(2);
    void spare;
  });

  it("wrong methods answer 405 with Allow", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const response = await call("POST", `/auth/sessions/${crypto.randomUUID()}`, { token, json: {} });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("DELETE");
    const put = await call("PUT", "/auth/sessions", { token, json: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("GET");
  });
});

describe("POST /auth/sessions/revoke-others", () => {
  it("JWT mode: every other login of the user ends (both kinds); the current one and other users' logins live on", async () => {
    const user = await registerUser();
    const bystander = await registerUser();
    const mine = await loginUser(jwtEnv(), user.email);
    const others = [await loginUser(jwtEnv(), user.email), await loginUser(jwtEnv(), user.email)];
    const session = await loginUser(sessionEnv(), user.email);
    const theirs = await loginUser(jwtEnv(), bystander.email);
    const before = await sessionsOf(mine.token);
    await settleIsolate();
    const response = await call("POST", "/auth/sessions/revoke-others", { token: mine.token });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { revoked: number; ended: string[] };
    expect(body.revoked).toBe(3);
    expect(body.ended.sort()).toEqual(before.filter((s) => !s.current).map((s) => s.id).sort());
    for (const other of others) {
      expect((await call("GET", "/auth/me", { token: other.token })).status).toBe(401);
      expect((await call("POST", "/auth/refresh", { json: { refresh_token: other.refresh_token } })).status).toBe(401);
      expect((await call("GET", "/auth/me", { env: jwtEnv({ REVOCATION: "strict" }), token: other.token })).status).toBe(401);
    }
    expect((await call("GET", "/auth/me", { env: sessionEnv(), token: session.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { token: mine.token })).status).toBe(200);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: mine.refresh_token } })).status).toBe(200);
    expect((await call("GET", "/auth/me", { token: theirs.token })).status).toBe(200);
    // Nothing left to end: a second call ends nothing.
    const again = await call("POST", "/auth/sessions/revoke-others", { token: mine.token });
    expect(await again.json()).toEqual({ revoked: 0, ended: [] });
  });

  it("session mode: keeps the current session, ends the others and every refresh family", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const mine = await loginUser(e, user.email);
    const other = await loginUser(e, user.email);
    const jwt = await loginUser(jwtEnv(), user.email);
    const response = await call("POST", "/auth/sessions/revoke-others", { env: e, token: mine.token });
    expect(((await response.json()) as { revoked: number }).revoked).toBe(2);
    expect((await call("GET", "/auth/me", { env: e, token: mine.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: other.token })).status).toBe(401);
    expect((await call("POST", "/auth/refresh", { json: { refresh_token: jwt.refresh_token } })).status).toBe(401);
  });

  it("a revoked token cannot call it: 401, nothing ended", async () => {
    const user = await registerUser();
    const keep = await loginUser(jwtEnv(), user.email);
    const revoked = await loginUser(jwtEnv(), user.email);
    expect((await call("POST", "/auth/logout", { token: revoked.token })).status).toBe(200);
    expect((await call("POST", "/auth/sessions/revoke-others", { token: revoked.token })).status).toBe(401);
    expect((await call("GET", "/auth/me", { token: keep.token })).status).toBe(200);
  });
});
