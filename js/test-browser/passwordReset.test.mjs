// `npm run test:browser`: the password-reset flow of the page (issue 14 §3) in
// real headless Chromium, against `wrangler dev` on loopback with the dev
// mailbox on (DEV_MAILBOX=on, passed with --var: the development sender that
// logs each email and shows it at /auth/dev/mailbox). Driven like a person:
// request a reset on the page → open the dev mailbox → click the link in the
// email → set a new password → sign in with it. And a verification link: the page
// it opens acts only when its button is clicked, never on load (issue 19 §1).
// Bounded by a hard time limit; a throwaway D1 and browser profile, removed at
// the end (support.mjs).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { browserRun, logOutOnPage, root, signInOnPage } from "./support.mjs";

const SCREENSHOT = join(root, "artifacts", "password-reset.png");
const run = browserRun({ tag: "test:browser reset", tempPrefix: "hybrid-auth-reset-", hardLimitMs: 150_000 });
let page = null;
let base = null;

before(async () => {
  await run.buildPage();
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, DEV_MAILBOX: "on" }));
  page = await run.launchPersistentPage({ viewport: { width: 900, height: 1000 } });
});

const user = { name: "Katherine Johnson", email: `katherine-${Date.now()}@example.com`, password: "the original password", next: "a fresh password 2024" };

const post = (path, body) => fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

test("request a reset on the page → open the dev mailbox → click the link → set a new password → sign in with it", async () => {
  assert.equal((await post("/auth/register", user)).status, 201);
  const before = await post("/auth/login", { email: user.email, password: user.password });
  assert.equal(before.status, 200);
  const oldLogin = await before.json();

  await page.goto(`${base}/`);
  const forgot = page.locator("#reset-request-form");
  await forgot.getByLabel("Email").fill(user.email);
  const answered = page.waitForResponse((r) => r.url().endsWith("/auth/password/reset/request"));
  await forgot.getByRole("button", { name: "Email me a reset link" }).click();
  assert.equal((await answered).status(), 202);
  await page.getByText("If an account uses this address").waitFor();

  // The page points at the dev mailbox; the email is there, with the link.
  await page.getByRole("link", { name: "dev mailbox" }).click();
  await page.waitForURL(`${base}/auth/dev/mailbox`);
  const message = page.locator("article.message", { hasText: user.email }).filter({ hasText: "Reset your password" });
  await message.waitFor();
  const link = message.getByRole("link", { name: /#reset=/ });
  const href = await link.getAttribute("href");
  assert.match(href ?? "", new RegExp(`^${base.replace(/[.]/g, "\\.")}/#reset=[A-Za-z0-9_-]{43}$`));
  await link.click();

  // The page opened from the link: the token left the address bar, the form is shown.
  await page.locator("#reset-section").waitFor({ state: "visible" });
  assert.equal(new URL(page.url()).hash, "");
  await page.locator("#reset-form").getByLabel("New password").fill(user.next);
  const completed = page.waitForResponse((r) => r.url().endsWith("/auth/password/reset/complete"));
  await page.getByRole("button", { name: "Set new password" }).click();
  assert.equal((await completed).status(), 200);
  await page.getByText("Your password was changed").waitFor();

  // The old login is over; the old password is refused; the new one signs in on the page.
  assert.equal((await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${oldLogin.token}` } })).status, 401);
  assert.equal((await post("/auth/login", { email: user.email, password: user.password })).status, 401);
  await signInOnPage(page, { email: user.email, password: user.next });
  assert.equal(await page.locator("#me-email").textContent(), user.email);
  // The reset link reached the mailbox, so the address counts as verified.
  assert.equal(await page.locator("#me-email-verified").textContent(), "yes");
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // The same link again: refused, and the page says why.
  await logOutOnPage(page);
  await page.goto(href);
  await page.locator("#reset-form").getByLabel("New password").fill("yet another password 1");
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.getByRole("alert").filter({ hasText: "email_token_used" }).waitFor();
});

test("a verification link opens a page that waits for a click: nothing is posted on load; the click verifies and ends the earlier sign-in", async () => {
  const person = { name: "Dorothy Vaughan", email: `dorothy-${Date.now()}@example.com`, password: "the original password" };
  assert.equal((await post("/auth/register", person)).status, 201);
  const login = await (await post("/auth/login", { email: person.email, password: person.password })).json();
  const resend = await fetch(`${base}/auth/email/verify/resend`, { method: "POST", headers: { Authorization: `Bearer ${login.token}` } });
  assert.equal(resend.status, 202);
  const { messages } = await (await fetch(`${base}/auth/dev/mailbox?format=json`)).json();
  const mail = messages.find((m) => m.to === person.email && m.text.includes("#verify-email="));
  assert.ok(mail, "the verification email is in the dev mailbox");
  const link = /https?:\/\/\S+#verify-email=[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
  assert.ok(link);

  const posted = [];
  const onRequest = (request) => {
    if (new URL(request.url()).pathname === "/auth/email/verify") posted.push(request.method());
  };
  page.on("request", onRequest);
  try {
    await page.goto(link);
    const button = page.getByRole("button", { name: "Confirm this address" });
    await button.waitFor({ state: "visible" });
    // The token left the address bar, and nothing was sent: the page is loaded and idle.
    assert.equal(new URL(page.url()).hash, "");
    await page.waitForLoadState("networkidle");
    assert.deepEqual(posted, []);

    const verified = page.waitForResponse((r) => new URL(r.url()).pathname === "/auth/email/verify");
    await button.click();
    assert.equal((await verified).status(), 200);
    assert.deepEqual(posted, ["POST"]);
    await page.getByText(`Your address ${person.email} is verified`).waitFor();
    assert.equal(await button.isVisible(), false);
  } finally {
    page.off("request", onRequest);
  }
  // The first proof of the address ended the sign-in made before it.
  assert.equal((await post("/auth/refresh", { refresh_token: login.refresh_token })).status, 401);
});
