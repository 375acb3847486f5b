// `npm run test:browser`: the demo page's second factor (issue 21, the totp
// plugin). One user, on a fresh `wrangler dev` (support.mjs): registers and is
// signed in by the page, sets up two-factor authentication from the account
// section (the secret is read off the page, the code computed here, RFC 6238,
// independently of the server's code), sees the 10 recovery codes, signs out,
// and signs in with the password: the page asks for the code and the login
// finishes. The file is bounded by a hard time limit.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import jsQR from "jsqr";
import { browserRun, logOutOnPage, registerOnPage } from "./support.mjs";

const run = browserRun({ tag: "test:browser totp", tempPrefix: "hybrid-auth-page-totp-", hardLimitMs: 170_000 });
let page = null;
/** Set by the set-up test, used by the re-authentication one: the secret and the last time step a code was spent in. */
let secret = null;
let usedStep = null;
/** The sudo window, short so a change after it asks the page's re-authentication box (as in sudoPage.test.mjs). */
const REAUTH = 8;

const user = { name: "Ada Lovelace", email: `ada-totp-${Date.now()}@example.com`, password: "a long enough password" };
const STEP_SECONDS = 30;

before(async () => {
  await run.buildPage();
  const base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, REAUTH_MAX_AGE_SECONDS: REAUTH }));
  page = await run.launchPersistentPage({ viewport: { width: 1000, height: 1400 } });
  await page.goto(`${base}/`);
  await page.locator("html[data-plugins]").waitFor({ state: "attached" });
});

/** RFC 4648 base32 (no padding) → bytes. */
function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    assert.notEqual(index, -1, `base32 character ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (RFC 4226's HOTP of the time step): HMAC-SHA1, dynamic truncation, 6 digits. */
function totpCode(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, "0");
}

const currentStep = () => Math.floor(Date.now() / 1000 / STEP_SECONDS);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (at most one step, 30 s) until the time step is past `step`. */
async function nextStepAfter(step) {
  while (currentStep() <= step) await sleep(500);
}

test("RFC 6238's SHA-1 test vector: the test's own code generator is right", () => {
  // RFC 6238 appendix B: secret "12345678901234567890" (ASCII), T = 59 s → 94287082 (8 digits); the 6-digit code is its last 6.
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  assert.equal(totpCode(secret, Math.floor(59 / 30)), "287082");
  assert.equal(totpCode(secret, Math.floor(1111111109 / 30)), "081804");
});

test("set up 2FA on the page (secret, otpauth:// URI and a QR code of it shown, code confirmed, 10 recovery codes), then a password sign-in asks for the code and finishes with it", async () => {
  await registerOnPage(page, user);
  const section = page.locator("section:has(> #totp-heading)");
  await section.getByText("Off: your password alone signs you in.").waitFor();

  await section.getByRole("button", { name: "Set up" }).click();
  await page.locator("#totp-enrol").waitFor({ state: "visible" });
  const shown = (await page.locator("#totp-secret").textContent()).trim();
  assert.match(shown, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, "the secret is shown in groups of four");
  secret = shown.replaceAll(" ", "");
  const uri = await page.locator("#totp-uri").getAttribute("href");
  assert.equal(new URL(uri).protocol, "otpauth:");
  assert.equal(new URL(uri).searchParams.get("secret"), secret, "the link's secret is the one shown");
  assert.equal(await page.locator("#totp-uri").textContent(), uri);
  assert.equal(await page.locator("#totp-qr").isVisible(), true, "a QR code is shown beside the key");

  const enrolStep = currentStep();
  await page.locator("#totp-confirm-code").fill(totpCode(secret, enrolStep));
  await page.locator("#totp-confirm-form").getByRole("button", { name: "Turn on" }).click();
  await page.locator("#totp-codes").waitFor({ state: "visible" });
  const recovery = await page.locator("#totp-recovery-codes li").allTextContents();
  assert.equal(recovery.length, 10, "10 recovery codes are shown");
  assert.equal(new Set(recovery).size, 10, "all different");
  assert.match(await page.locator("#totp-status").textContent(), /^On: .* 10 recovery codes left\.$/);
  assert.equal(await page.locator("#totp-enrol").isVisible(), false, "the secret is gone once confirmed");
  // The QR code shown before, read back by an independent decoder (jsQR, here in Node, on
  // the pixels the page drew the image into): it must carry exactly the URI shown. Read
  // after the confirmation (the image keeps its pixels once hidden), which had to come
  // within the short sudo window (REAUTH).
  const pixels = await page.evaluate(async () => {
    const img = /** @type {HTMLImageElement} */ (document.getElementById("totp-qr"));
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 400;
    const g = canvas.getContext("2d");
    g.imageSmoothingEnabled = false;
    g.fillStyle = "#fff";
    g.fillRect(0, 0, 400, 400);
    g.drawImage(img, 0, 0, 400, 400);
    return Array.from(g.getImageData(0, 0, 400, 400).data);
  });
  const decoded = jsQR(Uint8ClampedArray.from(pixels), 400, 400)?.data ?? null;
  assert.equal(decoded, uri, "the QR code decodes to the otpauth:// URI");
  assert.equal(await section.getByRole("button", { name: "Turn off" }).isVisible(), true);
  assert.equal(await section.getByRole("button", { name: "New recovery codes" }).isVisible(), true);

  await logOutOnPage(page);
  const form = page.locator("#login-form");
  await form.getByLabel("Email").fill(user.email);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Sign in with password" }).click();
  const prompt = page.locator("#mfa-form");
  await prompt.waitFor({ state: "visible" });
  assert.equal(await page.locator("#signed-in").isVisible(), false, "not signed in before the code");

  // The server refuses a code of a step already used (the enrolment's): wait for the next step (at most 30 s).
  await nextStepAfter(enrolStep);
  usedStep = currentStep();
  await prompt.getByLabel("Code or recovery code").fill(totpCode(secret, usedStep));
  await prompt.getByRole("button", { name: "Verify code" }).click();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  await page.getByText("Signed in with your password.").waitFor();
  assert.equal(await page.locator("#me-email").textContent(), user.email);
  assert.equal(await prompt.isVisible(), false, "the prompt is gone");
  assert.equal(await page.locator("#error").isVisible(), false, "no error on the page");
  assert.match(await page.locator("#totp-status").textContent(), /^On: /);
  assert.equal(await page.locator("#totp-codes").isVisible(), false, "the recovery codes are not shown again");
});

test("a stale login turning 2FA off: the re-authentication box asks for the password, then for the code, and the change goes ahead", async () => {
  assert.ok(secret, "the set-up test ran");
  await sleep((REAUTH + 1) * 1000);
  const section = page.locator("section:has(> #totp-heading)");
  await section.getByRole("button", { name: "Turn off" }).click();
  const box = page.locator("#reauth");
  await box.waitFor({ state: "visible" });
  await box.getByLabel("Password").fill(user.password);
  await box.getByRole("button", { name: "Confirm with password" }).click();
  const prompt = page.locator("#reauth-mfa-form");
  await prompt.waitFor({ state: "visible" });
  assert.equal(await section.getByText("Off: your password alone signs you in.").count(), 0, "nothing changed before the code");

  await nextStepAfter(usedStep);
  await prompt.getByLabel("Code from your authenticator app, or a recovery code").fill(totpCode(secret, currentStep()));
  await prompt.getByRole("button", { name: "Verify code" }).click();
  await section.getByText("Off: your password alone signs you in.").waitFor();
  await page.getByText("Two-factor authentication is off.").waitFor();
  assert.equal(await box.isVisible(), false, "the box is gone");
  assert.equal(await prompt.isVisible(), false, "the prompt is gone");
  assert.equal(await page.locator("#error").isVisible(), false, "no error on the page");
});
