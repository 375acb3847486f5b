// The passkey demo page's script (bundled by build.mjs into public/app.js).
// Plain DOM code around @simplewebauthn/browser; the API is the Worker's
// /auth/* routes. The token lives in sessionStorage: it survives a reload of
// this tab and is gone when the tab closes.
import { WebAuthnError, browserSupportsWebAuthn, startAuthentication, startRegistration } from "@simplewebauthn/browser";

const TOKEN_KEY = "hybrid-auth.token";
/** The signed-in user, from /auth/me: a re-authentication must be for the same account. */
let currentUser = null;
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** An API failure, carrying the Worker's stable error code. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network_error", "The server could not be reached.");
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // not JSON: handled below
  }
  if (!response.ok) {
    const error = json && json.error;
    throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? `HTTP ${response.status}`);
  }
  return json;
}

function showError(err) {
  const box = $("error");
  let text;
  if (err instanceof ApiError) {
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

async function signedIn(login) {
  sessionStorage.setItem(TOKEN_KEY, login.token);
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
    if (!(err instanceof ApiError && err.code === "reauthentication_required")) throw err;
    await reauthenticate();
    return await change();
  }
}

/** Shows the confirm box; resolves once the user signed in again as the same account, rejects on cancel. */
function reauthenticate() {
  const box = $("reauth");
  const form = $("reauth-form");
  const passkeyButton = $("reauth-passkey");
  passkeyButton.hidden = !browserSupportsWebAuthn();
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
        const login = await signIn();
        if (!currentUser || login.user.id !== currentUser.id) {
          throw new Error("That sign-in is for a different account; confirm with this account's password or passkey.");
        }
        await replaceLogin(login);
        finish(resolve);
      });
    form.addEventListener(
      "submit",
      confirmWith(form.querySelector("button"), () => api("POST", "/auth/login", { email: currentUser?.email ?? "", password: value("reauth-password") })),
      { signal: listeners.signal },
    );
    passkeyButton.addEventListener(
      "click",
      confirmWith(passkeyButton, async () => {
        const { options } = await api("POST", "/auth/passkey/login/options", {});
        const response = await startAuthentication({ optionsJSON: options });
        return api("POST", "/auth/passkey/login/verify", { response });
      }),
      { signal: listeners.signal },
    );
    $("reauth-cancel").addEventListener("click", () => finish(() => reject(new Error("Cancelled: nothing was changed."))), {
      signal: listeners.signal,
    });
  });
}

/** Switches this tab to a fresh login and ends the one it replaces (best effort). */
async function replaceLogin(login) {
  const old = sessionStorage.getItem(TOKEN_KEY);
  sessionStorage.setItem(TOKEN_KEY, login.token);
  if (old && old !== login.token) {
    fetch("/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${old}` } }).catch(() => {});
  }
}

async function render() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    $("signed-in").hidden = true;
    $("signed-out").hidden = false;
    return;
  }
  let me;
  try {
    me = await api("GET", "/auth/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
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
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  await renderPasskeys();
}

async function renderPasskeys() {
  const { passkeys } = await api("GET", "/auth/passkeys");
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
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove passkey ${passkey.label}`);
    remove.addEventListener(
      "click",
      action(remove, async () => {
        await withRecentAuth(() => api("DELETE", `/auth/passkeys/${encodeURIComponent(passkey.id)}`));
        await renderPasskeys();
        say(`Passkey "${passkey.label}" removed.`);
      }),
    );
    item.append(text, remove);
    list.append(item);
  }
}

function value(id) {
  return /** @type {HTMLInputElement} */ ($(id)).value;
}

function wire() {
  const loginForm = $("login-form");
  loginForm.addEventListener(
    "submit",
    action(loginForm.querySelector("button"), async () => {
      const login = await api("POST", "/auth/login", { email: value("login-email"), password: value("login-password") });
      /** @type {HTMLInputElement} */ ($("login-password")).value = "";
      await signedIn(login);
      say("Signed in with your password.");
    }),
  );

  const registerForm = $("register-form");
  registerForm.addEventListener(
    "submit",
    action(registerForm.querySelector("button"), async () => {
      const email = value("register-email");
      const password = value("register-password");
      await api("POST", "/auth/register", { name: value("register-name"), email, password });
      const login = await api("POST", "/auth/login", { email, password });
      /** @type {HTMLFormElement} */ (registerForm).reset();
      await signedIn(login);
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
      const { options } = await api("POST", "/auth/passkey/login/options", {});
      const response = await startAuthentication({ optionsJSON: options });
      const login = await api("POST", "/auth/passkey/login/verify", { response });
      await signedIn(login);
      say("Signed in with a passkey.");
    }),
  );

  const addForm = $("add-passkey-form");
  addForm.addEventListener(
    "submit",
    action(addForm.querySelector("button"), async () => {
      const { passkey } = await withRecentAuth(async () => {
        const { options } = await api("POST", "/auth/passkey/register/options", {});
        const response = await startRegistration({ optionsJSON: options });
        return api("POST", "/auth/passkey/register/verify", { response, label: value("passkey-label") });
      });
      await renderPasskeys();
      say(`Passkey "${passkey.label}" added.`);
    }),
  );

  const logout = $("logout");
  logout.addEventListener(
    "click",
    action(logout, async () => {
      try {
        await api("POST", "/auth/logout");
      } finally {
        // Whatever the server said, this tab forgets the token.
        sessionStorage.removeItem(TOKEN_KEY);
        await render();
      }
      say("You are logged out.");
    }),
  );

  const logoutAll = $("logout-all");
  logoutAll.addEventListener(
    "click",
    action(logoutAll, async () => {
      const { passkeys } = await api("POST", "/auth/logout-all");
      sessionStorage.removeItem(TOKEN_KEY);
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
render().catch(showError);
