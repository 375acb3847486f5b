/**
 * Issue 19 §9: js/README.md says of GET /auth/usage (the dashboard's data)
 * "The role is read from D1 on each call, so a demotion takes effect at
 * once". The same admin token, before and right after a demotion (and a
 * promotion back), with no new login, no refresh and no wait.
 */
import { describe, expect, it } from "vitest";
import { call, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, settleIsolate } from "./helpers";
import type { Env } from "../demo/worker";

async function setRole(userId: string, role: "admin" | "user"): Promise<void> {
  await env.GENERAL_DB.prepare("UPDATE users SET role = ?2 WHERE id = ?1").bind(userId, role).run();
}

describe("GET /auth/usage: a demotion takes effect at once", () => {
  it.each([
    ["JWT", jwtEnv],
    ["session token", sessionEnv],
  ] as [string, () => Env][])("%s: 200 as admin, 403 forbidden on the very next request after the demotion, 200 again after a promotion", async (_kind, mode) => {
    const e = mode();
    const user = await registerUser(e);
    await setRole(user.id, "admin");
    const { token } = await loginUser(e, user.email);
    await settleIsolate();
    const report = await call("GET", "/auth/usage?days=1", { env: e, token });
    expect(report.status).toBe(200);
    expect(await report.json()).toHaveProperty("totals");

    await setRole(user.id, "user");
    const refused = await call("GET", "/auth/usage?days=1", { env: e, token });
    expect(refused.status).toBe(403);
    const error = await errorOf(refused);
    expect(error.code).toBe("forbidden");
    // The token itself is still good: only the role changed.
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);

    await setRole(user.id, "admin");
    expect((await call("GET", "/auth/usage?days=1", { env: e, token })).status).toBe(200);
  });
});
