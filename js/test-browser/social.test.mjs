// `npm run test:browser`: sign-in with a provider on the demo page (issue 22), through
// real redirects: the demo Worker under `wrangler dev` (support.mjs) with the development
// OIDC provider on (DEV_SOCIAL_ISSUER, as `npm start` sets it; js/demo/devProvider.ts).
// A password user links the provider from the account page (through the provider and
// back), signs out, clicks "Sign in with Dev (local)" and lands signed in to that account
// (bearer mode, the page's). Then, with the page in cookie mode (?refresh=cookie, the server's
// REFRESH_COOKIE on), "Sign in with Dev (local)" lands signed in with the refresh token in the
// HttpOnly cookie only, and the account page links the second dev provider ("Dev 2 (local)").
// The dev provider has one user, so a newcomer's first sign-in (a new account) is
// js/test/devProvider.test.ts's; the cookie-mode test opens whichever account Dev is linked
// to (the first test's, when it ran). A refused callback comes back to the page, which shows
// the refusal (#social_error). Steps wait at most 15 s; the file has a hard time limit.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { browserRun, logOutOnPage, registerOnPage } from "./support.mjs";

const run = browserRun({ tag: "test:browser social", tempPrefix: "hybrid-auth-page-social-", hardLimitMs: 240_000 });
let base = null;
let browser = null;

before(async () => {
  await run.buildPage();
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, REFRESH_COOKIE: "strict", DEV_SOCIAL_ISSUER: `http://127.0.0.1:${port}/dev-oidc` }));
  browser = await run.launchBrowser();
});

async function freshPage(query = "") {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  run.watchPage(page);
  await page.goto(`${base}/${query}`);
  await page.locator("html[data-plugins]").waitFor({ state: "attached" });
  return page;
}

test("a password user links Dev from the account page (sudo mode), then Sign in with Dev opens that account", async () => {
  const page = await freshPage();
  const email = `linda-${Date.now()}@example.com`;
  await registerOnPage(page, { name: "Linda Link", email, password: "a long enough password" });
  const id = await page.locator("#me-id").textContent();
  await page.getByRole("button", { name: "Link your Dev (local) account" }).click();
  // Through the provider and back: the page says it, and lists the link (unlinkable: the password remains).
  await page.locator("#status", { hasText: "Linked your dev account" }).waitFor({ state: "visible" });
  assert.equal(new URL(page.url()).hash, "");
  const linked = page.locator("#social-identities li");
  await linked.first().waitFor({ state: "visible" });
  assert.match(await linked.first().textContent(), /Dev \(local\) \(dev@example\.com\)/);
  assert.equal(await linked.first().getByRole("button", { name: "Unlink dev" }).isDisabled(), false);
  await logOutOnPage(page);
  await page.getByRole("button", { name: "Sign in with Dev (local)" }).click();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  assert.equal(await page.locator("#me-id").textContent(), id);
  assert.equal(await page.locator("#me-email").textContent(), email);
  // The ticket's fragment is gone from the address bar.
  assert.equal(new URL(page.url()).hash, "");
});

test("cookie mode: Sign in with Dev keeps the refresh token in an HttpOnly cookie only; the account page links Dev 2", async () => {
  const page = await freshPage("?refresh=cookie");
  const context = page.context();
  await page.getByRole("button", { name: "Sign in with Dev (local)" }).click();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  const id = await page.locator("#me-id").textContent();
  assert.ok(id);
  assert.equal(new URL(page.url()).hash, "");
  // The refresh token is the server's HttpOnly cookie, in neither of the tab's storages nor document.cookie.
  const refresh = (await context.cookies(base)).find((cookie) => cookie.name === "hybrid-auth-refresh");
  assert.ok(refresh, "the exchange set the refresh cookie");
  assert.equal(refresh.httpOnly, true);
  const visible = await page.evaluate(() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage }, cookie: document.cookie }));
  assert.ok(!visible.includes(refresh.value), "the refresh token is not readable by the page");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("hybrid-auth-page-mode")), "cookie");
  // Link the second provider: through the provider and back, the tab signs in again from the cookie.
  await page.getByRole("button", { name: "Link your Dev 2 (local) account" }).click();
  await page.locator("#status", { hasText: "Linked your dev2 account" }).waitFor({ state: "visible" });
  await page.locator("#signed-in").waitFor({ state: "visible" });
  assert.equal(await page.locator("#me-id").textContent(), id);
  const linked = page.locator("#social-identities li");
  await linked.filter({ hasText: "Dev 2 (local)" }).waitFor({ state: "visible" });
  assert.equal(await linked.count(), 2);
  // Both binding cookies (the sign-in's and the link's) were spent and deleted.
  assert.deepEqual((await context.cookies(base)).filter((cookie) => cookie.name.startsWith("hybrid-auth-social-")), []);
  // A reload keeps the tab signed in (cookie mode: the access token was in memory only).
  await page.reload();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  assert.equal(await page.locator("#me-id").textContent(), id);
});

test("a refused callback comes back to the page, which shows the refusal and its code and drops the fragment", async () => {
  const page = await freshPage();
  // A callback no sign-in of this browser started (as a forged or stale link would be): the Worker sends the browser back.
  await page.goto(`${base}/auth/social/dev/callback?code=forged&state=${"x".repeat(43)}`);
  await page.locator("html[data-plugins]").waitFor({ state: "attached" });
  await page.locator("#error", { hasText: "(invalid_state)" }).waitFor({ state: "visible" });
  assert.match(await page.locator("#error").textContent(), /started in another browser/);
  assert.equal(new URL(page.url()).pathname, "/");
  assert.equal(new URL(page.url()).hash, "");
  await page.locator("#signed-out").waitFor({ state: "visible" });
});
