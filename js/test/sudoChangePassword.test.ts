/**
 * Issue 19 §9: the sudo check on POST /auth/change-password (its route's
 * guard is "recent", routes.ts) caught by more than one test. Each case
 * holds a token that is valid for everything else, and checks that the
 * change is refused with 403 reauthentication_required and that the old
 * password still works afterwards. Time moves with vitest's fake Date (the
 * Worker, the wasm core and the D1 rows all read Date.now()).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../demo/worker";
import { PASSWORD, call, claimsOf, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, setClock, settleIsolate } from "./helpers";

/** The claims these tests read from the tokens the Worker issues. */
type Claims = { auth_time: number; iat: number };

const NEW_PASSWORD = "a brand new passphrase";
const REAUTH_DEFAULT = 600;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function change(token: string, e: Env): Promise<Response> {
  return call("POST", "/auth/change-password", { env: e, token, json: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
}

async function expectRefusedAndUnchanged(response: Response, e: Env, email: string): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(403);
  expect((await errorOf(response)).code).toBe("reauthentication_required");
  vi.useRealTimers();
  expect((await call("POST", "/auth/login", { env: e, json: { email, password: PASSWORD } })).status).toBe(200);
  expect((await call("POST", "/auth/login", { env: e, json: { email, password: NEW_PASSWORD } })).status).toBe(401);
}

describe("change-password needs sudo mode", () => {
  it("a JWT minted by refresh keeps its login's old auth_time and is still refused", async () => {
    const user = await registerUser();
    const login = await loginUser(jwtEnv(), user.email);
    const authTime = claimsOf<Claims>(login.token).auth_time;
    setClock((authTime + REAUTH_DEFAULT + 5) * 1000);
    await settleIsolate();
    const refreshed = await call("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } });
    expect(refreshed.status).toBe(200);
    const { token } = (await refreshed.json()) as { token: string };
    // A brand-new token (valid for everything else), carrying the login's auth_time.
    expect(claimsOf<Claims>(token).auth_time).toBe(authTime);
    expect(claimsOf<Claims>(token).iat).toBeGreaterThanOrEqual(authTime + REAUTH_DEFAULT);
    expect((await call("GET", "/auth/me", { token })).status).toBe(200);
    await expectRefusedAndUnchanged(await change(token, jwtEnv()), jwtEnv(), user.email);
  });

  it("a session token whose session was created longer ago than REAUTH_MAX_AGE_SECONDS is refused", async () => {
    const e = sessionEnv();
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    setClock(Date.now() + (REAUTH_DEFAULT + 5) * 1000);
    expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
    await expectRefusedAndUnchanged(await change(token, e), e, user.email);
  });

  it("REAUTH_MAX_AGE_SECONDS is honoured on this route: a 2-minute-old login is refused at 60 s, accepted at the default", async () => {
    const user = await registerUser();
    const { token } = await loginUser(jwtEnv(), user.email);
    setClock(Date.now() + 120_000);
    await settleIsolate();
    const strictEnv = jwtEnv({ REAUTH_MAX_AGE_SECONDS: "60" });
    const refused = await change(token, strictEnv);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("reauthentication_required");
    // Control: the same token under the default window may change it.
    expect((await change(token, jwtEnv())).status).toBe(200);
  });
});
