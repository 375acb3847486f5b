/**
 * Issue 22: the demo's development OIDC provider (js/demo/devProvider.ts),
 * through the demo Worker, as `npm start` runs it (DEV_SOCIAL_ISSUER set to a
 * loopback URL): "Sign in with Dev" lands signed in, and the provider exists
 * nowhere else.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { jwtEnv, randomClientIp } from "./helpers";

const ORIGIN = "http://localhost:8787";
const devEnv = jwtEnv({ DEV_SOCIAL_ISSUER: "http://127.0.0.1:8787/dev-oidc" });

async function get(url: string, e: Env, cookie?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", randomClientIp());
  if (cookie) headers.set("Cookie", cookie);
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, { ...init, headers }), e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("the demo's dev provider", () => {
  it("Sign in with Dev: the button's redirects end signed in as dev@example.com", async () => {
    const providers = (await (await get(`${ORIGIN}/auth/social/providers`, devEnv)).json()) as { providers: { id: string }[] };
    expect(providers.providers.map((p) => p.id)).toEqual(["dev", "dev2"]);
    const start = await get(`${ORIGIN}/auth/social/dev/login?redirect_to=${encodeURIComponent(`${ORIGIN}/`)}`, devEnv);
    expect(start.status, await start.clone().text()).toBe(302);
    const cookie = /(hybrid-auth-social-[0-9a-f]{16}=[A-Za-z0-9_-]{43})/.exec(start.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
    const authorize = start.headers.get("Location") ?? "";
    expect(authorize.startsWith("http://127.0.0.1:8787/dev-oidc/authorize?")).toBe(true);
    const atProvider = await get(authorize, devEnv);
    expect(atProvider.status, await atProvider.clone().text()).toBe(302);
    const callback = await get(atProvider.headers.get("Location") ?? "", devEnv, cookie);
    expect(callback.status, await callback.clone().text()).toBe(302);
    const ticket = /#social_ticket=([A-Za-z0-9_-]{43})$/.exec(callback.headers.get("Location") ?? "")?.[1];
    expect(callback.headers.get("Location")?.startsWith(`${ORIGIN}/#`)).toBe(true);
    const exchange = await get(`${ORIGIN}/auth/social/exchange`, devEnv, undefined, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ticket }) });
    const body = (await exchange.json()) as { token?: string; user?: { email: string } };
    expect(exchange.status, JSON.stringify(body)).toBe(200);
    expect(body.user?.email).toBe("dev@example.com");
  });

  it("exists only on a loopback host, and only when DEV_SOCIAL_ISSUER names a loopback URL", async () => {
    expect((await get("https://auth.example.com/dev-oidc/jwks", devEnv)).status).toBe(404);
    expect((await get(`${ORIGIN}/dev-oidc/jwks`, devEnv)).status).toBe(200);
    expect((await get(`${ORIGIN}/dev-oidc/jwks`, jwtEnv())).status).toBe(404);
    const elsewhere = jwtEnv({ DEV_SOCIAL_ISSUER: "http://auth.example.com/dev-oidc" });
    expect((await get(`${ORIGIN}/dev-oidc/jwks`, elsewhere)).status).toBe(404);
    const none = (await (await get(`${ORIGIN}/auth/social/providers`, elsewhere)).json()) as { providers: unknown[] };
    expect(none.providers).toEqual([]);
  });
});
