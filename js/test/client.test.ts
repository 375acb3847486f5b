import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLIENT_ROUTES, HybridAuthError, createClient, memoryStorage } from "../client/index";
import type { ChannelLike, ChannelMessage, ClientOptions, HybridAuthClient } from "../client/index";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { PASSWORD, auth, jwtEnv, randomClientIp, registerUser } from "./helpers";
import { linkToken, mailEnv } from "./emailHelpers";

// hybrid-auth/client against the demo Worker, in workerd: the client's
// `fetch` option hands each Request to the Worker's fetch handler, and a
// log records every path, so the tests count the refreshes the client made.

function workerFetch(log: string[], e: Env = jwtEnv()) {
  const ip = randomClientIp();
  return async (request: Request): Promise<Response> => {
    const line = `${request.method} ${new URL(request.url).pathname}`;
    const headers = new Headers(request.headers);
    headers.set("CF-Connecting-IP", ip);
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(request, { headers }), e, ctx);
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
  it("has a named method for every declared route, and each one calls exactly its route", async () => {
    // The client's table and the server's are the same set: a new route without a method fails here.
    // Except the social callback (GET, or Apple's form POST): the provider's redirect calls it, never a client.
    const declared = auth.routes.map((r) => `${r.method} ${r.path}`).filter((r) => r !== "GET /social/:provider/callback" && r !== "POST /social/:provider/callback").sort();
    expect(Object.values(CLIENT_ROUTES).map(([method, path]) => `${method} ${path}`).sort()).toEqual(declared);
    // And each named method really sends its route. The Record type makes this list exhaustive at compile time.
    const invoke: Record<keyof typeof CLIENT_ROUTES, (c: HybridAuthClient) => Promise<unknown>> = {
      register: (c) => c.register({ email: "ada@example.com", password: PASSWORD, name: "Ada" }),
      login: (c) => c.login({ email: "ada@example.com", password: PASSWORD }),
      me: (c) => c.me(),
      logout: (c) => c.logout(),
      refresh: (c) => c.refresh(),
      logoutAll: (c) => c.logoutAll(),
      usage: (c) => c.usage({ days: 7 }),
      passkeyRegisterOptions: (c) => c.passkeyRegisterOptions(),
      passkeyRegisterVerify: (c) => c.passkeyRegisterVerify({}),
      passkeyLoginOptions: (c) => c.passkeyLoginOptions(),
      passkeyLoginVerify: (c) => c.passkeyLoginVerify({}),
      passkeys: (c) => c.passkeys(),
      deletePasskey: (c) => c.deletePasskey("some-id"),
      renamePasskey: (c) => c.renamePasskey("some-id", "Laptop"),
      sessions: (c) => c.sessions(),
      revokeSession: (c) => c.revokeSession("some-id"),
      revokeOtherSessions: (c) => c.revokeOtherSessions(),
      changePassword: (c) => c.changePassword({ current_password: PASSWORD, new_password: "a new passphrase" }),
      requestPasswordReset: (c) => c.requestPasswordReset({ email: "ada@example.com" }),
      completePasswordReset: (c) => c.completePasswordReset({ token: "t".repeat(43), password: "a new passphrase" }),
      verifyEmail: (c) => c.verifyEmail("t".repeat(43)),
      resendVerification: (c) => c.resendVerification(),
      changeEmail: (c) => c.changeEmail({ email: "new@example.com" }),
      confirmEmailChange: (c) => c.confirmEmailChange("t".repeat(43)),
      devMailbox: (c) => c.devMailbox(),
      openApi: (c) => c.openApi(),
      plugins: (c) => c.plugins(),
      jwks: (c) => c.jwks(),
      totpStatus: (c) => c.totpStatus(),
      enrollTotp: (c) => c.enrollTotp(),
      confirmTotp: (c) => c.confirmTotp("123456"),
      verifyTotp: (c) => c.verifyTotp({ ticket: "t".repeat(43), code: "123456" }),
      regenerateRecoveryCodes: (c) => c.regenerateRecoveryCodes(),
      disableTotp: (c) => c.disableTotp(),
      socialProviders: (c) => c.socialProviders(),
      // A navigation, not a fetch: the URL the client builds for the button is what is checked.
      socialLogin: async (c) => void sent.push(`GET ${new URL(c.socialLoginUrl("some-id")).pathname}`),
      socialExchange: (c) => c.socialExchange("t".repeat(43)),
      socialLink: (c) => c.socialLink("some-id"),
      socialIdentities: (c) => c.socialIdentities(),
      socialUnlink: (c) => c.socialUnlink("some-id"),
    };
    const sent: string[] = [];
    const recorder = createClient({
      baseUrl: "https://auth.test/auth",
      channel: false,
      fetch: async (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return Response.json({});
      },
    });
    const far = Math.floor(Date.now() / 1000) + 3600;
    for (const [name, [method, path]] of Object.entries(CLIENT_ROUTES) as [keyof typeof CLIENT_ROUTES, readonly [string, string]][]) {
      recorder.adopt({ token: "access", tokenType: "jwt", expiresAt: far, refreshToken: "r".repeat(43), refreshExpiresAt: far });
      sent.length = 0;
      await invoke[name](recorder);
      expect(sent, name).toEqual([`${method} /auth${path.replace(/:(id|provider)/, "some-id")}`]);
    }
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

  it("cookie mode, signed out: a call tries the cookie once, then fails as not signed in (401 missing_token), not with the refresh route's 400", async () => {
    const log: string[] = [];
    // Cookie mode on, as a browser app on https would use it; this client holds no cookie.
    const signedOut = client(log, { mode: "cookie", fetch: workerFetch(log, jwtEnv({ REFRESH_COOKIE: "strict" })) });
    const error = await signedOut.me().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "missing_token" });
    expect(log).toEqual(["POST /auth/refresh 400"]);
  });

  it("cookie mode, the cookie gone while tokens are held (expired, cleared elsewhere): the refresh signs the client out with 401 missing_token", async () => {
    const log: string[] = [];
    const seen: (unknown | null)[] = [];
    const held = client(log, { mode: "cookie", fetch: workerFetch(log, jwtEnv({ REFRESH_COOKIE: "strict" })), onTokens: (t) => seen.push(t) });
    // An access token about to expire (inside the 30 s leeway), and no cookie to refresh it with.
    held.adopt({ token: "expiring-access-token", tokenType: "jwt", expiresAt: Math.floor(Date.now() / 1000) + 10 });
    const error = await held.me().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "missing_token" });
    expect(log).toEqual(["POST /auth/refresh 400"]);
    expect(held.tokens()).toBeNull();
    expect(seen.at(-1)).toBeNull();
    // The next call holds no token: it tries the cookie once more, and is signed out the same way.
    expect(await held.me().catch((e: unknown) => e)).toMatchObject({ status: 401, code: "missing_token" });
    expect(log).toEqual(["POST /auth/refresh 400", "POST /auth/refresh 400"]);
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

  it("the account methods: list, revoke one and revoke the other logins, typed by the route declarations", async () => {
    const log: string[] = [];
    const user = await registerUser(jwtEnv());
    const [mine, other, third] = [client(log), client(log), client(log)];
    for (const c of [mine, other, third]) await c.login({ email: user.email, password: PASSWORD });
    const { sessions } = await mine.sessions();
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions[0]!.current).toBe(true);

    const target = sessions.find((s) => !s.current)!;
    expect(await mine.revokeSession(target.id)).toEqual({ revoked: true, id: target.id, kind: "jwt", current: false });
    const again = await mine.revokeSession(target.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(HybridAuthError);
    expect(again).toMatchObject({ status: 404, code: "not_found" });

    const rest = await mine.revokeOtherSessions();
    expect(rest.revoked).toBe(1);
    expect((await mine.sessions()).sessions.map((s) => s.current)).toEqual([true]);
    // The two other clients' logins are over: their calls end in the refresh's own error.
    for (const c of [other, third]) await expect(c.me()).rejects.toMatchObject({ status: 401 });
    expect((await mine.me()).user.email).toBe(user.email);
  });

  it("changePassword, then a password reset through requestPasswordReset/completePasswordReset; a spent link is a typed error", async () => {
    const log: string[] = [];
    const e = mailEnv();
    const user = await registerUser(e);
    const c = createClient({ baseUrl: "https://auth.test/auth", fetch: workerFetch(log, e), channel: false });
    await c.login({ email: user.email, password: PASSWORD });
    const changed = await c.changePassword({ current_password: PASSWORD, new_password: "a changed passphrase", revoke_other_logins: false });
    expect(changed).toEqual({ password_changed: true, revoked_other_logins: false, ended: [] });
    const wrong = await c.changePassword({ current_password: PASSWORD, new_password: "another passphrase" }).catch((err: unknown) => err);
    expect(wrong).toMatchObject({ status: 403, code: "invalid_current_password" });

    expect(await c.requestPasswordReset({ email: user.email })).toEqual({ accepted: true, message: expect.any(String) });
    const token = linkToken(user.email, "reset");
    const reset = await c.completePasswordReset({ token, password: "the reset passphrase" });
    expect(reset).toMatchObject({ password_reset: true, email: user.email, refresh_families_revoked: 1 });
    await expect(c.completePasswordReset({ token, password: "the reset passphrase" })).rejects.toMatchObject({ status: 400, code: "email_token_used" });
    await expect(c.verifyEmail("not-a-token")).rejects.toMatchObject({ status: 400, code: "invalid_email_token" });
    expect((await c.login({ email: user.email, password: "the reset passphrase" })).user.email).toBe(user.email);
    // The dev mailbox answers on a loopback host only: the same client type, pointed at 127.0.0.1.
    const local = createClient({ baseUrl: "http://127.0.0.1/auth", fetch: workerFetch(log, e), channel: false });
    expect((await local.devMailbox()).messages.some((m) => m.to === user.email && m.text.includes("#reset="))).toBe(true);
    await expect(c.devMailbox()).rejects.toMatchObject({ status: 404, code: "not_found" });
  });
});
