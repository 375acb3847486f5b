import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLIENT_ROUTES, HybridAuthError, createClient, memoryStorage } from "../client/index";
import type { ChannelLike, ChannelMessage, ClientOptions } from "../client/index";
import worker from "../demo/worker";
import { PASSWORD, auth, jwtEnv, randomClientIp, registerUser } from "./helpers";

// hybrid-auth/client against the demo Worker, in workerd: the client's
// `fetch` option hands each Request to the Worker's fetch handler, and a
// log records every path, so the tests count the refreshes the client made.

function workerFetch(log: string[]) {
  const ip = randomClientIp();
  return async (request: Request): Promise<Response> => {
    const line = `${request.method} ${new URL(request.url).pathname}`;
    const headers = new Headers(request.headers);
    headers.set("CF-Connecting-IP", ip);
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(request, { headers }), jwtEnv(), ctx);
    await waitOnExecutionContext(ctx);
    log.push(`${line} ${response.status}`);
    return response;
  };
}

function client(log: string[], extra: Partial<ClientOptions> = {}) {
  return createClient({ baseUrl: "https://auth.test/auth", fetch: workerFetch(log), channel: false, ...extra });
}

const refreshes = (log: string[]) => log.filter((line) => line.startsWith("POST /auth/refresh ")).length;

/** Two "tabs" joined like a BroadcastChannel: what one posts, the others receive (asynchronously). */
function bus() {
  const members = new Set<(event: { data: unknown }) => void>();
  return (): ChannelLike => {
    let own: ((event: { data: unknown }) => void) | undefined;
    return {
      postMessage(message: ChannelMessage) {
        for (const listener of members) if (listener !== own) queueMicrotask(() => listener({ data: structuredClone(message) }));
      },
      addEventListener(_type, listener) {
        own = listener;
        members.add(listener);
      },
      close() {
        if (own) members.delete(own);
      },
    };
  };
}

async function signedInClient(log: string[], extra: Partial<ClientOptions> = {}) {
  const user = await registerUser(jwtEnv());
  const c = client(log, extra);
  await c.login({ email: user.email, password: PASSWORD });
  return { c, user };
}

describe("hybrid-auth/client", () => {
  it("has a method for every declared route but the account helpers' ones it lists as missing", () => {
    const declared = auth.routes.map((r) => `${r.method} ${r.path}`);
    const covered = new Set(Object.values(CLIENT_ROUTES).map(([method, path]) => `${method} ${path}`));
    for (const route of covered) expect(declared, route).toContain(route);
    const missing = declared.filter((route) => !covered.has(route));
    // Routes without a typed method are still reachable through client.call(); they are listed in the report.
    expect(missing.every((route) => !route.includes("/passkey") && !/\/(login|me|logout|refresh|register)$/.test(route)), missing.join(", ")).toBe(true);
  });

  it("logs in, reads /me, and types errors by their stable code", async () => {
    const log: string[] = [];
    const { c, user } = await signedInClient(log);
    expect((await c.me()).user.email).toBe(user.email);
    expect(c.tokens()?.refreshToken).toMatch(/^.{43}$/);

    const wrong = await client(log).login({ email: user.email, password: "wrong password!" }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(HybridAuthError);
    expect(wrong).toMatchObject({ status: 401, code: "invalid_credentials" });
    const taken = await client(log).register({ email: user.email, password: PASSWORD, name: "Again" }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ status: 409, code: "email_taken" });
    const missing = await client(log).register({ email: "", password: PASSWORD, name: "x" }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 400, code: "invalid_field" });
    const signedOut = await client(log).me().catch((e: unknown) => e);
    expect(signedOut).toMatchObject({ code: "missing_token" });
  });

  it("N concurrent calls with a token about to expire make exactly one /refresh", async () => {
    const log: string[] = [];
    let clock = Date.now();
    const { c } = await signedInClient(log, { now: () => clock });
    const first = c.tokens()!;
    clock = first.expiresAt * 1000 - 10_000; // within the 30 s leeway
    const answers = await Promise.all(Array.from({ length: 8 }, () => c.me()));
    expect(refreshes(log)).toBe(1);
    expect(answers.every((a) => a.token_type === "jwt")).toBe(true);
    const second = c.tokens()!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.token).not.toBe(first.token);
    // And the rotated-away refresh token is retired: the new one works once more.
    clock = second.expiresAt * 1000 - 10_000;
    await c.me();
    expect(refreshes(log)).toBe(2);
  });

  it("a 401 on an expired-looking token refreshes once and retries; a dead refresh token fails with its code, no loop", async () => {
    const log: string[] = [];
    const storage = memoryStorage();
    const { c } = await signedInClient(log, { storage });
    const good = storage.get()!;
    // The server refuses this access token (401 invalid_token), but the refresh token is good.
    storage.set({ ...good, token: "not-a-valid-token" });
    const results = await Promise.all([c.me(), c.me(), c.passkeys()]);
    expect(results[0].user.id).toBe(results[1].user.id);
    expect(refreshes(log)).toBe(1);
    expect(log.filter((l) => l.startsWith("GET /auth/me "))).toEqual(["GET /auth/me 401", "GET /auth/me 401", "GET /auth/me 200", "GET /auth/me 200"]);

    // Now both are bad: one refresh attempt, then the refresh's own error, and the tokens are dropped.
    storage.set({ ...storage.get()!, token: "not-a-valid-token", refreshToken: "x".repeat(43) });
    const error = await c.me().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "invalid_refresh_token" });
    expect(refreshes(log)).toBe(2);
    expect(c.tokens()).toBeNull();
  });

  it("two tabs refreshing the same token at once: one rotates, the other gets 409 refresh_token_rotated and adopts the broadcast tokens", async () => {
    const log: string[] = [];
    const join = bus();
    const user = await registerUser(jwtEnv());
    const tabA = client(log, { channel: join() });
    const tabB = client(log, { channel: join() });
    await tabA.login({ email: user.email, password: PASSWORD });
    // The login was broadcast: tab B holds the same tokens.
    await new Promise((r) => setTimeout(r, 0));
    expect(tabB.tokens()).toEqual(tabA.tokens());

    // Both refresh at the same moment.
    const [a, b] = await Promise.all([tabA.refresh(), tabB.refresh()]);
    expect(log.filter((l) => l.startsWith("POST /auth/refresh ")).sort()).toEqual(["POST /auth/refresh 200", "POST /auth/refresh 409"]);
    expect(a).toEqual(b);
    expect(tabA.tokens()).toEqual(tabB.tokens());
    // Exactly one of the two requests rotated (the other was told 409): the shared token is the newest and works.
    expect((await tabA.me()).user.email).toBe(user.email);
    expect((await tabB.me()).user.email).toBe(user.email);
    expect(refreshes(log)).toBe(2);
    await tabA.logout();
    await new Promise((r) => setTimeout(r, 0));
    expect(tabB.tokens()).toBeNull();
  });

  it("without a channel a 409 is not swallowed: the caller sees refresh_token_rotated", async () => {
    const log: string[] = [];
    const user = await registerUser(jwtEnv());
    const tabA = client(log);
    await tabA.login({ email: user.email, password: PASSWORD });
    // A second client with a copy of the same tokens and no way to hear from the first.
    const copy = tabA.tokens()!;
    const storageB = memoryStorage();
    storageB.set(copy);
    const lonely = client(log, { storage: storageB });
    await tabA.refresh();
    const error = await lonely.refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 409, code: "refresh_token_rotated" });
  });

  it("serves its OpenAPI document and the client reads it", async () => {
    const doc = await client([]).openApi();
    expect(doc.openapi).toBe("3.1.0");
    const paths = Object.keys(doc.paths as object);
    expect(paths).toContain("/passkeys/{id}");
    expect((doc.servers as { url: string }[])[0]!.url).toBe("/auth");
  });
});
