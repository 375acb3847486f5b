// `npm run test:browser`: the account sections of the page (issue 14) in real
// headless Chromium against `wrangler dev` on loopback (set-up in
// support.mjs, everything torn down at the end, the file bounded by a hard time limit):
//   - "Your sign-ins": a second login made elsewhere shows up as a row, its
//     Revoke button ends it (its tokens are refused), "Sign out everywhere
//     else" ends the rest, and the page's own login lives on;
//   - the admin dashboard: the SVG chart is drawn, one bar per day and kind,
//     and every bar's value and height match the JSON report the page
//     received; the phase-3 verdict and the session-clients table are the report's;
//     the same page shows an ordinary account no dashboard (after it showed the admin's).
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { runWrangler } from "../../scripts/lib/wrangler-dev.mjs";
import { browserRun, js, logOutOnPage, registerOnPage, root, signInOnPage } from "./support.mjs";

const SCREENSHOT = join(root, "artifacts", "account-dashboard.png");
const run = browserRun({ tag: "test:browser account", tempPrefix: "hybrid-auth-account-", hardLimitMs: 170_000 });
const { log } = run;
let page = null;
let base = null;

/** SQL against the server's local D1 (the same --persist-to folder). */
function sql(command) {
  return runWrangler(["d1", "execute", "GENERAL_DB", "--local", "--persist-to", run.persist, "--command", command], { cwd: js, timeoutMs: 60_000 });
}

before(async () => {
  const started = Date.now();
  await run.buildPage();
  // Every usage event is written at once, so the report is complete whenever it is read.
  base = await run.startWorker((port) => ({ RP_ORIGINS: `http://localhost:${port}`, USAGE_FLUSH_REQUESTS: 1 }));
  log(`wrangler dev up at ${base} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  page = await run.launchPersistentPage({ viewport: { width: 1000, height: 1400 } });
});

const user = { name: "Ada Lovelace", email: `ada-${Date.now()}@example.com`, password: "a long enough password" };

/** A login of the same user from somewhere else (another device): its tokens. */
async function loginElsewhere(userAgent) {
  const response = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": userAgent },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

const rows = () => page.locator("#sessions-body tr");

/** Reloads the page and waits until its sign-ins table is filled (it renders after "Signed in"). */
async function reloadSignedIn() {
  const listed = page.waitForResponse((r) => r.url().endsWith("/auth/sessions") && r.request().method() === "GET");
  await page.reload();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  assert.equal((await listed).status(), 200);
  await rows().first().waitFor();
}

/** The page's error box, for failure messages. */
const pageError = async () => (await page.locator("#error").isVisible()) ? await page.locator("#error").textContent() : "(no error shown)";

test("sign in on the page: the sign-ins table shows this device, marked, with no Revoke button", async () => {
  await page.goto(`${base}/`);
  await registerOnPage(page, user);
  await rows().first().waitFor();
  assert.equal(await rows().count(), 1);
  // Headless Chromium says "HeadlessChrome/… Safari/537.36": the family is chrome (lifecycle/usage.ts).
  assert.match(await rows().first().textContent(), /^chrome \(this device\)/);
  assert.equal(await rows().first().getByRole("button").count(), 0);
  assert.equal(await page.locator("#revoke-others").isVisible(), false);
});

test("a login made elsewhere appears; its Revoke button ends it, and its tokens are refused", async () => {
  const other = await loginElsewhere("curl/8.5.0");
  await reloadSignedIn();
  await rows().nth(1).waitFor();
  assert.equal(await rows().count(), 2);
  const row = page.locator("#sessions-body tr", { hasText: "curl" });
  assert.equal(await row.getByRole("button", { name: /^Revoke the sign-in from curl/ }).count(), 1);
  const deleted = page.waitForResponse((r) => r.request().method() === "DELETE" && r.url().includes("/auth/sessions/"));
  await row.getByRole("button", { name: /^Revoke/ }).click();
  assert.equal((await deleted).status(), 200);
  await page.getByText("The sign-in from curl was revoked.").waitFor();
  assert.equal(await rows().count(), 1);
  // Refused at once: its access JWT and its refresh token.
  const me = await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${other.token}` } });
  assert.equal(me.status, 401);
  const refresh = await fetch(`${base}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: other.refresh_token }),
  });
  assert.equal(refresh.status, 401);
  // The page's own login still works.
  await reloadSignedIn();
  assert.equal(await rows().count(), 1);
});

test("Sign out everywhere else ends every other login and keeps this one", async () => {
  const others = [await loginElsewhere("okhttp/4.12.0"), await loginElsewhere("Dart/3.4 (dart:io)")];
  await reloadSignedIn();
  await rows().nth(2).waitFor();
  await page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await page.getByText("2 other sign-ins were ended.").waitFor();
  assert.equal(await rows().count(), 1);
  for (const other of others) {
    const me = await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${other.token}` } });
    assert.equal(me.status, 401);
  }
  await reloadSignedIn();
  assert.equal(await rows().count(), 1);
});

test("the admin dashboard: the chart is drawn and matches the JSON report, with the phase-3 verdict and session clients", async () => {
  // Promote the user, give the report history (as earlier flushes would have),
  // and a client that still uses a session token today.
  const sessionToken = randomUUID();
  const hash = createHash("sha256").update(sessionToken).digest("hex");
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const now = Math.floor(Date.now() / 1000);
  await sql([
    `UPDATE users SET role = 'admin' WHERE email = '${user.email}'`,
    `INSERT INTO sessions (token_hash, user_id, expires_at, created_at) SELECT '${hash}', id, ${now + 3600}, ${now} FROM users WHERE email = '${user.email}'`,
    `INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES
       ('${day(-3)}', 'jwt', '', 'ua:chrome', 40, ${now - 3 * 86400}),
       ('${day(-3)}', 'session', '', 'id:legacy-ios', 12, ${now - 3 * 86400}),
       ('${day(-3)}', 'failed', 'jwt_expired', 'ua:chrome', 5, ${now - 3 * 86400}),
       ('${day(-2)}', 'jwt', '', 'ua:chrome', 70, ${now - 2 * 86400}),
       ('${day(-2)}', 'failed', 'unknown_session', 'ua:okhttp', 9, ${now - 2 * 86400}),
       ('${day(-1)}', 'jwt', '', 'ua:chrome', 55, ${now - 86400}),
       ('${day(-1)}', 'session', '', 'id:legacy-ios', 2, ${now - 86400})`,
  ].join("; "));
  for (let i = 0; i < 3; i++) {
    const me = await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${sessionToken}`, "X-Client-Id": "legacy-android" } });
    assert.equal(me.status, 200);
  }
  assert.equal((await fetch(`${base}/auth/me`, { headers: { Authorization: "Bearer nonsense" } })).status, 401);

  const usage = page.waitForResponse((r) => r.url().includes("/auth/usage") && r.status() === 200);
  await page.reload();
  const report = await (await usage).json();
  await page.locator("#dashboard").waitFor({ state: "visible" });
  await page.locator("#usage-chart svg").waitFor();

  // The report the page got: 14 days, the seeded ones as written.
  assert.equal(report.series.length, 14);
  const point = (d) => report.series.find((p) => p.day === d);
  assert.deepEqual([point(day(-3)).jwt, point(day(-3)).session, point(day(-3)).failed], [40, 12, 5]);
  assert.deepEqual([point(day(-2)).jwt, point(day(-2)).session, point(day(-2)).failed], [70, 0, 9]);
  assert.ok(point(day(0)).session >= 3 && point(day(0)).failed >= 1 && point(day(0)).jwt >= 1);

  // What is drawn: one bar per day and kind, each with the report's value and a proportional height.
  const drawn = await page.$$eval("#usage-chart svg", ([svg]) => ({
    max: Number(svg.getAttribute("data-max")),
    viewBox: svg.getAttribute("viewBox"),
    bars: [...svg.querySelectorAll("rect.bar")].map((r) => ({
      day: r.getAttribute("data-day"),
      kind: r.getAttribute("data-kind"),
      value: Number(r.getAttribute("data-value")),
      height: Number(r.getAttribute("height")),
      box: r.getBoundingClientRect().height,
    })),
  }));
  assert.equal(drawn.bars.length, 14 * 3);
  const expectedMax = Math.max(...report.series.flatMap((p) => [p.jwt, p.session, p.failed]));
  assert.equal(drawn.max, expectedMax);
  const plotHeight = 240 - 16 - 36;
  for (const bar of drawn.bars) {
    const expected = report.series.find((p) => p.day === bar.day)[bar.kind];
    assert.equal(bar.value, expected, `${bar.day} ${bar.kind}`);
    assert.ok(Math.abs(bar.height - (expected / expectedMax) * plotHeight) < 0.01, `${bar.day} ${bar.kind} height ${bar.height}`);
  }
  // Really drawn, not just present: the tallest bar has a visible height on screen, an empty day none.
  const tallest = drawn.bars.find((b) => b.value === expectedMax);
  assert.ok(tallest.box > 50, `tallest bar is ${tallest.box}px`);
  assert.ok(drawn.bars.filter((b) => b.value === 0).every((b) => b.box === 0));
  // Days in order, oldest first.
  const days = [...new Set(drawn.bars.map((b) => b.day))];
  assert.deepEqual(days, report.series.map((p) => p.day));

  // The phase-3 verdict, plainly: session tokens were used today, so not ready.
  assert.equal(report.phase3.ready, false);
  assert.equal(await page.locator("#phase3-statement").textContent(), report.phase3.statement);
  assert.match(report.phase3.statement, /^Not ready for phase 3/);
  // The clients still on session tokens, as in the report.
  const clientRows = await page.$$eval("#session-clients-body tr", (trs) => trs.map((tr) => [...tr.cells].slice(0, 2).map((td) => td.textContent)));
  assert.deepEqual(clientRows, report.session_clients.map((c) => [c.client, String(c.count)]));
  assert.ok(clientRows.some(([client, count]) => client === "id:legacy-android" && Number(count) >= 3));
  assert.ok(clientRows.some(([client, count]) => client === "id:legacy-ios" && count === "14"));

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.locator("#dashboard").screenshot({ path: SCREENSHOT });
  log(`screenshot: ${SCREENSHOT}`);
});

test("a non-admin sees no dashboard: on the same page build an admin's renders, then an ordinary account's stays hidden (403 from /auth/usage)", async () => {
  // The admin first, so this test fails if the dashboard never renders at all.
  const adminUsage = page.waitForResponse((r) => r.url().includes("/auth/usage"));
  await page.reload();
  assert.equal((await adminUsage).status(), 200);
  await page.locator("#dashboard").waitFor({ state: "visible" });
  assert.ok((await page.locator("#usage-chart svg rect.bar").count()) > 0, "the admin's chart has bars");

  // Then an account that was never promoted, on the same page (its sign-in replaces the admin's).
  await logOutOnPage(page);
  const plain = { name: "Charles Babbage", email: `charles-${Date.now()}@example.com`, password: "another long enough password" };
  const plainUsage = page.waitForResponse((r) => r.url().includes("/auth/usage"));
  await registerOnPage(page, plain);
  const refused = await plainUsage;
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, "forbidden");
  // The page said its last words after render() (and so the dashboard step) finished.
  await page.getByText("Account created. You are signed in.").waitFor();
  assert.equal(await page.locator("#me-email").textContent(), plain.email);
  assert.equal(await page.locator("#dashboard").isVisible(), false);
  assert.equal(await page.locator("#dashboard").getAttribute("hidden"), "");

  // Back to the admin's account for the tests below.
  await logOutOnPage(page);
  await signInOnPage(page, user);
  await page.getByText("Signed in with your password.").waitFor();
});

test("change password on the page: the other logins end, the new password signs in", async () => {
  const other = await loginElsewhere("curl/8.5.0");
  await reloadSignedIn();
  const others = (await rows().count()) - 1;
  const form = page.locator("#change-password-form");
  await form.getByLabel("Current password").fill(user.password);
  await form.getByLabel("New password").fill("an even longer password");
  const changed = page.waitForResponse((r) => r.url().endsWith("/auth/change-password"));
  await form.getByRole("button", { name: "Change password" }).click();
  const answer = await changed;
  assert.equal(answer.status(), 200, await answer.text());
  // Every other login ends: the one above, and the session-token client of the dashboard test.
  assert.equal(others, 2);
  await page.getByText("Password changed. 2 other sign-ins were ended.").waitFor().catch(async (err) => {
    throw new Error(`${err.message}\npage error: ${await pageError()}; status: ${await page.locator("#status").textContent()}`);
  });
  const me = await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${other.token}` } });
  assert.equal(me.status, 401);
  assert.equal(await rows().count(), 1);
  user.password = "an even longer password";
  await loginElsewhere("curl/8.5.0");
});
