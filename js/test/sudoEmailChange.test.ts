/**
 * Issue 19 (guard audit): the sudo check on POST /auth/email/change (its
 * route's guard is "recent", routes.ts) was caught by one test only
 * (emailChange.test.ts › needs a recent sign-in). These cases each hold a
 * token that is valid for everything else, and check that the request is
 * refused with 403 reauthentication_required, that no link goes to the new
 * address and that the account keeps its address. Time moves with vitest's
 * fake Date (the Worker, the wasm core and the D1 rows all read Date.now()).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../demo/worker";
import { call, errorOf, loginUser, registerUser, setClock, settleIsolate, uniqueEmail } from "./helpers";
import { claimsOf, mailEnv, mailSessionEnv, mailTo, one } from "./emailHelpers";

const REAUTH_DEFAULT = 600;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function change(token: string, email: string, e: Env): Promise<Response> {
  return call("POST", "/auth/email/change", { env: e, token, json: { email } });
}

async function expectRefusedAndUnchanged(response: Response, user: { id: string; email: string }, next: string): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(403);
  expect((await errorOf(response)).code).toBe("reauthentication_required");
  expect(mailTo(next)).toEqual([]);
  expect(mailTo(user.email)).toEqual([]);
  expect((await one<{ email: string }>("SELECT email FROM users WHERE id = ?1", user.id))?.email).toBe(user.email);
}

describe("email change needs sudo mode", () => {
  it("a JWT minted by refresh keeps its login's old auth_time and is refused; nothing is sent", async () => {
    const user = await registerUser(mailEnv());
    const login = await loginUser(mailEnv(), user.email);
    const authTime = claimsOf(login.token).auth_time as number;
    setClock((authTime + REAUTH_DEFAULT + 5) * 1000);
    await settleIsolate();
    const refreshed = await call("POST", "/auth/refresh", { env: mailEnv(), json: { refresh_token: login.refresh_token } });
    expect(refreshed.status).toBe(200);
    const { token } = (await refreshed.json()) as { token: string };
    // A brand-new token (valid for everything else), carrying the login's auth_time.
    expect(claimsOf(token).auth_time).toBe(authTime);
    expect((await call("GET", "/auth/me", { env: mailEnv(), token })).status).toBe(200);
    const next = uniqueEmail("sudo-jwt");
    await expectRefusedAndUnchanged(await change(token, next, mailEnv()), user, next);
  });

  it("a session token whose session was created longer ago than REAUTH_MAX_AGE_SECONDS is refused; nothing is sent", async () => {
    const e = mailSessionEnv();
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    setClock(Date.now() + (REAUTH_DEFAULT + 5) * 1000);
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
    const next = uniqueEmail("sudo-session");
    await expectRefusedAndUnchanged(await change(token, next, e), user, next);
  });

  it("REAUTH_MAX_AGE_SECONDS is honoured on this route: a 2-minute-old login is refused at 60 s, accepted at the default", async () => {
    const user = await registerUser(mailEnv());
    const { token } = await loginUser(mailEnv(), user.email);
    setClock(Date.now() + 120_000);
    await settleIsolate();
    const next = uniqueEmail("sudo-window");
    await expectRefusedAndUnchanged(await change(token, next, mailEnv({ REAUTH_MAX_AGE_SECONDS: "60" })), user, next);
    // Control: the same token under the default window may ask for the change.
    expect((await change(token, next, mailEnv())).status).toBe(202);
    expect(mailTo(next).map((m) => m.subject)).toEqual(["Confirm your new email address"]);
  });
});
