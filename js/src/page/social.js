// Sign-in with a provider (issue 22; only when the server mounts the social
// plugin): a "Sign in with <name>" button per configured provider (GET
// /auth/social/providers), the return from the provider (#social_ticket=…
// traded for tokens, #social_linked=…, or #social_error=<code> when the
// server refused the sign-in), and the "Linked accounts" section
// (link, under sudo mode, and unlink, never the last way to sign in).
// Bundled into public/app.js with app.js.

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** This page: where the provider sends the browser back (the demo's allowlist has it). */
const here = () => `${location.origin}/`;

/** The configured providers, asked once. */
let providers = null;
async function providersOf(client) {
  providers ??= client.socialProviders().then((answer) => answer.providers);
  return providers;
}

/** One button per provider in the sign-in section; a click is a navigation to the provider. */
export async function renderSocialButtons(ctx) {
  const box = $("social-login");
  const list = await providersOf(ctx.client);
  box.replaceChildren(
    ...list.map((provider) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = `Sign in with ${provider.name}`;
      button.addEventListener("click", () => location.assign(ctx.client.socialLoginUrl(provider.id, here())));
      return button;
    }),
  );
  box.hidden = list.length === 0;
}

/** What the page says for each stable code a refused callback sends (#social_error=<code>); others show the code. */
const CALLBACK_ERRORS = {
  invalid_state: "This sign-in expired, was already used, or was started in another browser. Start it again from this page.",
  social_login_failed: "The provider did not sign you in (cancelled, or its answer did not check out). Try again.",
  social_email_unverified: "The provider has no verified email address for that account. Sign in another way and link the provider from your account.",
  social_account_exists: "An account with that email address exists but its address is not verified. Sign in to it and link the provider from your account.",
  identity_taken: "That provider account is already linked to another account.",
  provider_unavailable: "The provider could not be reached. Try again in a moment.",
  method_not_allowed: "The provider answered in a way this sign-in does not accept. Start it again.",
  unknown_provider: "That provider is not configured here.",
};

/**
 * The page opened by the provider's return: a ticket becomes this tab's login
 * (through the second-factor prompt when the account has one); a link says so;
 * a refusal is shown with its code. The fragment is removed first, so a reload
 * never replays it.
 */
export async function handleSocialReturn(ctx) {
  const match = /^#social_(ticket|linked|error)=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return;
  history.replaceState(null, "", location.pathname + location.search);
  const [, kind, value] = match;
  if (kind === "error") {
    ctx.showError(new Error(`Sign-in with a provider refused: ${CALLBACK_ERRORS[value] ?? "the server refused it."} (${value})`));
    return;
  }
  if (kind === "linked") {
    ctx.say(`Linked your ${value} account: you can sign in with it now.`);
    return;
  }
  await ctx.withSecondFactor(ctx.client, () => ctx.client.socialExchange(value, { remember: ctx.remember() }), { formId: "mfa-form", inputId: "mfa-code", cancelId: "mfa-cancel", showError: ctx.showError });
  ctx.say("Signed in with your provider account.");
}

/** The "Linked accounts" section of the account. */
export async function renderSocialAccount(ctx) {
  const [{ identities, can_unlink: canUnlink }, list] = await Promise.all([ctx.client.socialIdentities(), providersOf(ctx.client)]);
  const linked = new Set(identities.map((identity) => identity.provider));
  const names = new Map(list.map((provider) => [provider.id, provider.name]));
  $("social-identities").replaceChildren(
    ...identities.map((identity) => {
      const item = document.createElement("li");
      item.textContent = `${names.get(identity.provider) ?? identity.provider}${identity.email ? ` (${identity.email})` : ""}, linked ${ctx.formatTime(identity.created_at)} `;
      const unlink = ctx.actionButton("Unlink", `Unlink ${identity.provider}`, async () => {
        await ctx.withRecentAuth(() => ctx.client.socialUnlink(identity.provider));
        await renderSocialAccount(ctx);
        ctx.say(`Unlinked ${identity.provider}.`);
      });
      // The last way to sign in cannot go (the server refuses too: 409 last_sign_in_method).
      unlink.disabled = !canUnlink;
      item.append(unlink);
      return item;
    }),
  );
  $("social-none").hidden = identities.length > 0;
  $("social-link").replaceChildren(
    ...list
      .filter((provider) => !linked.has(provider.id))
      .map((provider) =>
        ctx.actionButton(`Link ${provider.name}`, `Link your ${provider.name} account`, async () => {
          const { url } = await ctx.withRecentAuth(() => ctx.client.socialLink(provider.id, here()));
          location.assign(url);
        }),
      ),
  );
}
