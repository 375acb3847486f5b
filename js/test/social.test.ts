/**
 * Issue 22: the social() plugin, against the fake OpenID Connect and
 * GitHub-style providers that vitest's globalSetup serves on 127.0.0.1
 * (test/fakeOidcProvider.mjs, which signs ID tokens with jose, independently
 * of the Worker's oauth4webapi). The test plays the browser: it follows the
 * Worker's redirect to the provider, "picks an account" there with query
 * parameters, follows the provider's redirect back to the callback with the
 * binding cookie, and trades the ticket of the final redirect.
 *
 * Each test uses its own provider tenant (a path segment of the issuer), so
 * JWKS fetch counts and issued tokens never mix.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createAuth, handleError } from "hybrid-auth/hono";
import type { AuthOptions, AuthPlugin } from "hybrid-auth/hono";
import { email } from "hybrid-auth/email";
import { totp } from "hybrid-auth/totp";
import { sessions } from "hybrid-auth/sessions";
import { mailboxOf } from "../src/email/devMailbox";
import { browserApps } from "hybrid-auth/browser";
import { github, google, microsoft, oidc, social } from "hybrid-auth/social";
import type { SocialOptions } from "hybrid-auth/social";
import { PASSWORD, SECRET, claimsOf, env, randomClientIp, setClock, uniqueEmail } from "./helpers";
import { count, one } from "./emailHelpers";

declare module "vitest" {
  export interface ProvidedContext {
    fakeOidcProvider: string;
  }
}

const PROVIDER = inject("fakeOidcProvider");
// The fake providers' one registered client (fakeOidcProvider.mjs).
const CLIENT_ID = "test-client";
const CLIENT_SECRET = "test-client-secret";
const ORIGIN = "http://localhost:8787";
const PAGE = `${ORIGIN}/app/signed-in`;
const COOKIE = "hybrid-auth-social";

afterEach(() => {
  vi.useRealTimers();
});

interface SendOptions {
  headers?: Record<string, string>;
  json?: unknown;
  token?: string;
  cookie?: string;
}

interface Login {
  token: string;
  refresh_token?: string;
  refresh?: string;
  user: { id: string; email: string; name: string };
}

/** An app mounting social() with an OIDC provider "fake" and a GitHub-style "gh", both on this test's tenant. */
function mount(tenant: string, options: Partial<SocialOptions> = {}, auth: Partial<AuthOptions> = {}, more: AuthPlugin[] = []) {
  const instance = createAuth({
    database: (x: { GENERAL_DB: D1Database }) => x.GENERAL_DB,
    secret: SECRET,
    clientIp: "cf-connecting-ip",
    ...auth,
    plugins: [
      browserApps({ cookies: { mode: "on" } }),
      social({
        providers: [
          oidc({ id: "fake", name: "Fake", issuer: `${PROVIDER}/oidc/${tenant}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
          github({
            id: "gh",
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            authorizationEndpoint: `${PROVIDER}/github/${tenant}/login/oauth/authorize`,
            tokenEndpoint: `${PROVIDER}/github/${tenant}/login/oauth/access_token`,
            apiUrl: `${PROVIDER}/github/${tenant}/api`,
          }),
        ],
        redirectAllowlist: [PAGE],
        ...options,
      }),
      ...more,
    ],
  });
  const app = new Hono<{ Bindings: { GENERAL_DB: D1Database } }>();
  app.route("/auth", instance.app);
  app.onError(handleError);
  const send = async (method: string, pathOrUrl: string, options: SendOptions = {}): Promise<Response> => {
    const headers = new Headers({ "CF-Connecting-IP": randomClientIp(), ...options.headers });
    if (options.json !== undefined) headers.set("Content-Type", "application/json");
    if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
    if (options.cookie) headers.set("Cookie", options.cookie);
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${ORIGIN}${pathOrUrl}`;
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(url, { method, headers, body: options.json === undefined ? null : JSON.stringify(options.json) }), { GENERAL_DB: env.GENERAL_DB }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  return { send, tenant, state: instance.state };
}

type App = ReturnType<typeof mount>;

const newTenant = () => `t${crypto.randomUUID().slice(0, 8)}`;

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function errorCode(response: Response, status: number): Promise<string> {
  return (await json<{ error: { code: string } }>(response, status)).error.code;
}

/** The binding cookie a response sets ("name=value"). */
function bindingCookie(response: Response): string {
  const match = new RegExp(`(?:^|, )(${COOKIE}=[A-Za-z0-9_-]{43});`).exec(response.headers.get("Set-Cookie") ?? "");
  if (!match?.[1]) throw new Error(`no binding cookie in ${response.headers.get("Set-Cookie")}`);
  return match[1];
}

interface Started {
  /** The provider's authorization URL the Worker sent the browser to. */
  authorize: URL;
  cookie: string;
}

/** Clicks "Sign in with <provider>": the Worker's 302 to the provider, and the cookie it set. */
async function start(app: App, provider = "fake", redirectTo?: string): Promise<Started> {
  const query = redirectTo === undefined ? "" : `?redirect_to=${encodeURIComponent(redirectTo)}`;
  const response = await app.send("GET", `/auth/social/${provider}/login${query}`);
  expect(response.status, await response.clone().text()).toBe(302);
  return { authorize: new URL(response.headers.get("Location") ?? ""), cookie: bindingCookie(response) };
}

/** At the provider: picks the account (query parameters of the fake) and returns where the provider sends the browser back. */
async function atProvider(authorize: URL, user: Record<string, string>): Promise<string> {
  const url = new URL(authorize);
  for (const [name, value] of Object.entries(user)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status, await response.clone().text()).toBe(302);
  return response.headers.get("Location") ?? "";
}

/** A verified OIDC user of the fake provider. */
function oidcUser(email: string | null, verified = true, extra: Record<string, string> = {}): Record<string, string> {
  return { sub: `sub-${crypto.randomUUID()}`, ...(email ? { email } : {}), email_verified: String(verified), ...extra };
}

/** The whole round trip up to the final redirect: the callback's answer. */
async function roundTrip(app: App, user: Record<string, string>, provider = "fake"): Promise<Response> {
  const started = await start(app, provider);
  const back = await atProvider(started.authorize, user);
  return app.send("GET", back, { cookie: started.cookie });
}

/** The ticket of a successful callback's redirect (#social_ticket=...), checking it goes to the allowlisted page. */
function ticketOf(callback: Response): string {
  expect(callback.status).toBe(302);
  const location = new URL(callback.headers.get("Location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(PAGE);
  const ticket = /^#social_ticket=([A-Za-z0-9_-]{43})$/.exec(location.hash)?.[1];
  if (!ticket) throw new Error(`no ticket in ${location.toString()}`);
  return ticket;
}

async function signIn(app: App, user: Record<string, string>, provider = "fake"): Promise<Login> {
  const callback = await roundTrip(app, user, provider);
  if (callback.status !== 302) throw new Error(`callback: ${callback.status} ${await callback.text()}`);
  return json<Login>(await app.send("POST", "/auth/social/exchange", { json: { ticket: ticketOf(callback) } }), 200);
}

async function issued(tenant: string): Promise<{ id_tokens: string[]; jwks_fetches: number; token_requests: Record<string, string>[] }> {
  return (await fetch(`${PROVIDER}/__issued/${tenant}`)).json();
}

async function registerWithPassword(app: App, email = uniqueEmail("social")): Promise<{ id: string; email: string; token: string }> {
  const created = await json<{ user: { id: string } }>(await app.send("POST", "/auth/register", { json: { email, password: PASSWORD, name: "Local" } }), 201);
  const login = await json<Login>(await app.send("POST", "/auth/login", { json: { email, password: PASSWORD } }), 200);
  return { id: created.user.id, email, token: login.token };
}

async function markVerified(userId: string): Promise<void> {
  await env.GENERAL_DB.prepare(`UPDATE users SET email_verified_at = ?2 WHERE id = ?1`).bind(userId, Math.floor(Date.now() / 1000)).run();
}

async function identitiesOf(userId: string): Promise<number> {
  return count(`SELECT COUNT(*) AS n FROM social_identities WHERE user_id = ?1`, userId);
}

describe("social sign-in: happy paths", () => {
  it("a new account from a verified provider address: bearer tokens, a verified address, an identity, onLogin with social:fake", async () => {
    const logins: string[] = [];
    const app = mount(newTenant(), {}, { hooks: { onLogin: ({ method }) => void logins.push(method) } });
    const email = uniqueEmail("new");
    const login = await signIn(app, oidcUser(email));
    expect(login.user.email).toBe(email);
    expect(login.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(claimsOf<{ email_verified: boolean }>(login.token).email_verified).toBe(true);
    const me = await json<{ user: { id: string } }>(await app.send("GET", "/auth/me", { token: login.token }), 200);
    expect(me.user.id).toBe(login.user.id);
    expect(await identitiesOf(login.user.id)).toBe(1);
    expect(logins).toEqual(["social:fake"]);
    // The account has no password: a password login cannot open it.
    expect(await errorCode(await app.send("POST", "/auth/login", { json: { email, password: PASSWORD } }), 401)).toBe("invalid_credentials");
  });

  it("sends PKCE S256, state and nonce to the provider, and the verifier to its token endpoint", async () => {
    const app = mount(newTenant());
    const started = await start(app);
    const params = started.authorize.searchParams;
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("redirect_uri")).toBe(`${ORIGIN}/auth/social/fake/callback`);
    const back = await atProvider(started.authorize, oidcUser(uniqueEmail()));
    expect((await app.send("GET", back, { cookie: started.cookie })).status).toBe(302);
    const [request] = (await issued(app.tenant)).token_requests;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(request?.code_verifier ?? "")));
    const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(challenge).toBe(params.get("code_challenge"));
  });

  it("cookie mode: the exchange puts the refresh token in the HttpOnly cookie", async () => {
    const app = mount(newTenant());
    const callback = await roundTrip(app, oidcUser(uniqueEmail()));
    const response = await app.send("POST", "/auth/social/exchange", {
      json: { ticket: ticketOf(callback), refresh: "cookie" },
      headers: { Origin: ORIGIN, "X-Requested-With": "hybrid-auth" },
    });
    const body = await json<Login>(response, 200);
    expect(body.refresh).toBe("cookie");
    expect(body.refresh_token).toBeUndefined();
    expect(response.headers.get("Set-Cookie")).toMatch(/^hybrid-auth-refresh=[A-Za-z0-9_-]{43};.*HttpOnly/);
  });

  it("a ticket is single use", async () => {
    const app = mount(newTenant());
    const ticket = ticketOf(await roundTrip(app, oidcUser(uniqueEmail())));
    await json<Login>(await app.send("POST", "/auth/social/exchange", { json: { ticket } }), 200);
    expect(await errorCode(await app.send("POST", "/auth/social/exchange", { json: { ticket } }), 401)).toBe("invalid_token");
  });

  it("GitHub: the subject is the numeric id, the address is the primary one with its verified flag", async () => {
    const app = mount(newTenant());
    const email = uniqueEmail("gh");
    const id = String(Math.floor(Math.random() * 1e9));
    const login = await signIn(app, { id, login: "octo", email, verified: "true" }, "gh");
    expect(login.user.email).toBe(email);
    expect(await one<{ subject: string; provider: string }>(`SELECT subject, provider FROM social_identities WHERE user_id = ?1`, login.user.id)).toEqual({ subject: id, provider: "gh" });
    // An unverified primary address makes no account, even though a verified secondary one exists.
    const refused = await roundTrip(app, { id: String(Number(id) + 1), login: "octo2", email: uniqueEmail("gh"), verified: "false" }, "gh");
    expect(await errorCode(refused, 409)).toBe("social_email_unverified");
  });

  it("auto-link: a verified provider address and a verified local address open the existing account (audited)", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    await markVerified(local.id);
    const login = await signIn(app, oidcUser(local.email));
    expect(login.user.id).toBe(local.id);
    expect(await identitiesOf(local.id)).toBe(1);
    const event = await one<{ detail: string }>(`SELECT detail FROM auth_events WHERE user_id = ?1 AND kind = 'social_linked'`, local.id);
    expect(JSON.parse(event?.detail ?? "{}")).toMatchObject({ provider: "fake", automatic: true });
  });

  it("explicit link from a signed-in session (sudo mode), then sign-in with the provider opens that account", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    // Unverified local address, and the provider account has another address: only an explicit link can join them.
    const user = oidcUser(uniqueEmail("elsewhere"), false);
    const link = await json<{ url: string }>(await app.send("POST", "/auth/social/fake/link", { token: local.token, json: {} }), 200);
    // The link answer set the binding cookie, as the sign-in start does.
    const linkResponse = await app.send("POST", "/auth/social/fake/link", { token: local.token, json: {} });
    const cookie = bindingCookie(linkResponse);
    const { url } = await json<{ url: string }>(linkResponse, 200);
    expect(link.url).not.toBe(url);
    const back = await atProvider(new URL(url), user);
    const callback = await app.send("GET", back, { cookie });
    expect(callback.status, await callback.clone().text()).toBe(302);
    expect(new URL(callback.headers.get("Location") ?? "").hash).toBe("#social_linked=fake");
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ?1 AND kind = 'social_linked'`, local.id)).toBe(1);
    const listed = await json<{ identities: { provider: string }[]; can_unlink: boolean }>(await app.send("GET", "/auth/social/identities", { token: local.token }), 200);
    expect(listed.identities.map((i) => i.provider)).toEqual(["fake"]);
    expect(listed.can_unlink).toBe(true);
    const login = await signIn(app, user);
    expect(login.user.id).toBe(local.id);
  });

  it("a provider account whose address changes stays on the account it was linked to", async () => {
    const app = mount(newTenant());
    const first = await signIn(app, oidcUser(uniqueEmail("before"), true, { sub: "moving-sub" }));
    const other = await registerWithPassword(app);
    await markVerified(other.id);
    // The same subject now asserts the other account's (verified) address.
    const again = await signIn(app, { ...oidcUser(other.email), sub: "moving-sub" });
    expect(again.user.id).toBe(first.user.id);
    expect(await identitiesOf(other.id)).toBe(0);
  });

  it("unlink (sudo mode) removes the identity and records it, when a password remains", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    await markVerified(local.id);
    await signIn(app, oidcUser(local.email));
    const unlinked = await json<{ unlinked: string }>(await app.send("DELETE", "/auth/social/identities/fake", { token: local.token }), 200);
    expect(unlinked.unlinked).toBe("fake");
    expect(await identitiesOf(local.id)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ?1 AND kind = 'social_unlinked'`, local.id)).toBe(1);
  });

  it("lists the configured providers, and names them in GET /plugins", async () => {
    const app = mount(newTenant());
    const { providers } = await json<{ providers: { id: string; name: string }[] }>(await app.send("GET", "/auth/social/providers"), 200);
    expect(providers).toEqual([{ id: "fake", name: "Fake" }, { id: "gh", name: "GitHub" }]);
    const plugins = await json<{ plugins: { id: string; settings?: Record<string, unknown> }[] }>(await app.send("GET", "/auth/plugins"), 200);
    expect(JSON.stringify(plugins)).toContain('"fake,gh"');
  });
});

/** Signs in once and returns the callback URL the provider sent (its code is then used). */
async function finishedFlow(app: App): Promise<{ back: string; cookie: string }> {
  const started = await start(app);
  const back = await atProvider(started.authorize, oidcUser(uniqueEmail()));
  expect((await app.send("GET", back, { cookie: started.cookie })).status).toBe(302);
  return { back, cookie: started.cookie };
}

/** A callback whose ID token the fake alters with `tweak`: the Worker's answer. */
async function tweaked(app: App, tweak: Record<string, unknown>): Promise<Response> {
  return roundTrip(app, { ...oidcUser(uniqueEmail()), tweak: JSON.stringify(tweak) });
}

describe("social sign-in: every refusal", () => {
  it("state: a callback from another browser (its cookie is another sign-in's) is refused, and does not spend the state", async () => {
    const app = mount(newTenant());
    const victim = await start(app);
    const attacker = await start(app);
    const back = await atProvider(victim.authorize, oidcUser(uniqueEmail()));
    expect(await errorCode(await app.send("GET", back, { cookie: attacker.cookie }), 400)).toBe("invalid_state");
    expect(await errorCode(await app.send("GET", back), 400)).toBe("invalid_state");
    expect((await issued(app.tenant)).token_requests).toHaveLength(0);
    // The right browser can still finish it.
    expect((await app.send("GET", back, { cookie: victim.cookie })).status).toBe(302);
  });

  it("state: a state that was never issued, or for another provider, is refused", async () => {
    const app = mount(newTenant());
    const started = await start(app);
    const back = new URL(await atProvider(started.authorize, oidcUser(uniqueEmail())));
    const forged = new URL(back);
    forged.searchParams.set("state", "x".repeat(43));
    expect(await errorCode(await app.send("GET", forged.toString(), { cookie: started.cookie }), 400)).toBe("invalid_state");
    const otherProvider = new URL(back);
    otherProvider.pathname = "/auth/social/gh/callback";
    expect(await errorCode(await app.send("GET", otherProvider.toString(), { cookie: started.cookie }), 400)).toBe("invalid_state");
  });

  it("state: reuse is refused before the provider is asked anything", async () => {
    const app = mount(newTenant());
    const { back, cookie } = await finishedFlow(app);
    expect(await errorCode(await app.send("GET", back, { cookie }), 400)).toBe("invalid_state");
    expect((await issued(app.tenant)).token_requests).toHaveLength(1);
  });

  it("state: an expired sign-in is refused", async () => {
    const app = mount(newTenant(), { stateTtl: 60 });
    const started = await start(app);
    const back = await atProvider(started.authorize, oidcUser(uniqueEmail()));
    setClock(Date.now() + 61_000);
    expect(await errorCode(await app.send("GET", back, { cookie: started.cookie }), 400)).toBe("invalid_state");
  });

  // On the GitHub-style provider: with OIDC the nonce would catch the injected code too; without OIDC, PKCE alone does.
  it("PKCE: a code issued to another sign-in (code injection) fails: this sign-in's verifier does not match its challenge", async () => {
    const app = mount(newTenant());
    const victim = await start(app, "gh");
    const attacker = await start(app, "gh");
    const ghUser = (tag: string) => ({ id: String(Math.floor(Math.random() * 1e9)), login: tag, email: uniqueEmail(tag), verified: "true" });
    const attackerBack = new URL(await atProvider(attacker.authorize, ghUser("attacker")));
    const victimBack = new URL(await atProvider(victim.authorize, ghUser("victim")));
    victimBack.searchParams.set("code", attackerBack.searchParams.get("code") ?? "");
    const response = await app.send("GET", victimBack.toString(), { cookie: victim.cookie });
    expect(await errorCode(response, 401)).toBe("social_login_failed");
    const [request] = (await issued(app.tenant)).token_requests;
    expect(request?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("code reuse: a code that was redeemed once is refused with a fresh state", async () => {
    const app = mount(newTenant());
    const { back } = await finishedFlow(app);
    const again = await start(app);
    const replay = new URL(back);
    replay.searchParams.set("state", again.authorize.searchParams.get("state") ?? "");
    expect(await errorCode(await app.send("GET", replay.toString(), { cookie: again.cookie }), 401)).toBe("social_login_failed");
  });

  it("nonce: an ID token replayed from an earlier sign-in (its nonce) is refused", async () => {
    const app = mount(newTenant());
    await finishedFlow(app);
    const [earlier] = (await issued(app.tenant)).id_tokens;
    expect(await errorCode(await tweaked(app, { replay: earlier }), 401)).toBe("social_login_failed");
  });

  it("an ID token of another issuer, or for another client, is refused", async () => {
    const app = mount(newTenant());
    expect(await errorCode(await tweaked(app, { iss: `${PROVIDER}/oidc/someone-else` }), 401)).toBe("social_login_failed");
    expect(await errorCode(await tweaked(app, { aud: "another-client" }), 401)).toBe("social_login_failed");
  });

  it("an expired ID token is refused", async () => {
    const app = mount(newTenant());
    expect(await errorCode(await tweaked(app, { exp: -120 }), 401)).toBe("social_login_failed");
  });

  // On a provider whose metadata lists "none" and HS256: the client's own pin and signature check must refuse them.
  it('an ID token with alg "none" is refused, even from a provider whose metadata lists it', async () => {
    const app = mount(`loose-${newTenant()}`);
    expect(await errorCode(await tweaked(app, { alg: "none" }), 401)).toBe("social_login_failed");
  });

  it("an HS256 ID token MAC'd with the provider's public key is refused, even from a provider whose metadata lists HS256", async () => {
    const app = mount(`loose-${newTenant()}`);
    expect(await errorCode(await tweaked(app, { alg: "HS256-public-key" }), 401)).toBe("social_login_failed");
  });

  it("an ES256 ID token from a provider pinned to RS256 is refused, though its signature is the provider's", async () => {
    const app = mount(newTenant());
    expect(await errorCode(await tweaked(app, { alg: "ES256" }), 401)).toBe("social_login_failed");
  });

  it("an ID token signed by a key the JWKS does not have is refused, under an unknown kid or a listed one", async () => {
    const app = mount(newTenant());
    expect(await errorCode(await tweaked(app, { kid: "unknown" }), 401)).toBe("social_login_failed");
    // A listed kid whose key did not sign it: only the signature check can tell.
    expect(await errorCode(await tweaked(app, { forge: true }), 401)).toBe("social_login_failed");
    expect((await issued(app.tenant)).id_tokens).toHaveLength(2);
  });

  it("an unknown kid refetches the JWKS at most once a minute", async () => {
    const app = mount(newTenant());
    await finishedFlow(app);
    expect((await issued(app.tenant)).jwks_fetches).toBe(1);
    await tweaked(app, { kid: "unknown" });
    await tweaked(app, { kid: "unknown" });
    expect((await issued(app.tenant)).jwks_fetches).toBe(1);
    setClock(Date.now() + 61_000);
    await tweaked(app, { kid: "unknown" });
    expect((await issued(app.tenant)).jwks_fetches).toBe(2);
    // Four round trips through the provider: more than the default 5 s on a loaded machine.
  }, 30_000);

  it("an unverified provider address that is an existing (verified) account's links nothing and opens nothing", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    await markVerified(local.id);
    expect(await errorCode(await roundTrip(app, oidcUser(local.email, false)), 409)).toBe("social_email_unverified");
    expect(await identitiesOf(local.id)).toBe(0);
  });

  it("a verified provider address that is an unverified account's is not linked automatically", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    expect(await errorCode(await roundTrip(app, oidcUser(local.email)), 409)).toBe("social_account_exists");
    expect(await identitiesOf(local.id)).toBe(0);
  });

  it("a provider account linked to one account cannot be linked to another", async () => {
    const app = mount(newTenant());
    const user = oidcUser(uniqueEmail("owner"));
    await signIn(app, user);
    const other = await registerWithPassword(app);
    const { url } = await json<{ url: string }>(await app.send("POST", "/auth/social/fake/link", { token: other.token, json: {} }), 200);
    const linkStart = await app.send("POST", "/auth/social/fake/link", { token: other.token, json: {} });
    const cookie = bindingCookie(linkStart);
    const { url: linkUrl } = await json<{ url: string }>(linkStart, 200);
    expect(url).not.toBe(linkUrl);
    const back = await atProvider(new URL(linkUrl), user);
    expect(await errorCode(await app.send("GET", back, { cookie }), 409)).toBe("identity_taken");
    expect(await identitiesOf(other.id)).toBe(0);
  });

  it("linking needs a signed-in session", async () => {
    const app = mount(newTenant());
    expect(await errorCode(await app.send("POST", "/auth/social/fake/link", { json: {} }), 401)).toBe("missing_token");
  });

  it("a redirect_to not on the allowlist is refused before anything is written or set", async () => {
    const app = mount(newTenant());
    for (const target of ["https://evil.example/app/signed-in", `${ORIGIN}/app/other`, `${ORIGIN}/app/signed-in/../x`, "//evil.example/app/signed-in", "javascript:alert(1)", `http://user:pw@localhost:8787/app/signed-in`]) {
      const response = await app.send("GET", `/auth/social/fake/login?redirect_to=${encodeURIComponent(target)}`);
      expect(await errorCode(response, 400), target).toBe("redirect_not_allowed");
      expect(response.headers.get("Set-Cookie"), target).toBeNull();
    }
    // The allowlisted page, with a query of its own, is accepted.
    const ok = await start(app, "fake", `${PAGE}?next=settings`);
    expect(ok.authorize.origin).toBe(PROVIDER);
  });

  it("unlinking the last way to sign in is refused (an account made by a provider has no password)", async () => {
    const app = mount(newTenant());
    const login = await signIn(app, oidcUser(uniqueEmail("only")));
    const listed = await json<{ can_unlink: boolean }>(await app.send("GET", "/auth/social/identities", { token: login.token }), 200);
    expect(listed.can_unlink).toBe(false);
    expect(await errorCode(await app.send("DELETE", "/auth/social/identities/fake", { token: login.token }), 409)).toBe("last_sign_in_method");
    expect(await identitiesOf(login.user.id)).toBe(1);
    // With a second provider linked, one of them may go.
    const gh = { id: String(Math.floor(Math.random() * 1e9)), login: "octo", email: uniqueEmail("gh"), verified: "true" };
    const linkStart = await app.send("POST", "/auth/social/gh/link", { token: login.token, json: {} });
    const back = await atProvider(new URL((await json<{ url: string }>(linkStart.clone(), 200)).url), gh);
    expect((await app.send("GET", back, { cookie: bindingCookie(linkStart) })).status).toBe(302);
    await json(await app.send("DELETE", "/auth/social/identities/fake", { token: login.token }), 200);
    expect(await errorCode(await app.send("DELETE", "/auth/social/identities/gh", { token: login.token }), 409)).toBe("last_sign_in_method");
  });

  it("sign-ins started from one client IP are capped (each writes a row before anyone is proven)", async () => {
    const app = mount(newTenant(), { startPerIp: { max: 2, windowSeconds: 600 } });
    const ip = randomClientIp();
    const starts = [];
    for (let i = 0; i < 3; i++) starts.push((await app.send("GET", "/auth/social/fake/login", { headers: { "CF-Connecting-IP": ip } })).status);
    expect(starts).toEqual([302, 302, 429]);
    // Another client is not affected.
    expect((await app.send("GET", "/auth/social/fake/login")).status).toBe(302);
  });

  it("unknown providers answer 404 unknown_provider", async () => {
    const app = mount(newTenant());
    expect(await errorCode(await app.send("GET", "/auth/social/nope/login"), 404)).toBe("unknown_provider");
  });
});

describe("social sign-in: with the other plugins", () => {
  it("pre-hijacking: a provider linked to an account before its address was proven is unlinked by the owner's verification", async () => {
    const app = mount(newTenant(), {}, {}, [email({ devMailbox: true, appUrl: `${ORIGIN}/` })]);
    // The attacker registers the victim's address (unverified) and links their own provider account to it.
    const squatted = await registerWithPassword(app, uniqueEmail("victim"));
    const attacker = oidcUser(uniqueEmail("attacker"));
    const linkStart = await app.send("POST", "/auth/social/fake/link", { token: squatted.token, json: {} });
    const back = await atProvider(new URL((await json<{ url: string }>(linkStart.clone(), 200)).url), attacker);
    expect((await app.send("GET", back, { cookie: bindingCookie(linkStart) })).status).toBe(302);
    expect(await identitiesOf(squatted.id)).toBe(1);
    // The owner proves the address with the verification link.
    await json(await app.send("POST", "/auth/email/verify/resend", { token: squatted.token }), 202);
    const message = mailboxOf(app.state).list().find((m) => m.to === squatted.email && m.text.includes("#verify-email="));
    const token = /#verify-email=([A-Za-z0-9_-]{43})/.exec(message?.text ?? "")?.[1];
    expect(token).toBeDefined();
    await json(await app.send("POST", "/auth/email/verify", { json: { token } }), 200);
    expect(await identitiesOf(squatted.id)).toBe(0);
    // The attacker's provider account no longer opens the owner's account (it makes one of its own address).
    const again = await signIn(app, attacker);
    expect(again.user.id).not.toBe(squatted.id);
  });

  it("the sessions list shows which provider a login used, and 'password' for a password login", async () => {
    const app = mount(newTenant(), {}, {}, [sessions()]);
    const local = await registerWithPassword(app);
    await markVerified(local.id);
    const login = await signIn(app, oidcUser(local.email));
    const listed = await json<{ sessions: { current: boolean; method: string | null }[] }>(await app.send("GET", "/auth/sessions", { token: login.token }), 200);
    expect(listed.sessions.map((s) => [s.current, s.method])).toEqual([
      [true, "social:fake"],
      [false, "password"],
    ]);
  });

  it("a user with TOTP on gets mfa_required from the exchange, like a password login; the finished login says social:fake", async () => {
    const logins: string[] = [];
    const app = mount(newTenant(), {}, { hooks: { onLogin: ({ method }) => void logins.push(method) } }, [totp(), sessions()]);
    const user = oidcUser(uniqueEmail("mfa"));
    const login = await signIn(app, user);
    // Turn the factor on directly in D1 (enrolment itself is totp.test.ts's): a confirmed credential.
    await env.GENERAL_DB.prepare(`INSERT INTO totp_credentials (user_id, secret, created_at, confirmed_at) VALUES (?1, 'JBSWY3DPEHPK3PXP', ?2, ?2)`).bind(login.user.id, Math.floor(Date.now() / 1000)).run();
    const callback = await roundTrip(app, user);
    const held = await json<{ mfa_required?: boolean; ticket?: string; token?: string }>(await app.send("POST", "/auth/social/exchange", { json: { ticket: ticketOf(callback) } }), 200);
    expect(held.mfa_required).toBe(true);
    expect(held.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(held.token).toBeUndefined();
    // Finished with a recovery code (stored as totp.ts does: SHA-256 hex of the code without dashes).
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abcdefghij")));
    const hash = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    await env.GENERAL_DB.prepare(`INSERT INTO totp_recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)`).bind(login.user.id, hash, Math.floor(Date.now() / 1000)).run();
    const finished = await json<Login>(await app.send("POST", "/auth/totp/verify", { json: { ticket: held.ticket, recovery_code: "abcde-fghij" } }), 200);
    const listed = await json<{ sessions: { current: boolean; method: string | null; second_factor: string | null }[] }>(await app.send("GET", "/auth/sessions", { token: finished.token }), 200);
    expect(listed.sessions.find((s) => s.current)).toMatchObject({ method: "social:fake", second_factor: "recovery_code" });
    expect(logins).toEqual(["social:fake", "social:fake"]);
  });
});

describe("social() options", () => {
  const base = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
  it("refuses a provider URL that is plain http off loopback, a missing openid scope, two providers with one id, and no allowlist", () => {
    expect(() => social({ providers: [oidc({ id: "x", issuer: "http://idp.example.com", ...base })], redirectAllowlist: [PAGE] })).toThrow(/issuer must be https/);
    expect(() => social({ providers: [github({ ...base, apiUrl: "http://api.example.com" })], redirectAllowlist: [PAGE] })).toThrow(/apiUrl must be https/);
    expect(() => social({ providers: [oidc({ id: "x", issuer: "https://idp.example.com", scopes: ["email"], ...base })], redirectAllowlist: [PAGE] })).toThrow(/openid/);
    expect(() => social({ providers: [google(base), google(base)], redirectAllowlist: [PAGE] })).toThrow(/two providers/);
    expect(() => social({ providers: [google(base)], redirectAllowlist: [] })).toThrow(/redirectAllowlist/);
    expect(() => social({ providers: [google(base)], redirectAllowlist: ["https://app.example.com/#x"] })).toThrow(/fragment/);
    // No provider at all is allowed (no button), so an env without settings keeps the other routes up.
    expect(social({ providers: [], redirectAllowlist: [] }).id).toBe("social");
  });

  it("presets: Google's and Microsoft's issuers, GitHub's endpoints", () => {
    expect(google(base)).toMatchObject({ kind: "oidc", id: "google", issuer: "https://accounts.google.com", idTokenAlg: "RS256" });
    expect(microsoft({ ...base, tenant: "contoso.onmicrosoft.com" })).toMatchObject({ id: "microsoft", issuer: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0" });
    expect(github(base)).toMatchObject({ kind: "github", authorizationEndpoint: "https://github.com/login/oauth/authorize", tokenEndpoint: "https://github.com/login/oauth/access_token", apiUrl: "https://api.github.com" });
  });
});
