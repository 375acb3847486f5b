// The passkey demo page's script (bundled by build.mjs into public/app.js).
// Plain DOM code around hybrid-auth/client (js/client/), which makes every
// call to the Worker's /auth/* routes, refreshes the access token (once, for
// all concurrent calls) and keeps tabs in step. The tokens live in
// sessionStorage: they survive a reload of this tab and are gone when the tab closes.
import { WebAuthnError, browserSupportsWebAuthn, startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { HybridAuthError, createClient, memoryStorage, webStorage } from "../../client/index";
import { renderAccount, wireAccount } from "./account.js";
import { handleEmailLink, renderEmail, wireEmail } from "./email.js";
import { loadPlugins, mounted } from "./plugins.js";
import { renderTotp, withSecondFactor, wireTotp } from "./totp.js";
import { handleSocialReturn, renderSocialAccount, renderSocialButtons } from "./social.js";

const webauthn = { startAuthentication, startRegistration };
/**
 * Bearer mode by default (tokens in this tab's sessionStorage). `?refresh=cookie` switches this tab to cookie
 * mode (the refresh token in the server's HttpOnly cookie, REFRESH_COOKIE=strict|lax; the access token in
 * memory only), kept for the tab so that a trip to a sign-in provider and back stays in it; `?refresh=body`
 * switches back.
 */
const MODE_KEY = "hybrid-auth-page-mode";
const asked = new URLSearchParams(location.search).get("refresh");
if (asked === "cookie" || asked === "body") sessionStorage.setItem(MODE_KEY, asked);
const mode = sessionStorage.getItem(MODE_KEY) === "cookie" ? "cookie" : "bearer";
const client = createClient({ baseUrl: "/auth", mode, storage: webStorage(sessionStorage), webauthn });
/** A client that is no tab's: signs in for a confirmation without switching this tab's login yet. */
const sideClient = () => createClient({ baseUrl: "/auth", storage: memoryStorage(), channel: false, webauthn });
/** The signed-in user, from /auth/me: a re-authentication must be for the same account. */
let currentUser = null;
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

function showError(err) {
  const box = $("error");
  let text;
  if (err instanceof HybridAuthError) {
    text = `${err.message} (${err.code})`;
  } else if (err instanceof WebAuthnError || (err && err.name === "NotAllowedError")) {
    text = `Passkey: ${err.message}`;
  } else {
    text = err && err.message ? err.message : String(err);
  }
  box.textContent = text;
  box.hidden = false;
  box.focus?.();
}

function clearMessages() {
  $("error").hidden = true;
  $("error").textContent = "";
  $("status").textContent = "";
}

function say(text) {
  $("status").textContent = text;
}

/** Runs an action with its button disabled and errors shown on the page. */
function action(button, run) {
  return async (event) => {
    event?.preventDefault();
    clearMessages();
    button.disabled = true;
    try {
      await run();
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  };
}

function formatTime(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "never";
}

async function signedIn() {
  await render();
}

/**
 * Sudo mode: the Worker answers 403 reauthentication_required when a change
 * (adding or removing a passkey) needs a recent sign-in. Then ask for the
 * password or a passkey, switch to the new login, and run the change again.
 */
async function withRecentAuth(change) {
  try {
    return await change();
  } catch (err) {
    if (!(err instanceof HybridAuthError && err.code === "reauthentication_required")) throw err;
    await reauthenticate();
    return await change();
  }
}

/** Shows the confirm box; resolves once the user signed in again as the same account, rejects on cancel. */
function reauthenticate() {
  const box = $("reauth");
  const form = $("reauth-form");
  const passkeyButton = $("reauth-passkey");
  passkeyButton.hidden = !browserSupportsWebAuthn() || !mounted("passkeys");
  box.hidden = false;
  say("Confirm it is you to continue.");
  $("reauth-password").focus();
  return new Promise((resolve, reject) => {
    const listeners = new AbortController();
    const finish = (settle) => {
      listeners.abort();
      box.hidden = true;
      /** @type {HTMLInputElement} */ ($("reauth-password")).value = "";
      settle();
    };
    const confirmWith = (button, signIn) =>
      action(button, async () => {
        const side = sideClient();
        // A held login (the totp plugin) asks for the code in this box before it counts.
        const login = await withSecondFactor(side, () => signIn(side), { formId: "reauth-mfa-form", inputId: "reauth-mfa-code", cancelId: "reauth-cancel", showError });
        if (!currentUser || login.user.id !== currentUser.id) {
          await side.logout().catch(() => {});
          throw new Error("That sign-in is for a different account; confirm with this account's password or passkey.");
        }
        await replaceLogin(side.tokens());
        finish(resolve);
      });
    form.addEventListener(
      "submit",
      confirmWith(form.querySelector("button"), (side) => side.login({ email: currentUser?.email ?? "", password: value("reauth-password") })),
      { signal: listeners.signal },
    );
    passkeyButton.addEventListener(
      "click",
      confirmWith(passkeyButton, (side) => side.loginWithPasskey()),
      { signal: listeners.signal },
    );
    $("reauth-cancel").addEventListener("click", () => finish(() => reject(new Error("Cancelled: nothing was changed."))), {
      signal: listeners.signal,
    });
  });
}

/** Switches this tab to a fresh login and ends the one it replaces (best effort). */
async function replaceLogin(tokens) {
  const old = client.tokens();
  client.adopt(tokens);
  if (old && old.token !== tokens.token) {
    const previous = sideClient();
    previous.adopt(old);
    previous.logout().catch(() => {});
  }
}

async function render() {
  if (!client.tokens()) {
    $("signed-in").hidden = true;
    $("signed-out").hidden = false;
    return;
  }
  let me;
  try {
    me = await client.me();
  } catch (err) {
    if (err instanceof HybridAuthError && err.status === 401) {
      client.forget();
      $("signed-in").hidden = true;
      $("signed-out").hidden = false;
      say("Your session has ended. Please sign in again.");
      return;
    }
    throw err;
  }
  currentUser = me.user;
  $("me-name").textContent = me.user.name;
  $("me-email").textContent = me.user.email;
  $("me-id").textContent = me.user.id;
  $("me-token-type").textContent = me.token_type;
  $("me-expires").textContent = formatTime(me.expires_at);
  renderEmail(me);
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  if (mounted("passkeys")) await renderPasskeys();
  // Your sign-ins, change password, and the admin dashboard (issue 14; ./account.js).
  await renderAccount(accountContext());
  if (mounted("totp")) await renderTotp(accountContext());
  if (mounted("social")) await renderSocialAccount(accountContext());
}

function accountContext() {
  return { client, action, actionButton, say, withRecentAuth, formatTime };
}

/** A secondary button of a list row that runs `run` through action() (disabled while it runs, errors shown). */
function actionButton(text, ariaLabel, run) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = text;
  button.setAttribute("aria-label", ariaLabel);
  button.addEventListener("click", action(button, run));
  return button;
}

/** "Keep me signed in" (issue 14 §5): unticked, the login gets the short lifetime. */
function remember() {
  return /** @type {HTMLInputElement} */ ($("login-remember")).checked;
}

async function renderPasskeys() {
  const { passkeys } = await client.passkeys();
  const list = $("passkey-list");
  list.replaceChildren();
  $("no-passkeys").hidden = passkeys.length > 0;
  for (const passkey of passkeys) {
    const item = document.createElement("li");
    const text = document.createElement("span");
    const name = document.createElement("span");
    name.className = "label";
    name.textContent = passkey.label;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `added ${formatTime(passkey.created_at)}, last used ${formatTime(passkey.last_used_at)}`;
    text.append(name, meta);
    const remove = actionButton("Remove", `Remove passkey ${passkey.label}`, async () => {
      await withRecentAuth(() => client.deletePasskey(passkey.id));
      await renderPasskeys();
      say(`Passkey "${passkey.label}" removed.`);
    });
    const rename = actionButton("Rename", `Rename passkey ${passkey.label}`, async () => {
      const label = window.prompt("A new name for this passkey", passkey.label);
      if (label === null || label.trim() === passkey.label) return;
      const { passkey: renamed } = await client.renamePasskey(passkey.id, label);
      await renderPasskeys();
      say(`Passkey "${passkey.label}" is now "${renamed.label}".`);
    });
    item.append(text, rename, remove);
    list.append(item);
  }
}

function value(id) {
  return /** @type {HTMLInputElement} */ ($(id)).value;
}

function socialContext() {
  return { client, say, showError, remember, withSecondFactor };
}

function emailContext() {
  return { client, action, say, withRecentAuth, showError, refreshPage: render };
}

function wire() {
  wireAccount(accountContext());
  // Two-factor authentication (issue 21; ./totp.js).
  wireTotp(accountContext());
  // Password reset, email verification, change of email (issue 14 §2-4; ./email.js).
  wireEmail(emailContext());
  const loginForm = $("login-form");
  loginForm.addEventListener(
    "submit",
    action(loginForm.querySelector("button"), async () => {
      const login = () => client.login({ email: value("login-email"), password: value("login-password"), remember: remember() });
      // An account with a second factor: the code prompt finishes the login, then the same path as without.
      await withSecondFactor(client, login, { formId: "mfa-form", inputId: "mfa-code", cancelId: "mfa-cancel", showError });
      /** @type {HTMLInputElement} */ ($("login-password")).value = "";
      await signedIn();
      say("Signed in with your password.");
    }),
  );

  const registerForm = $("register-form");
  registerForm.addEventListener(
    "submit",
    action(registerForm.querySelector("button"), async () => {
      const email = value("register-email");
      const password = value("register-password");
      await client.register({ name: value("register-name"), email, password });
      await client.login({ email, password });
      /** @type {HTMLFormElement} */ (registerForm).reset();
      await signedIn();
      say("Account created. You are signed in. Add a passkey to sign in without your password next time.");
    }),
  );

  const passkeyLogin = $("passkey-login");
  if (!browserSupportsWebAuthn()) {
    passkeyLogin.hidden = true;
    $("passkey-unsupported").hidden = false;
  }
  passkeyLogin.addEventListener(
    "click",
    action(passkeyLogin, async () => {
      await client.loginWithPasskey({ remember: remember() });
      await signedIn();
      say("Signed in with a passkey.");
    }),
  );

  const addForm = $("add-passkey-form");
  addForm.addEventListener(
    "submit",
    action(addForm.querySelector("button"), async () => {
      const { passkey } = await withRecentAuth(() => client.addPasskey(value("passkey-label")));
      await renderPasskeys();
      say(`Passkey "${passkey.label}" added.`);
    }),
  );

  const logout = $("logout");
  logout.addEventListener(
    "click",
    action(logout, async () => {
      try {
        // Whatever the server says, the client forgets the tokens (here and in this page's other tabs).
        await client.logout();
      } finally {
        await render();
      }
      say("You are logged out.");
    }),
  );

  const logoutAll = $("logout-all");
  logoutAll.addEventListener(
    "click",
    action(logoutAll, async () => {
      const { passkeys } = await client.logoutAll();
      await render();
      // Passkeys are credentials, not sessions: logging out everywhere keeps them.
      say(
        passkeys > 0
          ? `You are logged out everywhere. Your account has ${passkeys} passkey${passkeys === 1 ? "" : "s"}: sign in and review them under "Your passkeys", and remove any you do not recognise.`
          : "You are logged out everywhere.",
      );
    }),
  );
}

wire();
// First which plugins the server mounts (./plugins.js): the rest of the start calls only their routes.
loadPlugins(client)
  .then(() => handleEmailLink(emailContext()))
  // Sign-in with a provider (issue 22; ./social.js): the buttons, and the provider's return to this page.
  .then(async () => {
    if (!mounted("social")) return;
    await renderSocialButtons(socialContext());
    await handleSocialReturn(socialContext());
  })
  // Cookie mode keeps no token across a page load: the refresh cookie, if any, signs this tab back in.
  .then(async () => {
    if (mode === "cookie" && !client.tokens()) await client.refresh().catch(() => {});
  })
  .then(render)
  .catch(showError);
