/**
 * `social(options)`: sign-in with Google, Microsoft, GitHub or any OpenID
 * Connect provider (issue 22), with safe account linking. The protocol is
 * oauth4webapi's (authorization code + PKCE S256, state, nonce, ID-token
 * claims and signature against the provider's JWKS); the account rules are
 * social/linking.ts's and SECURITY.md's. The sign-in ends in the core's
 * completeLogin, so tokens, cookie mode, onLogin (method
 * "social:<provider>") and a TOTP challenge work as for a password login.
 *
 *   social({
 *     providers: [google({ clientId, clientSecret }), github({ clientId, clientSecret })],
 *     redirectAllowlist: ["https://app.example.com/signed-in"],
 *   })
 *
 * Options: SocialOptions, or a function of the env. Tables: migration 0011.
 */
import { LOGIN_RESPONSE } from "../api/responses";
import { SOCIAL_CALLBACK_QUERY, SOCIAL_EXCHANGE_BODY, SOCIAL_IDENTITIES_RESPONSE, SOCIAL_LINK_BODY, SOCIAL_LINK_RESPONSE, SOCIAL_LOGIN_QUERY, SOCIAL_PROVIDERS_RESPONSE, SOCIAL_UNLINKED_RESPONSE } from "../api/social";
import { deleteExpiredChunk } from "../db";
import { SOCIAL_PLUGIN_ID, socialCallback, socialExchange, socialIdentities, socialLink, socialLogin, socialProviders, socialUnlink } from "../endpoints/v3/social";
import type { AuthPlugin, PluginOptionsInput } from "../plugin";
import { optionsFor } from "../plugin";
import { defineRoute, ok, redirect } from "../routes";
import { resolveSocialOptions } from "../social/config";
import type { SocialOptions } from "../social/config";
import { createSocialState } from "../social/protocol";

export { apple, github, google, microsoft, oidc } from "../social/config";
export type { AppleProvider, AppleProviderOptions, GitHubProvider, GitHubProviderOptions, OidcProvider, OidcProviderOptions, SocialOptions, SocialProvider } from "../social/config";
export type * from "../api/social";

export function social(options: PluginOptionsInput<SocialOptions>): AuthPlugin<"social"> {
  // A static object is checked now, so a mistake throws where the plugin is made.
  const fixed = typeof options === "function" ? null : resolveSocialOptions(options);
  return {
    id: SOCIAL_PLUGIN_ID,
    tables: ["social_states", "social_identities", "social_tickets"],
    routes: [
      defineRoute({ method: "GET", path: "/social/providers", guard: "none", summary: "the configured sign-in providers {id, name}, for the buttons", response: ok(SOCIAL_PROVIDERS_RESPONSE, "the providers"), handler: socialProviders }),
      defineRoute({ method: "GET", path: "/social/:provider/login", guard: "none", summary: "start a sign-in with a provider (?redirect_to: an allowlisted page); a browser navigation", query: SOCIAL_LOGIN_QUERY, response: redirect("the provider's sign-in page (PKCE, state, nonce), with a short-lived cookie binding the sign-in to this browser"), handler: socialLogin }),
      defineRoute({ method: "GET", path: "/social/:provider/callback", guard: "none", summary: "where the provider sends the browser back; checks everything, then to redirect_to with #social_ticket (or #social_linked); a refusal goes there too, 303 with #social_error=<code>", query: SOCIAL_CALLBACK_QUERY, response: [redirect("the allowlisted page, with #social_ticket=<ticket> for POST /social/exchange, or #social_linked=<provider>"), redirect("a refusal: the allowlisted page with #social_error=<a stable error code>", 303)], handler: socialCallback }),
      // Apple (response_mode=form_post) POSTs the same fields as a form, cross-site; only such a provider's callback accepts a POST.
      defineRoute({ method: "POST", path: "/social/:provider/callback", guard: "none", summary: "the callback of a form_post provider (Apple): a form {code, state, user?} instead of a query; answers as the GET", body: null, response: [redirect("the allowlisted page, with #social_ticket=<ticket> or #social_linked=<provider>", 303)], handler: socialCallback }),
      defineRoute({ method: "POST", path: "/social/exchange", guard: "none", summary: "trade the callback's ticket {ticket, remember?, refresh?} → the answer of POST /login", body: SOCIAL_EXCHANGE_BODY, response: ok(LOGIN_RESPONSE, "signed in"), handler: socialExchange }),
      defineRoute({ method: "POST", path: "/social/:provider/link", guard: "recent", summary: "link a provider to this account {redirect_to?} → {url} to send the browser to (sudo mode)", body: SOCIAL_LINK_BODY, response: ok(SOCIAL_LINK_RESPONSE, "the provider's sign-in page"), handler: socialLink }),
      defineRoute({ method: "GET", path: "/social/identities", guard: "auth", summary: "the providers linked to this account", response: ok(SOCIAL_IDENTITIES_RESPONSE, "the links"), handler: socialIdentities }),
      defineRoute({ method: "DELETE", path: "/social/identities/:provider", guard: "recent", summary: "unlink a provider (sudo mode; never the account's last way to sign in; recorded in auth_events)", response: ok(SOCIAL_UNLINKED_RESPONSE, "unlinked"), handler: socialUnlink }),
    ],
    // A sign-in in flight and a ticket are dead once expired, used or not.
    cleanup: (db, _config, nowMs, limit) => [
      { table: "social_states", chunk: () => deleteExpiredChunk(db, "social_states", Math.floor(nowMs / 1000), limit) },
      { table: "social_tickets", chunk: () => deleteExpiredChunk(db, "social_tickets", Math.floor(nowMs / 1000), limit) },
    ],
    configure: (env) => ({ social: fixed ?? resolveSocialOptions(optionsFor(options, env)) }),
    createState: createSocialState,
    describe: (config) => ({ providers: config.social ? [...config.social.providers.values()].map((p) => p.id).join(",") : null }),
  };
}
