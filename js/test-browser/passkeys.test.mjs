// `npm run test:browser`: the passkey page in real headless Chromium, against
// the Worker served by `wrangler dev` on loopback, with Chrome's CDP virtual
// authenticator (ctap2, internal, resident keys, user verification) standing
// in for a platform authenticator. No test-only routes: the page is driven
// like a person would, and what it posts is captured from the network.
//
// Set-up (support.mjs; all torn down at the end, the whole file bounded by a hard time limit):
//   1. build the page script (src/page/build.mjs → public/app.js)
//   2. a fresh --persist-to dir with the D1 migrations applied
//   3. `wrangler dev` on a free 127.0.0.1 port, opened as http://localhost:<port>
//      (a secure context, and RP ID "localhost"); RP_ORIGINS and a random
//      JWT_SECRET are passed with --var, and PASSKEY_CHALLENGE_TTL is short
//      so that a challenge can be made to expire inside the test
//   4. Debian chromium through playwright-core with a fresh user-data dir
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { addVirtualAuthenticator, browserRun, logOutOnPage, registerOnPage, root, signInOnPage } from "./support.mjs";

/** Short enough to wait out, long enough for one ceremony on a busy machine. */
const CHALLENGE_TTL = 8;
const SCREENSHOT = join(root, "artifacts", "passkey-signed-in.png");

const run = browserRun({ tag: "test:browser", tempPrefix: "hybrid-auth-browser-", hardLimitMs: 170_000 });
const { log } = run;
let page = null;
let cdp = null;
let authenticatorId = null;
let base = null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  const started = Date.now();
  await run.buildPage();
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, PASSKEY_CHALLENGE_TTL: CHALLENGE_TTL }));
  log(`wrangler dev up at ${base} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  page = await run.launchPersistentPage({ viewport: { width: 900, height: 1000 } });
  cdp = await page.context().newCDPSession(page);
  authenticatorId = await addVirtualAuthenticator(cdp);
});

const user = { name: "Grace Hopper", email: `grace-${Date.now()}@example.com`, password: "a long enough password" };
/** The exact JSON body the page posted to /auth/passkey/login/verify. */
let capturedAssertion = null;

const signedIn = () => page.locator("#signed-in");
const signedOut = () => page.locator("#signed-out");
const errorBox = () => page.getByRole("alert");

/** Clicks "Sign in with a passkey" and returns the login/verify response. */
async function passkeySignIn() {
  const verify = page.waitForResponse((r) => r.url().endsWith("/auth/passkey/login/verify"), { timeout: 30_000 });
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  return verify;
}

test("the page is served with its security headers and accessible forms", async () => {
  const t0 = Date.now();
  const response = await page.goto(`${base}/`);
  log(`GET / loaded in ${Date.now() - t0} ms`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self'/);
  assert.equal(await page.title(), "hybrid-auth: sign in");
  // Every input is reachable by its label (what a screen reader announces).
  for (const label of ["Email", "Password"]) await page.locator("#login-form").getByLabel(label, { exact: true }).waitFor();
  for (const label of ["Name", "Email", "Password"]) await page.locator("#register-form").getByLabel(label, { exact: true }).waitFor();
  await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor();
  // Build and config files next to the page are not served.
  for (const path of ["/.gitignore", "/_headers", "/.assetsignore"]) {
    assert.equal((await fetch(`${base}${path}`)).status, 404, path);
  }
});

test("register with a password, then add a passkey", async () => {
  await registerOnPage(page, user);
  assert.equal(await page.locator("#me-email").textContent(), user.email);
  assert.equal(await page.locator("#me-token-type").textContent(), "jwt");
  await page.getByText("You have no passkeys yet.").waitFor();

  await page.getByLabel("Name for the new passkey").fill("Test laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await page.locator("#passkey-list li", { hasText: "Test laptop" }).waitFor();
  await page.getByText('Passkey "Test laptop" added.').waitFor();

  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].isResidentCredential, true);
  assert.equal(credentials[0].rpId, "localhost");
});

test("log out, then log in with the passkey only; /auth/me shows the user", async () => {
  await logOutOnPage(page);
  page.on("request", (request) => {
    if (request.url().endsWith("/auth/passkey/login/verify") && capturedAssertion === null) capturedAssertion = request.postData();
  });
  const verify = await passkeySignIn();
  assert.equal(verify.status(), 200);
  const login = await verify.json();
  assert.equal(login.token_type, "jwt");
  assert.equal(login.user.email, user.email);
  await signedIn().waitFor({ state: "visible" });
  assert.equal(await page.locator("#me-name").textContent(), user.name);
  await page.getByText("Signed in with a passkey.").waitFor();

  // The token the page holds is a working bearer token for /auth/me.
  // The page's hybrid-auth/client keeps its tokens as JSON under this key (webStorage(sessionStorage)).
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("hybrid-auth.tokens") ?? "null")?.token);
  assert.equal(token, login.token);
  const me = await (await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.deepEqual(me.user, login.user);

  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.ok(credentials[0].signCount >= 1, "the authenticator signed");
  await page.locator("#passkey-list li", { hasText: "last used" }).first().waitFor();
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  log(`screenshot: ${SCREENSHOT}`);
});

test("a replayed assertion is refused: 400 invalid_challenge", async () => {
  assert.ok(capturedAssertion, "the page's assertion was captured");
  assert.ok(JSON.parse(capturedAssertion).response.response.signature);
  const replay = await fetch(`${base}/auth/passkey/login/verify`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: capturedAssertion,
  });
  assert.equal(replay.status, 400);
  assert.equal((await replay.json()).error.code, "invalid_challenge");
});

test("an assertion for an expired challenge is refused: 400 challenge_expired, shown on the page", async () => {
  await logOutOnPage(page);
  // Hold the page's verify request until its challenge has expired.
  await page.route("**/auth/passkey/login/verify", async (route) => {
    await sleep((CHALLENGE_TTL + 2) * 1000);
    await route.continue();
  });
  const verify = await passkeySignIn();
  await page.unroute("**/auth/passkey/login/verify");
  assert.equal(verify.status(), 400);
  assert.equal((await verify.json()).error.code, "challenge_expired");
  await errorBox().filter({ hasText: "challenge_expired" }).waitFor();
  assert.equal(await signedOut().isVisible(), true);
  await page.screenshot({ path: SCREENSHOT.replace("signed-in", "expired-challenge-error"), fullPage: true });
});

test("a passkey renamed on the page keeps its new name, and a removed passkey no longer signs in", async () => {
  await signInOnPage(page, user);
  page.once("dialog", (dialog) => dialog.accept("  Office key  "));
  await page.getByRole("button", { name: "Rename passkey Test laptop" }).click();
  await page.getByText('Passkey "Test laptop" is now "Office key".').waitFor();
  const listed = await page.evaluate(() => [...document.querySelectorAll("#passkey-list .label")].map((e) => e.textContent));
  assert.deepEqual(listed, ["Office key"]);

  await page.getByRole("button", { name: "Remove passkey Office key" }).click();
  await page.getByText("You have no passkeys yet.").waitFor();
  await logOutOnPage(page);

  // The authenticator still holds the credential; the server no longer knows it.
  const verify = await passkeySignIn();
  assert.equal(verify.status(), 401);
  assert.equal((await verify.json()).error.code, "invalid_credentials");
  await errorBox().filter({ hasText: "invalid_credentials" }).waitFor();
});
