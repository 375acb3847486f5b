// `npm run test:browser`: the page's sudo re-authentication and its logout-all
// passkey prompt (SECURITY.md, "A stolen token planting a passkey"), in real
// headless Chromium against `wrangler dev` on loopback (set-up in support.mjs),
// with Chrome's CDP virtual authenticator for passkeys.
//
// REAUTH_MAX_AGE_SECONDS is short, so a login becomes "old" by waiting it out:
//   - an old login that adds a passkey, removes one or changes the password gets
//     403 reauthentication_required; the page asks for the password or a passkey,
//     switches to that new login, ends the old one and runs the change again.
//     Each test checks the outcome on the server, not only the page's words;
//   - Cancel changes nothing, and a passkey of another account is refused (same account only);
//   - "Log out everywhere" ends every login and, when the account still has
//     passkeys, tells the user how many (the server's `passkeys`) and to review them.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { VIRTUAL_AUTHENTICATOR, addVirtualAuthenticator, browserRun, registerOnPage, signInOnPage } from "./support.mjs";

/** Sudo window (seconds): short enough to wait out, long enough for a re-auth and its retried change. */
const REAUTH = 10;
const run = browserRun({ tag: "test:browser sudo", tempPrefix: "hybrid-auth-sudo-", hardLimitMs: 300_000 });
const { log } = run;
let page = null;
let cdp = null;
let authenticatorId = null;
let base = null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  const started = Date.now();
  await run.buildPage();
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, REAUTH_MAX_AGE_SECONDS: REAUTH }));
  log(`wrangler dev up at ${base} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  page = await run.launchPersistentPage({ viewport: { width: 900, height: 1400 } });
  cdp = await page.context().newCDPSession(page);
  authenticatorId = await addVirtualAuthenticator(cdp);
});

const user = { name: "Edsger Dijkstra", email: `edsger-${Date.now()}@example.com`, password: "a long enough password" };

/** The page's tokens (hybrid-auth/client keeps them as JSON under this key in sessionStorage). */
const pageTokens = () => page.evaluate(() => JSON.parse(sessionStorage.getItem("hybrid-auth.tokens") ?? "null"));

const reauthBox = () => page.locator("#reauth");
const errorBox = () => page.locator("#error");
/** The page's status line once it says something (each action clears it first). */
async function statusText() {
  await page.waitForFunction(() => document.getElementById("status")?.textContent !== "");
  return page.locator("#status").textContent();
}

/** GET with a bearer token; the parsed body and status. */
async function get(path, token) {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** The passkey labels the server holds for the holder of `token`. */
async function serverPasskeys(token) {
  const { status: code, body } = await get("/auth/passkeys", token);
  assert.equal(code, 200);
  return body.passkeys.map((p) => p.label).sort();
}

async function refreshStatus(refreshToken) {
  const response = await fetch(`${base}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Waits until the login behind `tokens` is older than the sudo window, then checks it is. */
async function waitUntilOld(tokens) {
  await sleep((REAUTH + 1) * 1000);
  await assertOld(tokens);
}

/** The server refuses a credential change with this login: the page must re-authenticate to succeed. */
async function assertOld(tokens) {
  const response = await fetch(`${base}/auth/passkey/register/options`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tokens.token}`, "Content-Type": "application/json" },
    body: "{}",
  });
  assert.equal(response.status, 403);
  assert.equal((await response.json()).error.code, "reauthentication_required");
}

/** The page's login `old` was replaced by a fresh one and `old` is ended (its refresh token and JWT refused). */
async function assertReplaced(old) {
  const now = await pageTokens();
  assert.ok(now?.token, "the page holds a login");
  assert.notEqual(now.token, old.token, "the page switched to the re-authenticated login");
  // The page ends the old login without waiting for it (best effort): give it a moment.
  // Polled with the JWT (a refresh would rotate the old login instead of observing it).
  let me = 0;
  for (let i = 0; i < 50 && me !== 401; i++) {
    me = (await get("/auth/me", old.token)).status;
    if (me !== 401) await sleep(100);
  }
  assert.equal(me, 401, "the old login's JWT is refused");
  assert.equal(await refreshStatus(old.refreshToken), 401, "the old login's refresh token is refused");
  return now;
}

test("an old login adding a passkey: the page asks for the password (a wrong one changes nothing), switches to the fresh login, ends the old one, and the server holds the passkey", async () => {
  await page.goto(`${base}/`);
  await registerOnPage(page, user);
  await page.getByText("You have no passkeys yet.").waitFor();
  const old = await pageTokens();
  assert.ok(old.refreshToken, "a bearer login with a refresh token");
  await waitUntilOld(old);

  await page.getByLabel("Name for the new passkey").fill("Sudo key");
  const refused = page.waitForResponse((r) => r.url().endsWith("/auth/passkey/register/options"));
  await page.getByRole("button", { name: "Add a passkey" }).click();
  assert.equal((await refused).status(), 403);
  await reauthBox().waitFor({ state: "visible" });
  assert.equal(await statusText(), "Confirm it is you to continue.");
  assert.deepEqual(await serverPasskeys(old.token), [], "nothing added before the confirmation");

  // A wrong password: refused, the box stays, nothing changes.
  await reauthBox().getByLabel("Password").fill("not the password at all");
  await reauthBox().getByRole("button", { name: "Confirm with password" }).click();
  await errorBox().filter({ hasText: "invalid_credentials" }).waitFor();
  assert.equal(await reauthBox().isVisible(), true);
  assert.deepEqual(await serverPasskeys(old.token), []);
  assert.equal((await pageTokens()).token, old.token);

  // The right one: the passkey is added with the fresh login.
  await reauthBox().getByLabel("Password").fill(user.password);
  await reauthBox().getByRole("button", { name: "Confirm with password" }).click();
  await page.getByText('Passkey "Sudo key" added.').waitFor();
  assert.equal(await reauthBox().isVisible(), false);
  await page.locator("#passkey-list li", { hasText: "Sudo key" }).waitFor();

  const now = await assertReplaced(old);
  assert.deepEqual(await serverPasskeys(now.token), ["Sudo key"]);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1, "the authenticator made the passkey");
});

test("an old login removing a passkey: Cancel on the confirmation changes nothing", async () => {
  const old = await pageTokens();
  await waitUntilOld(old);
  await page.getByRole("button", { name: "Remove passkey Sudo key" }).click();
  await reauthBox().waitFor({ state: "visible" });
  await reauthBox().getByRole("button", { name: "Cancel" }).click();
  await errorBox().filter({ hasText: "Cancelled: nothing was changed." }).waitFor();
  assert.equal(await reauthBox().isVisible(), false);
  assert.deepEqual(await serverPasskeys(old.token), ["Sudo key"]);
  assert.equal((await pageTokens()).token, old.token, "the page kept its login");
});

test("an old login changing the password: the page asks, a passkey confirms, and the new password is the one that signs in", async () => {
  const old = await pageTokens();
  // Still old: the previous test waited it out, and Cancel signed nothing in.
  await assertOld(old);
  const form = page.locator("#change-password-form");
  await form.getByLabel("Current password").fill(user.password);
  await form.getByLabel("New password").fill("a brand new long password");
  await form.getByRole("button", { name: "Change password" }).click();
  await reauthBox().waitFor({ state: "visible" });

  const passkeyLogin = page.waitForResponse((r) => r.url().endsWith("/auth/passkey/login/verify"), { timeout: 30_000 });
  await reauthBox().getByRole("button", { name: "Confirm with a passkey" }).click();
  assert.equal((await passkeyLogin).status(), 200);
  await page.getByText(/^Password changed\./).waitFor();
  assert.equal(await reauthBox().isVisible(), false);
  await assertReplaced(old);

  const login = (password) =>
    fetch(`${base}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: user.email, password }),
    }).then((r) => r.status);
  assert.equal(await login(user.password), 401, "the old password no longer signs in");
  user.password = "a brand new long password";
  assert.equal(await login(user.password), 200, "the new password signs in");
});

test("Log out everywhere with a passkey on the account: every login ends, and the page names the passkey count to review", async () => {
  const pageLogin = await pageTokens();
  // A login on another device, which logout-all must end too.
  const elsewhere = await (
    await fetch(`${base}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: user.email, password: user.password }),
    })
  ).json();
  assert.ok(elsewhere.token);

  const answered = page.waitForResponse((r) => r.url().endsWith("/auth/logout-all"));
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  const answer = await answered;
  assert.equal(answer.status(), 200);
  const body = await answer.json();
  assert.equal(body.passkeys, 1);
  await page.locator("#signed-out").waitFor({ state: "visible" });
  assert.equal(
    await statusText(),
    'You are logged out everywhere. Your account has 1 passkey: sign in and review them under "Your passkeys", and remove any you do not recognise.',
  );

  for (const login of [pageLogin, { token: elsewhere.token, refreshToken: elsewhere.refresh_token }]) {
    assert.equal((await get("/auth/me", login.token)).status, 401);
    assert.equal(await refreshStatus(login.refreshToken), 401);
  }
  // The passkey the page named survives logout-all (it is a credential, not a session).
  await signInOnPage(page, user);
  await page.getByText("Signed in with your password.").waitFor();
  assert.deepEqual(await serverPasskeys((await pageTokens()).token), ["Sudo key"]);
});

test("an old login removing its last passkey, confirmed with that passkey: gone from the server, the old login ended; then Log out everywhere has no passkeys to name", async () => {
  const old = await pageTokens();
  await waitUntilOld(old);
  await page.getByRole("button", { name: "Remove passkey Sudo key" }).click();
  await reauthBox().waitFor({ state: "visible" });
  const passkeyLogin = page.waitForResponse((r) => r.url().endsWith("/auth/passkey/login/verify"), { timeout: 30_000 });
  await reauthBox().getByRole("button", { name: "Confirm with a passkey" }).click();
  assert.equal((await passkeyLogin).status(), 200);
  await page.getByText('Passkey "Sudo key" removed.').waitFor();
  const now = await assertReplaced(old);
  assert.deepEqual(await serverPasskeys(now.token), []);

  const answered = page.waitForResponse((r) => r.url().endsWith("/auth/logout-all"));
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  assert.equal((await (await answered).json()).passkeys, 0);
  await page.locator("#signed-out").waitFor({ state: "visible" });
  assert.equal(await statusText(), "You are logged out everywhere.");
  assert.equal((await get("/auth/me", now.token)).status, 401);
});

test("a passkey of another account does not confirm: the page refuses it, keeps its own login, and ends the other account's sign-in", async () => {
  // The authenticator now holds only another account's passkey (Mallory's, made on the page).
  await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
  ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: VIRTUAL_AUTHENTICATOR }));
  const mallory = { name: "Mallory", email: `mallory-${Date.now()}@example.com`, password: "mallory's long password" };
  await registerOnPage(page, mallory);
  await page.getByLabel("Name for the new passkey").fill("Mallory key");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await page.getByText('Passkey "Mallory key" added.').waitFor();
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.locator("#signed-out").waitFor({ state: "visible" });

  await signInOnPage(page, user);
  await page.getByText("Signed in with your password.").waitFor();
  const old = await pageTokens();
  await waitUntilOld(old);
  const form = page.locator("#change-password-form");
  await form.getByLabel("Current password").fill(user.password);
  await form.getByLabel("New password").fill("a password nobody confirmed");
  await form.getByRole("button", { name: "Change password" }).click();
  await reauthBox().waitFor({ state: "visible" });
  const passkeyLogin = page.waitForResponse((r) => r.url().endsWith("/auth/passkey/login/verify"), { timeout: 30_000 });
  await reauthBox().getByRole("button", { name: "Confirm with a passkey" }).click();
  const signedInAs = await (await passkeyLogin).json();
  assert.equal(signedInAs.user.email, mallory.email, "the authenticator answered with Mallory's passkey");
  await errorBox().filter({ hasText: "That sign-in is for a different account" }).waitFor();
  assert.equal(await reauthBox().isVisible(), true, "still asking");
  assert.equal((await pageTokens()).token, old.token, "the page kept its own login");
  assert.equal((await get("/auth/me", old.token)).body.user.email, user.email);

  // Mallory's sign-in made by the confirmation is ended by the page.
  let me = 0;
  for (let i = 0; i < 50 && me !== 401; i++) {
    me = (await get("/auth/me", signedInAs.token)).status;
    if (me !== 401) await sleep(100);
  }
  assert.equal(me, 401, "the other account's sign-in is ended");
  // And nothing changed: the password is still the one it was.
  const login = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  assert.equal(login.status, 200);
  await reauthBox().getByRole("button", { name: "Cancel" }).click();
  await errorBox().filter({ hasText: "Cancelled: nothing was changed." }).waitFor();
});
