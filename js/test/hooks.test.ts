/**
 * Issue 19 §9: hooks.onRegister and hooks.onLogin, as options.ts documents
 * them: onRegister after an account is created, with its public user;
 * onLogin after a successful login, with the user and the method
 * ("password" or "passkey"); both get the request's context; a throwing
 * hook is logged, never answered (the event already happened). An instance
 * of its own (createAuth with hooks), mounted like the demo's.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuth, handleError, optionsFromEnv } from "hybrid-auth/hono";
import { passkeyOptionsFromEnv, passkeys } from "hybrid-auth/passkeys";
import type { LoginMethod, PublicUser } from "hybrid-auth/hono";
import type { Env } from "../demo/worker";
import { PASSWORD, errorOf, jwtEnv, randomClientIp, sessionEnv, uniqueEmail } from "./helpers";
import { SoftAuthenticator } from "./passkeyAuthenticator";

interface Call {
  hook: "onRegister" | "onLogin";
  user: PublicUser;
  method?: LoginMethod;
  /** The request's context reached the hook: its env and path. */
  envHasDb: boolean;
  path: string;
}

const calls: Call[] = [];
let failing = false;

const hooked = createAuth((env: Env) => ({
  ...optionsFromEnv(env, { database: (e) => e.GENERAL_DB }),
  hooks: {
    onRegister: async (user, c) => {
      calls.push({ hook: "onRegister", user, envHasDb: (c.env as Env).GENERAL_DB !== undefined, path: c.req.path });
      if (failing) throw new Error("the adopter's CRM is down");
    },
    onLogin: async ({ user, method }, c) => {
      calls.push({ hook: "onLogin", user, method, envHasDb: (c.env as Env).GENERAL_DB !== undefined, path: c.req.path });
      if (failing) throw new Error("the adopter's audit log is down");
    },
  },
}), { plugins: [passkeys(passkeyOptionsFromEnv)] });
const app = new Hono<{ Bindings: Env }>();
app.route("/auth", hooked.app);
app.onError(handleError);

afterEach(() => {
  calls.length = 0;
  failing = false;
  vi.restoreAllMocks();
});

async function send(method: string, path: string, o: { env?: Env; json?: unknown; token?: string } = {}): Promise<Response> {
  const headers = new Headers({ "CF-Connecting-IP": randomClientIp() });
  if (o.json !== undefined) headers.set("Content-Type", "application/json");
  if (o.token !== undefined) headers.set("Authorization", `Bearer ${o.token}`);
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`https://auth.test${path}`, { method, headers, body: o.json === undefined ? null : JSON.stringify(o.json) }), o.env ?? jwtEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function register(e: Env = jwtEnv()): Promise<PublicUser> {
  const email = uniqueEmail("hooks");
  const response = await send("POST", "/auth/register", { env: e, json: { email, password: PASSWORD, name: "Hook Tester" } });
  expect(response.status, await response.clone().text()).toBe(201);
  const { user } = (await response.json()) as { user: PublicUser & { created_at: number } };
  return { id: user.id, email: user.email, name: user.name };
}

async function passwordLogin(email: string, e: Env = jwtEnv(), password = PASSWORD): Promise<Response> {
  return send("POST", "/auth/login", { env: e, json: { email, password } });
}

describe("hooks.onRegister", () => {
  it("is called once, after the account is created, with its public user and the request's context", async () => {
    const user = await register();
    expect(calls).toEqual([{ hook: "onRegister", user, envHasDb: true, path: "/auth/register" }]);
    // Not for a refused registration (the address is taken).
    const again = await send("POST", "/auth/register", { json: { email: user.email, password: PASSWORD, name: "Other" } });
    expect(again.status).toBe(409);
    expect(calls).toHaveLength(1);
  });

  it("a throwing onRegister is logged and never answered: 201, and the account works", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    failing = true;
    const user = await register();
    expect(calls.map((c) => c.hook)).toEqual(["onRegister"]);
    expect(log.mock.calls.map((args) => String(args[0])).some((line) => line.includes("hooks.onRegister failed"))).toBe(true);
    failing = false;
    expect((await passwordLogin(user.email)).status).toBe(200);
  });
});

describe("hooks.onLogin", () => {
  it("password login, both modes: called with the user and method \"password\"; not for a wrong password", async () => {
    for (const e of [jwtEnv(), sessionEnv()]) {
      const user = await register(e);
      calls.length = 0;
      const wrong = await passwordLogin(user.email, e, "not the password");
      expect(wrong.status).toBe(401);
      expect(calls).toEqual([]);
      expect((await passwordLogin(user.email, e)).status).toBe(200);
      expect(calls).toEqual([{ hook: "onLogin", user, method: "password", envHasDb: true, path: "/auth/login" }]);
    }
  });

  it("passkey login: called with the passkey's user and method \"passkey\"", async () => {
    const user = await register();
    const { token } = (await (await passwordLogin(user.email)).json()) as { token: string };
    const authenticator = await SoftAuthenticator.create("ES256");
    const regOptions = await send("POST", "/auth/passkey/register/options", { token });
    expect(regOptions.status).toBe(200);
    const { options: creation } = (await regOptions.json()) as { options: PublicKeyCredentialCreationOptionsJSON };
    const added = await send("POST", "/auth/passkey/register/verify", { token, json: { response: await authenticator.register(creation), label: "Laptop" } });
    expect(added.status, await added.clone().text()).toBe(201);
    calls.length = 0;

    const loginOptions = await send("POST", "/auth/passkey/login/options");
    const { options: request } = (await loginOptions.json()) as { options: PublicKeyCredentialRequestOptionsJSON };
    const login = await send("POST", "/auth/passkey/login/verify", { json: { response: await authenticator.assert(request) } });
    expect(login.status, await login.clone().text()).toBe(200);
    expect(calls).toEqual([{ hook: "onLogin", user, method: "passkey", envHasDb: true, path: "/auth/passkey/login/verify" }]);
  });

  it("a throwing onLogin is logged and never answered: the login answers 200 with a working token", async () => {
    const user = await register();
    calls.length = 0;
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    failing = true;
    const login = await passwordLogin(user.email);
    expect(login.status, await login.clone().text()).toBe(200);
    const { token } = (await login.json()) as { token: string };
    expect(calls.map((c) => c.hook)).toEqual(["onLogin"]);
    expect(log.mock.calls.map((args) => String(args[0])).some((line) => line.includes("hooks.onLogin failed"))).toBe(true);
    const me = await send("GET", "/auth/me", { token });
    expect(me.status, me.status === 200 ? "" : (await errorOf(me)).code).toBe(200);
  });
});
