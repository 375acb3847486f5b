/**
 * The social plugin's routes (issue 22). See plugins/social.ts for the list,
 * social/protocol.ts for the provider side (oauth4webapi), social/linking.ts
 * for the account rules and db/social.ts for the tables.
 *
 * A sign-in: GET /social/:provider/login writes a state row (PKCE verifier,
 * nonce, checked redirect) bound to a cookie and sends the browser to the
 * provider → the provider sends it to GET /social/:provider/callback, which
 * spends the row (once, this browser only), exchanges the code and checks
 * the answer, finds or makes the account, and sends the browser to the
 * allowlisted page with a single-use ticket in the URL fragment → the page
 * trades the ticket at POST /social/exchange for the usual login answer
 * (completeLogin: body or cookie refresh delivery, onLogin, and a TOTP
 * challenge for an enrolled user, exactly as a password login).
 */
import type { SocialCallbackQuery, SocialExchangeBody, SocialIdentitiesResponseBody, SocialLinkBody, SocialLinkResponseBody, SocialLoginQuery, SocialProvidersResponseBody, SocialUnlinkedResponseBody } from "../../api/social";
import { countPasskeys } from "../../db/passkeyCount";
import { createSocialState, createSocialTicket, findUserById, listSocialIdentities, spendSocialState, spendSocialTicket, touchSocialIdentity, unlinkSocialIdentity } from "../../db";
import { DatabaseError } from "../../db/errors";
import { HttpError, unauthorized } from "../../errors";
import type { ErrorCode } from "../../errors";
import { readFormBody } from "../../http/body";
import type { RouteInput } from "../../http/schema";
import { completeLogin, secondFactorAnswer } from "../../lifecycle/completeLogin";
import { clientIpKey, enforceRateLimits } from "../../lifecycle/rateLimit";
import { refreshTransportOf } from "../../lifecycle/refreshTransport";
import { newTicket } from "../../lifecycle/totp";
import type { SocialConfig, SocialProvider } from "../../social/config";
import { allowedRedirect, usesFormPost } from "../../social/config";
import { bindingOf, clearBindingCookie, setBindingCookie } from "../../social/cookie";
import { accountFor, linkTo } from "../../social/linking";
import type { SocialState } from "../../social/protocol";
import { authorizationUrl, identityFromCallback, newFlow } from "../../social/protocol";
import type { AppContext } from "../../types";
import { sha256Hex } from "../../utils/encoding";

export const SOCIAL_PLUGIN_ID = "social";

function socialConfigOf(c: AppContext): SocialConfig {
  const config = c.get("config").social;
  if (!config) throw new Error("social routes served without the social plugin's configuration");
  return config;
}

function providerOf(c: AppContext): SocialProvider {
  const id = c.req.param("provider") ?? "";
  const provider = socialConfigOf(c).providers.get(id);
  if (!provider) throw new HttpError(404, "unknown_provider", `no provider "${id.slice(0, 64)}" is configured`);
  return provider;
}

function stateOf(c: AppContext): SocialState {
  return c.get("auth").plugin<SocialState>(SOCIAL_PLUGIN_ID);
}

/** Our callback for `provider`, as the provider must have it registered: this request's origin and mount point, no query. */
function callbackUrl(c: AppContext, provider: SocialProvider): string {
  const url = new URL(c.req.url);
  const suffix = url.pathname.match(/\/social\/[^/]+\/[^/]+$/)?.[0] ?? "";
  url.pathname = `${url.pathname.slice(0, url.pathname.length - suffix.length)}/social/${provider.id}/callback`;
  url.search = "";
  url.hash = "";
  return url.toString();
}

/** Writes the state row, sets the binding cookie, and returns the provider's URL. */
async function begin(c: AppContext, provider: SocialProvider, requestedRedirect: string | undefined, userId: string | null): Promise<URL> {
  const config = socialConfigOf(c);
  const redirectTo = allowedRedirect(config, requestedRedirect);
  if (!redirectTo) throw new HttpError(400, "redirect_not_allowed", "redirect_to is not on the redirect allowlist");
  // Each start writes a row before anyone is proven: capped per client.
  await enforceRateLimits(c.get("db"), [{ name: "social:start-ip", rule: config.startPerIp, subject: clientIpKey(c) }]);
  const flow = newFlow();
  const url = await authorizationUrl(stateOf(c), provider, flow, callbackUrl(c, provider));
  const binding = newTicket();
  const now = Math.floor(Date.now() / 1000);
  await createSocialState(c.get("db"), {
    stateHash: await sha256Hex(flow.state),
    bindingHash: await sha256Hex(binding),
    provider: provider.id,
    codeVerifier: flow.codeVerifier,
    nonce: flow.nonce,
    redirectTo: redirectTo.toString(),
    userId,
    now,
    expiresAt: now + config.stateTtl,
  });
  await setBindingCookie(c, flow.state, binding, config.stateTtl, usesFormPost(provider));
  return url;
}

/** GET /social/providers → the configured providers, for the sign-in buttons. */
export function socialProviders(c: AppContext): Response {
  const providers = [...socialConfigOf(c).providers.values()].map((p) => ({ id: p.id, name: p.name }));
  return c.json({ providers } satisfies SocialProvidersResponseBody);
}

/** GET /social/:provider/login?redirect_to → 302 to the provider. */
export async function socialLogin(c: AppContext, input: RouteInput<never, SocialLoginQuery>): Promise<Response> {
  const provider = providerOf(c);
  const { redirect_to: redirectTo } = input.query();
  const url = await begin(c, provider, redirectTo, null);
  c.header("Cache-Control", "no-store");
  return c.redirect(url.toString(), 302);
}

/** POST /social/:provider/link {redirect_to?} (sudo mode) → {url}: send the browser there to link the provider to this account. */
export async function socialLink(c: AppContext, input: RouteInput<SocialLinkBody, never>): Promise<Response> {
  const provider = providerOf(c);
  const { redirect_to: redirectTo } = await input.body();
  const url = await begin(c, provider, redirectTo, c.get("principal").user.id);
  return c.json({ url: url.toString() } satisfies SocialLinkResponseBody);
}

function badState(): HttpError {
  return new HttpError(400, "invalid_state", "this sign-in is unknown, used, expired, or was started in another browser: start again");
}

/**
 * The callback: GET /social/:provider/callback?code&state, or for a form_post provider (Apple) a POST of the
 * same fields as a form → 302 (303 after a POST) to the allowlisted page, with #social_ticket=… (sign-in) or
 * #social_linked=… (link). A refusal also goes to the page, 303 with #social_error=<the stable code>: the
 * flow's page once its state is known, else the allowlist's first entry. Every callback is a browser
 * navigation, so a JSON error would strand the user on it.
 */
export async function socialCallback(c: AppContext, input: RouteInput<never, SocialCallbackQuery>): Promise<Response> {
  const config = socialConfigOf(c);
  const page: { url: URL | null } = { url: null };
  try {
    return await callback(c, input, page);
  } catch (err) {
    const back = page.url ?? allowedRedirect(config, undefined);
    if (!back) throw err;
    back.hash = `social_error=${callbackErrorCode(err)}`;
    c.header("Referrer-Policy", "no-referrer");
    return c.redirect(back.toString(), 303);
  }
}

/** The stable code a refused callback sends to the page; unexpected failures are logged, as handleError does. */
function callbackErrorCode(err: unknown): ErrorCode {
  if (err instanceof HttpError) return err.code;
  if (err instanceof DatabaseError) {
    console.error(`[hybrid-auth] ${err.message}`);
    return "service_unavailable";
  }
  console.error("[hybrid-auth] unhandled error in the social callback", err);
  return "internal_error";
}

/** The callback's fields: the query, or the form a form_post provider POSTed (each provider answers one way only). */
async function callbackParams(c: AppContext, provider: SocialProvider): Promise<URLSearchParams> {
  const posted = c.req.method === "POST";
  if (posted !== usesFormPost(provider)) {
    throw new HttpError(405, "method_not_allowed", `the provider ${provider.id} answers with ${usesFormPost(provider) ? "a POST (form_post)" : "a GET"}`, { Allow: usesFormPost(provider) ? "POST" : "GET" });
  }
  return posted ? readFormBody(c.req.raw) : new URL(c.req.url).searchParams;
}

async function callback(c: AppContext, _input: RouteInput<never, SocialCallbackQuery>, page: { url: URL | null }): Promise<Response> {
  const provider = providerOf(c);
  const params = await callbackParams(c, provider);
  const state = params.get("state");
  if (!state || state.length > 512) throw badState();
  // Whatever happens next, this sign-in's cookie is spent (or was never this state's).
  await clearBindingCookie(c, state, usesFormPost(provider));
  const binding = await bindingOf(c, state);
  if (!binding) throw badState();
  const db = c.get("db");
  const now = Math.floor(Date.now() / 1000);
  // Spent before the provider is asked anything: whatever happens next, this state is never accepted again.
  const flow = await spendSocialState(db, { stateHash: await sha256Hex(state), bindingHash: await sha256Hex(binding), provider: provider.id, now });
  if (!flow) throw badState();
  page.url = new URL(flow.redirectTo);
  const identity = await identityFromCallback(stateOf(c), provider, params, { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier }, callbackUrl(c, provider));
  const target = new URL(flow.redirectTo);
  if (flow.userId !== null) {
    await linkTo(db, flow.userId, provider.id, identity, now);
    target.hash = `social_linked=${provider.id}`;
  } else {
    const user = await accountFor(db, provider.id, identity, now);
    await touchSocialIdentity(db, provider.id, identity.subject, now);
    const ticket = newTicket();
    await createSocialTicket(db, { hash: await sha256Hex(ticket), userId: user.id, provider: provider.id, now, expiresAt: now + socialConfigOf(c).ticketTtl });
    target.hash = `social_ticket=${ticket}`;
  }
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  return c.redirect(target.toString(), c.req.method === "POST" ? 303 : 302);
}

/** POST /social/exchange {ticket, remember?, refresh?} → the answer of POST /login (or a TOTP challenge). */
export async function socialExchange(c: AppContext, input: RouteInput<SocialExchangeBody, never>): Promise<Response> {
  const { ticket, remember, refresh } = await input.body();
  const delivery = refreshTransportOf(c).accept(c, refresh);
  const db = c.get("db");
  const spent = await spendSocialTicket(db, await sha256Hex(ticket), Math.floor(Date.now() / 1000));
  const user = spent && (await findUserById(db, spent.userId));
  if (!spent || !user) throw unauthorized("invalid_token", "the sign-in ticket is unknown, used or expired; sign in again");
  const publicUser = { id: user.id, email: user.email, name: user.name };
  const method = `social:${spent.provider}` as const;
  const held = await secondFactorAnswer(c, { user: publicUser, method, userVerified: false, remember, delivery });
  if (held) return held;
  return completeLogin(c, publicUser, { method, remember, delivery, emailVerified: user.emailVerifiedAt != null });
}

/** GET /social/identities → the providers linked to this account. */
export async function socialIdentities(c: AppContext): Promise<Response> {
  const db = c.get("db");
  const userId = c.get("principal").user.id;
  const [identities, user, passkeys] = await Promise.all([listSocialIdentities(db, userId), findUserById(db, userId), countPasskeys(db, userId)]);
  const hasPassword = user !== null && !user.passwordHash.startsWith("!");
  return c.json({
    identities: identities.map((i) => ({ provider: i.provider, email: i.email, email_verified: i.emailVerified, created_at: i.createdAt, last_used_at: i.lastUsedAt })),
    can_unlink: hasPassword || passkeys > 0 || identities.length > 1,
  } satisfies SocialIdentitiesResponseBody);
}

/** DELETE /social/identities/:provider (sudo mode) → {unlinked}; never the account's last way to sign in. */
export async function socialUnlink(c: AppContext): Promise<Response> {
  const provider = c.req.param("provider") ?? "";
  const outcome = await unlinkSocialIdentity(c.get("db"), c.get("principal").user.id, provider, Math.floor(Date.now() / 1000));
  if (outcome === "absent") throw new HttpError(404, "not_found", "this account has no link to that provider");
  if (outcome === "last") throw new HttpError(409, "last_sign_in_method", "this provider is the account's only way to sign in: set a password or add a passkey first");
  return c.json({ unlinked: provider } satisfies SocialUnlinkedResponseBody);
}
