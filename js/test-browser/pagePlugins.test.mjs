// `npm run test:browser`: the demo page shows only what the server offers
// (issue 20). At start the page asks GET /auth/plugins and hides the parts of
// every plugin the server does not mount (js/src/page/plugins.js). The demo
// Worker mounts all four (and maybe more), so the core-only server is played by playwright's
// page.route answering {plugins: []}; the real answer, and a failing one
// (everything shown, as before plugins), are the other cases. Each case is a
// fresh browser context on the same `wrangler dev` (set-up in support.mjs,
// torn down at the end, the file bounded by a hard time limit).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { runWrangler } from "../../scripts/lib/wrangler-dev.mjs";
import { browserRun, js, signInOnPage } from "./support.mjs";

const run = browserRun({ tag: "test:browser plugins", tempPrefix: "hybrid-auth-page-plugins-", hardLimitMs: 170_000 });
let base = null;
let browser = null;
/** The real GET /auth/plugins answer of the demo Worker. */
let served = null;

const user = { name: "Grace Hopper", email: `grace-${Date.now()}@example.com`, password: "a long enough password" };

before(async () => {
  await run.buildPage();
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}` }));
  browser = await run.launchBrowser();
  served = await (await fetch(`${base}/auth/plugins`)).json();
  const registered = await fetch(`${base}/auth/register`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(user) });
  assert.equal(registered.status, 201);
  // An admin, so the usage dashboard would show if the page asked for it.
  await runWrangler(["d1", "execute", "GENERAL_DB", "--local", "--persist-to", run.persist, "--command", `UPDATE users SET role = 'admin' WHERE email = '${user.email}'`], { cwd: js, timeoutMs: 60_000 });
});

/** Each plugin's parts of the page, as selectors: those of the signed-out view and of the signed-in one. */
const sectionTitled = (headingId) => `section:has(> #${headingId})`;
const PARTS = {
  passkeys: { signedOut: ["#passkey-login"], signedIn: [sectionTitled("passkeys-heading")] },
  email: { signedOut: [sectionTitled("forgot-heading")], signedIn: ["#resend-verification", sectionTitled("change-email-heading")] },
  sessions: { signedOut: [], signedIn: [sectionTitled("sessions-heading")] },
  usage: { signedOut: [], signedIn: ["#dashboard"] },
  totp: { signedOut: [], signedIn: [sectionTitled("totp-heading")] },
};

/** Whether each part of `view` is visible, as { "<plugin> <selector>": boolean }. */
async function visibility(page, view) {
  const seen = {};
  for (const [id, parts] of Object.entries(PARTS)) {
    for (const selector of parts[view]) {
      const found = page.locator(selector);
      assert.equal(await found.count(), 1, `${selector} is on the page`);
      seen[`${id} ${selector}`] = await found.isVisible();
    }
  }
  return seen;
}

/** { "<plugin> <selector>": shown } for every part of `view`. */
function expected(view, shown) {
  return Object.fromEntries(Object.entries(PARTS).flatMap(([id, parts]) => parts[view].map((selector) => [`${id} ${selector}`, shown])));
}

/** Whether a request (method, /auth/... path) is one of a plugin route's, as the server lists them (":id" matches one segment). */
function isPluginRoute(method, pathname) {
  return served.plugins.some((plugin) =>
    plugin.routes.some((route) => route.method === method && new RegExp(`^/auth${route.path.replace(/:[a-z]+/g, "[^/]+")}$`).test(pathname)),
  );
}

/**
 * Opens the page in a fresh context (`answer` replaces the server's GET /auth/plugins when given),
 * waits until the page applied the answer, runs `check`, and closes the context.
 */
async function withPage(answer, check) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1400 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    run.watchPage(page);
    const requests = [];
    page.on("request", (request) => requests.push({ method: request.method(), pathname: new URL(request.url()).pathname }));
    const warnings = [];
    page.on("console", (message) => {
      if (message.type() === "warning") warnings.push(message.text());
    });
    if (answer) await page.route("**/auth/plugins", (route) => route.fulfill(answer));
    await page.goto(`${base}/`);
    await page.locator("html[data-plugins]").waitFor({ state: "attached" });
    await check({ page, requests, warnings });
  } finally {
    await context.close();
  }
}

/** Signs in with the password form and waits until the page finished rendering the signed-in view. */
async function signIn(page) {
  await signInOnPage(page, user);
  await page.getByText("Signed in with your password.").waitFor();
  assert.equal(await page.locator("#me-email").textContent(), user.email);
  assert.equal(await page.locator("#error").isVisible(), false, "no error on the page");
}

test("a core-only server ({plugins: []}): the passkey, email, sessions, usage and totp parts are hidden, none of their routes is called, and password login works", async () => {
  await withPage({ status: 200, json: { plugins: [] } }, async ({ page, requests }) => {
    assert.equal(await page.locator("html").getAttribute("data-plugins"), "");
    assert.deepEqual(await visibility(page, "signedOut"), expected("signedOut", false));
    await signIn(page);
    assert.deepEqual(await visibility(page, "signedIn"), expected("signedIn", false));
    // What the core offers stays: logging out and changing the password.
    assert.equal(await page.getByRole("button", { name: "Log out", exact: true }).isVisible(), true);
    assert.equal(await page.locator("#change-password-form").isVisible(), true);
    const called = requests.filter(({ method, pathname }) => isPluginRoute(method, pathname));
    assert.deepEqual(called, [], "the page calls no route of an unmounted plugin");
  });
});

test("the real server (all its plugins mounted): every part is shown, the admin's dashboard too", async () => {
  const ids = served.plugins.map((plugin) => plugin.id);
  assert.deepEqual(Object.keys(PARTS).filter((id) => !ids.includes(id)), [], "the demo Worker mounts every plugin the page has parts for");
  await withPage(null, async ({ page }) => {
    assert.equal(await page.locator("html").getAttribute("data-plugins"), ids.join(" "));
    assert.deepEqual(await visibility(page, "signedOut"), expected("signedOut", true));
    await signIn(page);
    await page.locator("#dashboard").waitFor({ state: "visible" });
    await page.locator("#sessions-body tr").first().waitFor();
    assert.deepEqual(await visibility(page, "signedIn"), expected("signedIn", true));
  });
});

test("GET /auth/plugins fails: the page shows everything, as before plugins, and logs it once", async () => {
  await withPage({ status: 500, json: { error: { code: "internal_error", message: "down" } } }, async ({ page, warnings }) => {
    assert.equal(await page.locator("html").getAttribute("data-plugins"), "unknown");
    assert.deepEqual(await visibility(page, "signedOut"), expected("signedOut", true));
    await signIn(page);
    await page.locator("#dashboard").waitFor({ state: "visible" });
    assert.deepEqual(await visibility(page, "signedIn"), expected("signedIn", true));
    assert.equal(warnings.filter((text) => text.includes("/auth/plugins")).length, 1, `one warning: ${JSON.stringify(warnings)}`);
  });
});
