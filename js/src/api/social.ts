/**
 * The social plugin's bodies and answers (issue 22), in their own file so an
 * adopter who does not mount the plugin does not bundle them.
 */
import { REFRESH_DELIVERY_FIELD } from "../browser/delivery";
import { object, optional, text } from "../http/schema";
import type { Infer } from "../http/schema";
import { out } from "../http/schema";
import { REMEMBER } from "./requests";

const REDIRECT_TO = /* @__PURE__ */ optional<string | undefined>(
  /* @__PURE__ */ text({ description: "where the browser goes afterwards: a URL of the plugin's redirectAllowlist (same origin and path; absent: its first entry)", maxLength: 2048 }),
  undefined,
);

export const SOCIAL_LOGIN_QUERY = /* @__PURE__ */ object({ redirect_to: REDIRECT_TO });
export const SOCIAL_LINK_BODY = /* @__PURE__ */ object({ redirect_to: REDIRECT_TO });
/** What a provider appends to the callback (RFC 6749 §4.1.2); checked by the protocol library, declared here for the docs. */
export const SOCIAL_CALLBACK_QUERY = /* @__PURE__ */ object({
  state: /* @__PURE__ */ optional<string | undefined>(/* @__PURE__ */ text({ description: "the state sent to the provider", maxLength: 512 }), undefined),
  code: /* @__PURE__ */ optional<string | undefined>(/* @__PURE__ */ text({ description: "the authorization code", maxLength: 2048 }), undefined),
  error: /* @__PURE__ */ optional<string | undefined>(/* @__PURE__ */ text({ description: "the provider's refusal, instead of a code", maxLength: 256 }), undefined),
});
export const SOCIAL_EXCHANGE_BODY = /* @__PURE__ */ object({
  ticket: /* @__PURE__ */ text({ description: "the social_ticket of the callback's redirect (its URL fragment)", minLength: 1, maxLength: 128 }),
  remember: REMEMBER,
  refresh: REFRESH_DELIVERY_FIELD,
});

const PROVIDER = /* @__PURE__ */ out.object({ id: /* @__PURE__ */ out.string("in the routes' :provider"), name: /* @__PURE__ */ out.string("for a button") });
export const SOCIAL_PROVIDERS_RESPONSE = /* @__PURE__ */ out.object({ providers: /* @__PURE__ */ out.array(PROVIDER) });
export const SOCIAL_LINK_RESPONSE = /* @__PURE__ */ out.object({ url: /* @__PURE__ */ out.string("send the browser here (the provider's sign-in page)") });
export const SOCIAL_IDENTITIES_RESPONSE = /* @__PURE__ */ out.object({
  identities: /* @__PURE__ */ out.array(
    /* @__PURE__ */ out.object({
      provider: /* @__PURE__ */ out.string(),
      email: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.string("the provider's address when linked (display only)")),
      email_verified: /* @__PURE__ */ out.boolean(),
      created_at: /* @__PURE__ */ out.integer("linked at, Unix seconds"),
      last_used_at: /* @__PURE__ */ out.nullable(/* @__PURE__ */ out.integer("last sign-in with it, Unix seconds")),
    }),
  ),
  can_unlink: /* @__PURE__ */ out.boolean("whether the account keeps a way to sign in without one of them (a password or passkey, or two providers)"),
});
export const SOCIAL_UNLINKED_RESPONSE = /* @__PURE__ */ out.object({ unlinked: /* @__PURE__ */ out.string("the provider") });

export type SocialLoginQuery = Infer<typeof SOCIAL_LOGIN_QUERY>;
export type SocialLinkBody = Infer<typeof SOCIAL_LINK_BODY>;
export type SocialCallbackQuery = Infer<typeof SOCIAL_CALLBACK_QUERY>;
export type SocialExchangeBody = Infer<typeof SOCIAL_EXCHANGE_BODY>;
export type SocialProvidersResponseBody = Infer<typeof SOCIAL_PROVIDERS_RESPONSE>;
export type SocialLinkResponseBody = Infer<typeof SOCIAL_LINK_RESPONSE>;
export type SocialIdentitiesResponseBody = Infer<typeof SOCIAL_IDENTITIES_RESPONSE>;
export type SocialUnlinkedResponseBody = Infer<typeof SOCIAL_UNLINKED_RESPONSE>;
