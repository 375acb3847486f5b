// `npm run test:browser`: the passkey page in real headless Chromium, against
// the Worker served by `wrangler dev` on loopback, with Chrome's CDP virtual
// authenticator (ctap2, internal, resident keys, user verification) standing
// in for a platform authenticator. No test-only routes: the page is driven
// like a person would, and what it posts is captured from the network.
//
// Set-up (all torn down at the end, the whole file bounded by HARD_LIMIT_MS):
//   1. build the page script (src/page/build.mjs → public/app.js)
//   2. a fresh --persist-to dir with the D1 migrations applied
//   3. `wrangler dev` on a free 127.0.0.1 port, opened as http://localhost:<port>
//      (a secure context, and RP ID "localhost"); RP_ORIGINS and a random
//      JWT_SECRET are passed with --var, and PASSKEY_CHALLENGE_TTL is short
//      so that a challenge can be made to expire inside the test
//   4. Debian chromium through playwright-core with a fresh user-data dir
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { migrateLocalD1, startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

const execFileAsync = promisify(execFile);
const js = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(js, "..");
/** Short enough to wait out, long enough for one ceremony on a busy machine. */
const CHALLENGE_TTL = 8;
const HARD_LIMIT_MS = 170_000;
const SCREENSHOT = join(root, "artifacts", "passkey-signed-in.png");

const temp = mkdtempSync(join(tmpdir(), "hybrid-auth-browser-"));
const persist = join(temp, "d1");
const profile = join(temp, "chromium-profile");
let server = null;
let context = null;
let page = null;
let cdp = null;
let authenticatorId = null;
let base = null;

const log = (message) => console.log(`[test:browser] ${message}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// If anything hangs, stop everything we started and fail.
const watchdog = setTimeout(async () => {
  console.error(`[test:browser] hard limit of ${HARD_LIMIT_MS / 1000} s reached; stopping`);
  await cleanup();
  process.exit(1);
}, HARD_LIMIT_MS);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

async function startServer() {
  server = await startWranglerDev({
    cwd: js,
    args: (port) => ["--persist-to", persist, "--log-level", "warn",
      "--var", `JWT_SECRET:${randomBytes(32).toString("base64url")}`,
      "--var", `RP_ORIGINS:http://localhost:${port}`,
      "--var", `PASSKEY_CHALLENGE_TTL:${CHALLENGE_TTL}`],
  });
  // Opened as localhost: a secure context, and the RP ID the Worker is configured with.
  return `http://localhost:${server.port}`;
}

async function stopServer() {
  const current = server;
  server = null;
  await current?.stop();
}

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try {
    await context?.close();
  } catch {
    // the browser may already be gone
  }
  await stopServer();
  rmSync(temp, { recursive: true, force: true });
}

before(async () => {
  const started = Date.now();
  await execFileAsync(process.execPath, [join(js, "src", "page", "build.mjs")], { cwd: js });
  await migrateLocalD1({ cwd: js, persistTo: persist });
  base = await startServer();
  log(`wrangler dev up at ${base} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 900, height: 1000 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (err) => log(`page error: ${err.message}`));
  cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  }));
});

after(cleanup);

const user = { name: "Grace Hopper", email: `grace-${Date.now()}@example.com`, password: "a long enough password" };
/** The exact JSON body the page posted to /auth/passkey/login/verify. */
let capturedAssertion = null;

const signedIn = () => page.locator("#signed-in");
const signedOut = () => page.locator("#signed-out");
const errorBox = () => page.getByRole("alert");

async function logOut() {
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await signedOut().waitFor({ state: "visible" });
}

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
  const form = page.locator("#register-form");
  await form.getByLabel("Name").fill(user.name);
  await form.getByLabel("Email").fill(user.email);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Create account" }).click();
  await signedIn().waitFor({ state: "visible" });
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
  await logOut();
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
  await logOut();
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

test("a removed passkey no longer signs in", async () => {
  const form = page.locator("#login-form");
  await form.getByLabel("Email").fill(user.email);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Sign in with password" }).click();
  await signedIn().waitFor({ state: "visible" });
  await page.getByRole("button", { name: "Remove passkey Test laptop" }).click();
  await page.getByText("You have no passkeys yet.").waitFor();
  await logOut();

  // The authenticator still holds the credential; the server no longer knows it.
  const verify = await passkeySignIn();
  assert.equal(verify.status(), 401);
  assert.equal((await verify.json()).error.code, "invalid_credentials");
  await errorBox().filter({ hasText: "invalid_credentials" }).waitFor();
});
