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
 * JWKS fetch counts and issued tokens never mix. A refused callback is a 303
 * back to the page with #social_error=<code> (callbackError). Sign in with
 * Apple runs against the fake's Apple tenant on an https origin: the browser's
 * part there is POSTing the fake's auto-submitting form.
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
import { apple, github, google, microsoft, oidc, social } from "hybrid-auth/social";
import { appleClientSecret, createAppleSecrets } from "../src/social/appleSecret";
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
  /** An application/x-www-form-urlencoded body (a form_post provider's answer). */
  form?: URLSearchParams;
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
    if (options.form !== undefined) headers.set("Content-Type", "application/x-www-form-urlencoded");
    if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
    if (options.cookie) headers.set("Cookie", options.cookie);
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${ORIGIN}${pathOrUrl}`;
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(url, { method, headers, body: options.form !== undefined ? options.form.toString() : options.json === undefined ? null : JSON.stringify(options.json) }), { GENERAL_DB: env.GENERAL_DB }, ctx);
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

/**
 * A refused callback: 303 to the page (the flow's, else the allowlist's first) with #social_error=<code>; the code.
 * Nothing else is in the fragment, and no ticket anywhere.
 */
async function callbackError(response: Response, page = PAGE): Promise<string> {
  expect(response.status, await response.clone().text()).toBe(303);
  const location = new URL(response.headers.get("Location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(page);
  const code = /^#social_error=([a-z_]+)$/.exec(location.hash)?.[1];
  if (!code) throw new Error(`no social_error in ${location.toString()}`);
  return code;
}

/** The binding cookie a response sets ("name=value"): one per sign-in, named after its state. */
function bindingCookie(response: Response): string {
  const match = new RegExp(`(?:^|, )(${COOKIE}-[0-9a-f]{16}=[A-Za-z0-9_-]{43});`).exec(response.headers.get("Set-Cookie") ?? "");
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
    expect(await callbackError(refused)).toBe("social_email_unverified");
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
    expect(await callbackError(await app.send("GET", back, { cookie: attacker.cookie }))).toBe("invalid_state");
    expect(await callbackError(await app.send("GET", back))).toBe("invalid_state");
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
    expect(await callbackError(await app.send("GET", forged.toString(), { cookie: started.cookie }))).toBe("invalid_state");
    const otherProvider = new URL(back);
    otherProvider.pathname = "/auth/social/gh/callback";
    expect(await callbackError(await app.send("GET", otherProvider.toString(), { cookie: started.cookie }))).toBe("invalid_state");
  });

  it("state: reuse is refused before the provider is asked anything", async () => {
    const app = mount(newTenant());
    const { back, cookie } = await finishedFlow(app);
    expect(await callbackError(await app.send("GET", back, { cookie }))).toBe("invalid_state");
    expect((await issued(app.tenant)).token_requests).toHaveLength(1);
  });

  it("state: an expired sign-in is refused", async () => {
    const app = mount(newTenant(), { stateTtl: 60 });
    const started = await start(app);
    const back = await atProvider(started.authorize, oidcUser(uniqueEmail()));
    setClock(Date.now() + 61_000);
    expect(await callbackError(await app.send("GET", back, { cookie: started.cookie }))).toBe("invalid_state");
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
    expect(await callbackError(response)).toBe("social_login_failed");
    const [request] = (await issued(app.tenant)).token_requests;
    expect(request?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("code reuse: a code that was redeemed once is refused with a fresh state", async () => {
    const app = mount(newTenant());
    const { back } = await finishedFlow(app);
    const again = await start(app);
    const replay = new URL(back);
    replay.searchParams.set("state", again.authorize.searchParams.get("state") ?? "");
    expect(await callbackError(await app.send("GET", replay.toString(), { cookie: again.cookie }))).toBe("social_login_failed");
  });

  it("nonce: an ID token replayed from an earlier sign-in (its nonce) is refused", async () => {
    const app = mount(newTenant());
    await finishedFlow(app);
    const [earlier] = (await issued(app.tenant)).id_tokens;
    expect(await callbackError(await tweaked(app, { replay: earlier }))).toBe("social_login_failed");
  });

  it("an ID token of another issuer, or for another client, is refused", async () => {
    const app = mount(newTenant());
    expect(await callbackError(await tweaked(app, { iss: `${PROVIDER}/oidc/someone-else` }))).toBe("social_login_failed");
    expect(await callbackError(await tweaked(app, { aud: "another-client" }))).toBe("social_login_failed");
  });

  it("an expired ID token is refused", async () => {
    const app = mount(newTenant());
    expect(await callbackError(await tweaked(app, { exp: -120 }))).toBe("social_login_failed");
  });

  // On a provider whose metadata lists "none" and HS256: the client's own pin and signature check must refuse them.
  it('an ID token with alg "none" is refused, even from a provider whose metadata lists it', async () => {
    const app = mount(`loose-${newTenant()}`);
    expect(await callbackError(await tweaked(app, { alg: "none" }))).toBe("social_login_failed");
  });

  it("an HS256 ID token MAC'd with the provider's public key is refused, even from a provider whose metadata lists HS256", async () => {
    const app = mount(`loose-${newTenant()}`);
    expect(await callbackError(await tweaked(app, { alg: "HS256-public-key" }))).toBe("social_login_failed");
  });

  it("an ES256 ID token from a provider pinned to RS256 is refused, though its signature is the provider's", async () => {
    const app = mount(newTenant());
    expect(await callbackError(await tweaked(app, { alg: "ES256" }))).toBe("social_login_failed");
  });

  it("an ID token signed by a key the JWKS does not have is refused, under an unknown kid or a listed one", async () => {
    const app = mount(newTenant());
    expect(await callbackError(await tweaked(app, { kid: "unknown" }))).toBe("social_login_failed");
    // A listed kid whose key did not sign it: only the signature check can tell.
    expect(await callbackError(await tweaked(app, { forge: true }))).toBe("social_login_failed");
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

  it('an email_verified of "true" as a string (only Apple is read that way) is not a verified address for an OIDC provider', async () => {
    const app = mount(newTenant());
    const refused = await roundTrip(app, { ...oidcUser(uniqueEmail("string")), tweak: JSON.stringify({ emailVerifiedString: true }) });
    expect(await callbackError(refused)).toBe("social_email_unverified");
  });

  it("an unverified provider address that is an existing (verified) account's links nothing and opens nothing", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    await markVerified(local.id);
    expect(await callbackError(await roundTrip(app, oidcUser(local.email, false)))).toBe("social_email_unverified");
    expect(await identitiesOf(local.id)).toBe(0);
  });

  it("a verified provider address that is an unverified account's is not linked automatically", async () => {
    const app = mount(newTenant());
    const local = await registerWithPassword(app);
    expect(await callbackError(await roundTrip(app, oidcUser(local.email)))).toBe("social_account_exists");
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
    expect(await callbackError(await app.send("GET", back, { cookie }))).toBe("identity_taken");
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

  it("a provider's refusal (?error=access_denied) sends the browser to the flow's own page with #social_error, and spends the sign-in", async () => {
    const app = mount(newTenant());
    const started = await start(app, "fake", `${PAGE}?next=settings`);
    const back = new URL(`${ORIGIN}/auth/social/fake/callback`);
    back.searchParams.set("error", "access_denied");
    back.searchParams.set("state", started.authorize.searchParams.get("state") ?? "");
    const refused = await app.send("GET", back.toString(), { cookie: started.cookie });
    expect(await callbackError(refused)).toBe("social_login_failed");
    // The flow's page, its query kept; the fragment says only the code.
    expect(refused.headers.get("Location")).toBe(`${PAGE}?next=settings#social_error=social_login_failed`);
    expect(refused.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect((await issued(app.tenant)).token_requests).toHaveLength(0);
    expect(await callbackError(await app.send("GET", back.toString(), { cookie: started.cookie }))).toBe("invalid_state");
  });

  it("two sign-ins started in two tabs of one browser each keep their own cookie, and both finish", async () => {
    const app = mount(newTenant());
    const firstStart = await app.send("GET", "/auth/social/fake/login");
    // A provider that answers by redirect keeps SameSite=Lax (None is for form_post only); no Secure on http loopback.
    expect(firstStart.headers.get("Set-Cookie")).toMatch(/^hybrid-auth-social-[0-9a-f]{16}=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
    const first = { authorize: new URL(firstStart.headers.get("Location") ?? ""), cookie: bindingCookie(firstStart) };
    const second = await start(app);
    expect(first.cookie.split("=")[0]).not.toBe(second.cookie.split("=")[0]);
    // One browser: every request carries both cookies, oldest first.
    const jar = `${first.cookie}; ${second.cookie}`;
    const firstBack = await atProvider(first.authorize, oidcUser(uniqueEmail("tab1")));
    const secondBack = await atProvider(second.authorize, oidcUser(uniqueEmail("tab2")));
    // The first tab finishes after the second one started.
    const firstLogin = await json<Login>(await app.send("POST", "/auth/social/exchange", { json: { ticket: ticketOf(await app.send("GET", firstBack, { cookie: jar })) } }), 200);
    const secondLogin = await json<Login>(await app.send("POST", "/auth/social/exchange", { json: { ticket: ticketOf(await app.send("GET", secondBack, { cookie: jar })) } }), 200);
    expect(firstLogin.user.id).not.toBe(secondLogin.user.id);
  });

  it("a browser keeps at most five sign-ins in flight: a sixth start clears the oldest binding cookie", async () => {
    const app = mount(newTenant());
    const cookies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await app.send("GET", "/auth/social/fake/login", { cookie: cookies.join("; ") });
      expect(response.headers.get("Set-Cookie") ?? "").not.toMatch(/Max-Age=0/);
      cookies.push(bindingCookie(response));
    }
    const sixth = await app.send("GET", "/auth/social/fake/login", { cookie: cookies.join("; ") });
    const set = sixth.headers.get("Set-Cookie") ?? "";
    const oldest = (cookies[0] ?? "").split("=")[0];
    expect(set).toContain(`${oldest}=; Path=/; Max-Age=0`);
    expect(set.match(/Max-Age=0/g)).toHaveLength(1);
    expect(bindingCookie(sixth)).not.toBe(cookies[0]);
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

// Sign in with Apple, against the fake's Apple tenant: form_post and the ES256 client secret JWT. On an https origin,
// as Apple requires (and so the production cookie, __Host- and SameSite=None, is the one under test).
const HTTPS_ORIGIN = "https://app.example.com";
const HTTPS_PAGE = `${HTTPS_ORIGIN}/app/signed-in`;
const TEAM_ID = "TEAM123456";
const KEY_ID = "KEY1234567";

interface AppleKey {
  pem: string;
  jwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

async function newAppleKey(): Promise<AppleKey> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const base64 = btoa(String.fromCharCode(...pkcs8)).replace(/(.{64})/g, "$1\n");
  return {
    pem: `-----BEGIN PRIVATE KEY-----\n${base64}\n-----END PRIVATE KEY-----\n`,
    jwk: (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey,
    publicJwk: (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey,
  };
}

/** An app with the Apple preset on this tenant; the fake is told the public key of `registered` (default: the same key). */
async function mountApple(tenant: string, key: AppleKey, options: { privateKey?: string | JsonWebKey; registered?: AppleKey } = {}) {
  const given = await fetch(`${PROVIDER}/apple/${tenant}/__key`, { method: "POST", body: JSON.stringify({ jwk: (options.registered ?? key).publicJwk, teamId: TEAM_ID, keyId: KEY_ID }) });
  expect(given.status).toBe(200);
  const issuer = `${PROVIDER}/apple/${tenant}`;
  const provider = apple({ clientId: CLIENT_ID, teamId: TEAM_ID, keyId: KEY_ID, privateKey: options.privateKey ?? key.pem, issuer, authorizationEndpoint: `${issuer}/auth/authorize`, tokenEndpoint: `${issuer}/auth/token`, jwksUri: `${issuer}/auth/keys` });
  return mount(tenant, { providers: [provider, oidc({ id: "fake", name: "Fake", issuer: `${PROVIDER}/oidc/${tenant}`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })], redirectAllowlist: [HTTPS_PAGE] });
}

/** Starts an Apple sign-in on the https origin: the authorize URL and the binding cookie ("name=value") with its whole Set-Cookie line. */
async function startApple(app: App): Promise<Started & { setCookie: string }> {
  const response = await app.send("GET", `${HTTPS_ORIGIN}/auth/social/apple/login`);
  expect(response.status, await response.clone().text()).toBe(302);
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  const match = /(__Host-hybrid-auth-social-[0-9a-f]{16}=[A-Za-z0-9_-]{43});/.exec(setCookie);
  if (!match?.[1]) throw new Error(`no Apple binding cookie in ${setCookie}`);
  return { authorize: new URL(response.headers.get("Location") ?? ""), cookie: match[1], setCookie };
}

/** At the fake Apple: its page's auto-submitting form, read as the browser would submit it. */
async function atApple(authorize: URL, user: Record<string, string>): Promise<{ action: string; form: URLSearchParams }> {
  const url = new URL(authorize);
  for (const [name, value] of Object.entries(user)) url.searchParams.set(name, value);
  const response = await fetch(url);
  const html = await response.text();
  expect(response.status, html).toBe(200);
  const unescape = (text: string) => text.replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  const action = /<form method="POST" action="([^"]+)">/.exec(html)?.[1];
  if (!action) throw new Error(`no form in ${html}`);
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(unescape(name ?? ""), unescape(value ?? ""));
  return { action: unescape(action), form };
}

/** What a browser sends with Apple's auto-submitted form: a cross-site POST from Apple's origin. */
const FROM_APPLE = { Origin: "https://appleid.apple.com", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate" };

function appleUser(email: string, extra: Record<string, string> = {}): Record<string, string> {
  return { sub: `001234.${crypto.randomUUID().replace(/-/g, "")}.0123`, email, email_verified: "true", ...extra };
}

/** The whole Apple round trip, the browser POSTing the provider's form with its cookie: the callback's answer. */
async function appleRoundTrip(app: App, user: Record<string, string>): Promise<Response> {
  const started = await startApple(app);
  const { action, form } = await atApple(started.authorize, user);
  return app.send("POST", action, { form, cookie: started.cookie, headers: FROM_APPLE });
}

function appleTicketOf(callback: Response): string {
  expect(callback.status).toBe(303);
  const location = new URL(callback.headers.get("Location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(HTTPS_PAGE);
  const ticket = /^#social_ticket=([A-Za-z0-9_-]{43})$/.exec(location.hash)?.[1];
  if (!ticket) throw new Error(`no ticket in ${location.toString()}`);
  return ticket;
}

function jwtPart(jwt: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(atob((jwt.split(".")[index] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
}

describe("social sign-in: Apple (form_post, ES256 client secret)", () => {
  it("signs in by form_post: an account with the (relay) address verified from the string \"true\", a SameSite=None __Host- cookie", async () => {
    const app = await mountApple(newTenant(), await newAppleKey());
    const started = await startApple(app);
    const params = started.authorize.searchParams;
    expect(params.get("response_mode")).toBe("form_post");
    expect(params.get("scope")).toBe("name email");
    expect(params.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("redirect_uri")).toBe(`${HTTPS_ORIGIN}/auth/social/apple/callback`);
    // The cross-site POST carries the cookie only if it is SameSite=None (so Secure); still __Host-, HttpOnly, short-lived.
    expect(started.setCookie).toMatch(/^__Host-hybrid-auth-social-[0-9a-f]{16}=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=None$/);
    const email = `${crypto.randomUUID().slice(0, 8)}@privaterelay.appleid.com`;
    const { action, form } = await atApple(started.authorize, appleUser(email, { is_private_email: "true" }));
    expect(action).toBe(`${HTTPS_ORIGIN}/auth/social/apple/callback`);
    const callback = await app.send("POST", action, { form, cookie: started.cookie, headers: FROM_APPLE });
    const login = await json<Login>(await app.send("POST", `${HTTPS_ORIGIN}/auth/social/exchange`, { json: { ticket: appleTicketOf(callback) } }), 200);
    expect(login.user.email).toBe(email);
    expect(claimsOf<{ email_verified: boolean }>(login.token).email_verified).toBe(true);
    expect(await one<{ provider: string }>(`SELECT provider FROM social_identities WHERE user_id = ?1`, login.user.id)).toEqual({ provider: "apple" });
    // The spent sign-in's cookie is deleted with the same attributes.
    expect(callback.headers.get("Set-Cookie")).toMatch(/^__Host-hybrid-auth-social-[0-9a-f]{16}=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=None$/);
  });

  it("the name of Apple's first-sign-in `user` field names the new account (a JWK private key works too)", async () => {
    const key = await newAppleKey();
    const app = await mountApple(newTenant(), key, { privateKey: key.jwk });
    const user = appleUser(uniqueEmail("apple"), { user: JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" }, email: "ignored@example.com" }) });
    const login = await json<Login>(await app.send("POST", `${HTTPS_ORIGIN}/auth/social/exchange`, { json: { ticket: appleTicketOf(await appleRoundTrip(app, user)) } }), 200);
    expect(login.user.name).toBe("Ada Lovelace");
    // The address is the ID token's, never the unsigned form field's.
    expect(login.user.email).toBe(user.email);
  });

  it("the client secret is an ES256 JWT (kid, iss team, sub client, aud Apple) that the provider verifies; another key's is refused", async () => {
    const tenant = newTenant();
    const app = await mountApple(tenant, await newAppleKey());
    appleTicketOf(await appleRoundTrip(app, appleUser(uniqueEmail("apple"))));
    const [request] = (await issued(tenant)).token_requests;
    const secret = request?.client_secret ?? "";
    expect(jwtPart(secret, 0)).toEqual({ alg: "ES256", kid: KEY_ID });
    const claims = jwtPart(secret, 1);
    expect(claims).toMatchObject({ iss: TEAM_ID, sub: CLIENT_ID, aud: "https://appleid.apple.com" });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    // A Worker whose key is not the one registered at Apple: the provider refuses the client, the page hears it.
    const stranger = await mountApple(newTenant(), await newAppleKey(), { registered: await newAppleKey() });
    expect(await callbackError(await appleRoundTrip(stranger, appleUser(uniqueEmail("apple"))), HTTPS_PAGE)).toBe("social_login_failed");
  });

  it("the client secret is kept per instance until a minute before it expires, then signed anew", async () => {
    const key = await newAppleKey();
    const provider = apple({ clientId: CLIENT_ID, teamId: TEAM_ID, keyId: KEY_ID, privateKey: key.pem, clientSecretTtl: 600 });
    const cache = createAppleSecrets();
    const now = 1_800_000_000;
    const first = await appleClientSecret(cache, provider, now);
    expect(await appleClientSecret(cache, provider, now + 539)).toBe(first);
    const renewed = await appleClientSecret(cache, provider, now + 540);
    expect(renewed).not.toBe(first);
    expect(jwtPart(renewed, 1)).toMatchObject({ iat: now + 540, exp: now + 1140 });
    // Another instance signs its own.
    expect(await appleClientSecret(createAppleSecrets(), provider, now)).not.toBe(first);
  });

  it("a private key that does not import is the Worker's misconfiguration (503 misconfigured on the page), not the provider's refusal", async () => {
    const tenant = newTenant();
    const app = await mountApple(tenant, await newAppleKey(), { privateKey: "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----" });
    expect(await callbackError(await appleRoundTrip(app, appleUser(uniqueEmail("apple"))), HTTPS_PAGE)).toBe("misconfigured");
    expect((await issued(tenant)).token_requests).toHaveLength(0);
  });

  it("a POST callback carrying a state that another browser started is refused, and leaves that sign-in to its browser", async () => {
    const tenant = newTenant();
    const app = await mountApple(tenant, await newAppleKey());
    const victim = await startApple(app);
    const attacker = await startApple(app);
    const { action, form } = await atApple(victim.authorize, appleUser(uniqueEmail("apple")));
    expect(await callbackError(await app.send("POST", action, { form, cookie: attacker.cookie, headers: FROM_APPLE }), HTTPS_PAGE)).toBe("invalid_state");
    expect(await callbackError(await app.send("POST", action, { form, headers: FROM_APPLE }), HTTPS_PAGE)).toBe("invalid_state");
    expect((await issued(tenant)).token_requests).toHaveLength(0);
    appleTicketOf(await app.send("POST", action, { form, cookie: victim.cookie, headers: FROM_APPLE }));
  });

  it("each provider's callback takes one method: a GET for Apple, or a POST for a query provider, is refused without spending the sign-in", async () => {
    const tenant = newTenant();
    const app = await mountApple(tenant, await newAppleKey());
    const started = await startApple(app);
    const { action, form } = await atApple(started.authorize, appleUser(uniqueEmail("apple")));
    // The same fields in a query (as a code leaked into a URL would be).
    expect(await callbackError(await app.send("GET", `${action}?${form.toString()}`, { cookie: started.cookie }), HTTPS_PAGE)).toBe("method_not_allowed");
    const other = await app.send("GET", `${HTTPS_ORIGIN}/auth/social/fake/login`);
    const otherCookie = /(__Host-hybrid-auth-social-[0-9a-f]{16}=[A-Za-z0-9_-]{43});/.exec(other.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
    const otherBack = new URL(await atProvider(new URL(other.headers.get("Location") ?? ""), oidcUser(uniqueEmail())));
    expect(await callbackError(await app.send("POST", `${otherBack.origin}${otherBack.pathname}`, { form: otherBack.searchParams, cookie: otherCookie }), HTTPS_PAGE)).toBe("method_not_allowed");
    expect((await issued(tenant)).token_requests).toHaveLength(0);
    // Both sign-ins are still there for the right method.
    appleTicketOf(await app.send("POST", action, { form, cookie: started.cookie, headers: FROM_APPLE }));
    expect((await app.send("GET", otherBack.toString(), { cookie: otherCookie })).status).toBe(302);
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

  it("Apple: Apple's fixed endpoints by default; a private key that is neither PKCS#8 PEM nor an EC P-256 JWK, or a secret over 6 months, is refused", () => {
    const given = { clientId: "com.example.web", teamId: TEAM_ID, keyId: KEY_ID, privateKey: "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----" };
    expect(apple(given)).toMatchObject({ kind: "apple", id: "apple", issuer: "https://appleid.apple.com", authorizationEndpoint: "https://appleid.apple.com/auth/authorize", tokenEndpoint: "https://appleid.apple.com/auth/token", jwksUri: "https://appleid.apple.com/auth/keys", scopes: ["name", "email"] });
    expect(social({ providers: [apple(given)], redirectAllowlist: [PAGE] }).id).toBe("social");
    expect(() => social({ providers: [apple({ ...given, privateKey: "not a key" })], redirectAllowlist: [PAGE] })).toThrow(/privateKey/);
    expect(() => social({ providers: [apple({ ...given, privateKey: { kty: "RSA", n: "x", e: "AQAB", d: "y" } })], redirectAllowlist: [PAGE] })).toThrow(/privateKey/);
    expect(() => social({ providers: [apple({ ...given, clientSecretTtl: 15_777_001 })], redirectAllowlist: [PAGE] })).toThrow(/clientSecretTtl/);
    expect(() => social({ providers: [apple({ ...given, teamId: "" })], redirectAllowlist: [PAGE] })).toThrow(/teamId/);
  });
});
