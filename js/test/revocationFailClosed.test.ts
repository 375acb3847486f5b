/**
 * Issue 19 §9: REVOCATION=cached fails closed until this isolate has loaded
 * one complete revocation snapshot. Before that, a JWT cannot be checked
 * against logouts made anywhere, so it is refused with 503
 * service_unavailable rather than accepted. Each test here makes only the
 * snapshot's read fail (failMatching on its SQL), on a cold isolate
 * (`revocations.reset()`), and checks one door a JWT can come through:
 * /auth/me, an adopter route behind `auth.requireAuth`, a JWT its owner
 * logged out elsewhere.
 */
import { Hono } from "hono";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { revokeFamily } from "../src/db";
import type { Env } from "../demo/worker";
import { SNAPSHOT_READ, failMatching } from "./d1Faults";
import { auth, call, claimsOf, env, errorOf, jwtEnv, loginUser, randomClientIp, registerUser, settleIsolate } from "./helpers";

/** The claims these tests read from the tokens the Worker issues. */
type Claims = { sid: string; sub: string };

afterEach(async () => {
  vi.restoreAllMocks();
  // Leave a warm, loaded snapshot for whatever runs next in this isolate.
  await settleIsolate();
});

async function expectUnavailable(response: Response, what: string): Promise<void> {
  const text = await response.text();
  expect(response.status, `${what}: ${text}`).toBe(503);
  expect(response.headers.get("Retry-After"), what).toMatch(/^[1-9][0-9]*$/);
  expect(JSON.parse(text), what).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
}

/** A cold isolate (never loaded a snapshot) whose snapshot read fails. */
function coldWithSnapshotDown(): { e: Env; failing: { on: boolean; hits: number } } {
  vi.spyOn(console, "error").mockImplementation(() => {});
  auth.state.revocations.reset();
  const { db, failing } = failMatching(env.GENERAL_DB, SNAPSHOT_READ);
  return { e: jwtEnv({ GENERAL_DB: db, REVOCATION: "cached" }), failing };
}

describe("REVOCATION=cached before the first complete snapshot: JWTs are refused with 503, never accepted", () => {
  it("/auth/me with a valid JWT answers 503 while the snapshot cannot load, and 200 once it can", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    const { e, failing } = coldWithSnapshotDown();
    await expectUnavailable(await call("GET", "/auth/me", { env: e, token }), "first request");
    // Retried on every request, and refused again while it fails.
    await expectUnavailable(await call("GET", "/auth/me", { env: e, token }), "second request");
    expect(failing.hits).toBe(2);
    expect(auth.state.revocations.info().loaded).toBe(false);
    // D1 back: the same token, the same binding, is accepted.
    failing.on = false;
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
    expect(auth.state.revocations.info().loaded).toBe(true);
  });

  it("an adopter route behind auth.requireAuth answers 503 and its handler never runs", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    let handled = 0;
    const adopter = new Hono<{ Bindings: Env }>();
    adopter.get("/api/private", auth.requireAuth, (c) => {
      handled++;
      return c.json({ user: c.get("principal").user.id });
    });
    const send = async (e: Env) => {
      const ctx = createExecutionContext();
      const request = new Request("https://app.test/api/private", { headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": randomClientIp() } });
      const response = await adopter.fetch(request, e, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const { e, failing } = coldWithSnapshotDown();
    await expectUnavailable(await send(e), "adopter route");
    expect(handled).toBe(0);
    expect(failing.hits).toBe(1);
    // Control: the route does serve this token once the snapshot loads.
    failing.on = false;
    const ok = await send(e);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ user: user.id });
    expect(handled).toBe(1);
  });

  it("a JWT logged out by another isolate is refused (503, then 401), never accepted by an isolate that could not load the snapshot", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    // Another isolate's logout: only D1 knows.
    const c = claimsOf<Claims>(token);
    await revokeFamily(env.GENERAL_DB, { familyId: c.sid, userId: c.sub, reason: "logout" }, Math.floor(Date.now() / 1000));
    const { e, failing } = coldWithSnapshotDown();
    for (const path of ["/auth/me", "/auth/sessions", "/auth/passkeys"]) {
      await expectUnavailable(await call("GET", path, { env: e, token }), path);
    }
    failing.on = false;
    const me = await call("GET", "/auth/me", { env: e, token });
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe("invalid_token");
  });
});
