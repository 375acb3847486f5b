// `npm run test:browser`: the password-reset flow of the page (issue 14 §3) in
// real headless Chromium, against `wrangler dev` on loopback with the dev
// mailbox on (DEV_MAILBOX=on, passed with --var: the development sender that
// logs each email and shows it at /auth/dev/mailbox). Driven like a person:
// request a reset on the page → open the dev mailbox → click the link in the
// email → set a new password → sign in with it. Bounded by HARD_LIMIT_MS; a
// throwaway D1 and browser profile, removed at the end.
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
const HARD_LIMIT_MS = 150_000;
const SCREENSHOT = join(root, "artifacts", "password-reset.png");

const temp = mkdtempSync(join(tmpdir(), "hybrid-auth-reset-"));
const persist = join(temp, "d1");
const profile = join(temp, "chromium-profile");
let server = null;
let context = null;
let page = null;
let base = null;

const log = (message) => console.log(`[test:browser reset] ${message}`);

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try {
    await context?.close();
  } catch {
    // the browser may already be gone
  }
  const current = server;
  server = null;
  await current?.stop();
  rmSync(temp, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`[test:browser reset] hard limit of ${HARD_LIMIT_MS / 1000} s reached; stopping`);
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

before(async () => {
  await execFileAsync(process.execPath, [join(js, "src", "page", "build.mjs")], { cwd: js });
  await migrateLocalD1({ cwd: js, persistTo: persist });
  server = await startWranglerDev({
    cwd: js,
    args: (port) => ["--persist-to", persist, "--log-level", "warn",
      "--var", `JWT_SECRET:${randomBytes(32).toString("base64url")}`,
      "--var", `RP_ORIGINS:http://localhost:${port}`,
      "--var", "DEV_MAILBOX:on"],
  });
  base = `http://localhost:${server.port}`;
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
});

after(cleanup);

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
  const form = page.locator("#login-form");
  await form.getByLabel("Email").fill(user.email);
  await form.getByLabel("Password").fill(user.next);
  await form.getByRole("button", { name: "Sign in with password" }).click();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  assert.equal(await page.locator("#me-email").textContent(), user.email);
  // The reset link reached the mailbox, so the address counts as verified.
  assert.equal(await page.locator("#me-email-verified").textContent(), "yes");
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // The same link again: refused, and the page says why.
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.locator("#signed-out").waitFor({ state: "visible" });
  await page.goto(href);
  await page.locator("#reset-form").getByLabel("New password").fill("yet another password 1");
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.getByRole("alert").filter({ hasText: "email_token_used" }).waitFor();
});
