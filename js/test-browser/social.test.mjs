// `npm run test:browser`: sign-in with a provider on the demo page (issue 22), through
// real redirects: the demo Worker under `wrangler dev` (support.mjs) with the development
// OIDC provider on (DEV_SOCIAL_ISSUER, as `npm start` sets it; js/demo/devProvider.ts).
// A password user links the provider from the account page (through the provider and
// back), signs out, clicks "Sign in with Dev (local)" and lands signed in to that account
// (bearer mode, the page's). The dev provider has one user, so a newcomer's first sign-in
// (a new account) is js/test/devProvider.test.ts's. The file is bounded by a hard time limit.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { browserRun, logOutOnPage, registerOnPage } from "./support.mjs";

const run = browserRun({ tag: "test:browser social", tempPrefix: "hybrid-auth-page-social-", hardLimitMs: 170_000 });
let base = null;
let browser = null;

before(async () => {
  await run.buildPage();
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, DEV_SOCIAL_ISSUER: `http://127.0.0.1:${port}/dev-oidc` }));
  browser = await run.launchBrowser();
});

async function freshPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${base}/`);
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
