// Browser apps (issue 15) in real headless Chromium: CORS from a second local
// origin, cookie mode with its CSRF defence, and two tabs refreshing at once.
//
// Origins (cookies are per host, not per port; "site" is scheme + host):
//   - the Worker:          http://localhost:<worker>  (`wrangler dev`, fresh D1)
//   - the app:             http://localhost:<app>     CORS_ORIGINS allows it; same site as the Worker
//   - a sibling attacker:  http://localhost:<evil>    same site (SameSite cookies ARE sent), not allowed
//   - a cross-site one:    http://127.0.0.1:<evil>    another site (SameSite=Strict cookies are not sent)
// The app and attacker pages are served by a tiny static server started here
// on 127.0.0.1; the pages do raw fetch() / a real <form> post, evaluated in the
// page, except the last tests, which load the built typed client (dist/client.js,
// `hybrid-auth/client`) from the app server and drive it in two tabs.
// On http://localhost the refresh cookie is the documented dev fallback
// `hybrid-auth-refresh` (no Secure, no __Host- prefix).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { HOST } from "../../scripts/lib/wrangler-dev.mjs";
import { browserRun } from "./support.mjs";

const COOKIE = "hybrid-auth-refresh";
const PASSWORD = "a long enough password";

const run = browserRun({ tag: "test:browser-apps", tempPrefix: "hybrid-auth-browser-apps-", hardLimitMs: 170_000 });
const { log } = run;
let appServer = null;
let evilServer = null;
let context = null;
let api = null; // http://localhost:<worker>
let app = null; // http://localhost:<app>
let evilPort = null;

/** The typed client as the package ships it (built by scripts/build-lib.mjs before the suites run). */
const CLIENT_JS = fileURLToPath(new URL("../../dist/client.js", import.meta.url));

/**
 * A static server on 127.0.0.1 that answers every path with one empty page (the tests
 * script it), and /client.js with the built client when `withClient`; closed at the end.
 */
async function startStaticServer(title, { withClient = false } = {}) {
  const server = createServer((req, res) => {
    if (withClient && req.url === "/client.js") {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" });
      res.end(readFileSync(CLIENT_JS));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><p>${title}</p></html>`);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, resolve);
  });
  run.onCleanup(() => new Promise((r) => server.close(r)));
  return server;
}

before(async () => {
  const started = Date.now();
  appServer = await startStaticServer("app on a second origin", { withClient: true });
  evilServer = await startStaticServer("attacker");
  app = `http://localhost:${appServer.address().port}`;
  evilPort = evilServer.address().port;
  api = await run.startWorker(() => ({ CORS_ORIGINS: app, REFRESH_COOKIE: "strict", ACCESS_TOKEN_TTL: 900 }));
  log(`wrangler dev up at ${api} (app ${app}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const browser = await run.launchBrowser({
    // Two tabs must run their timers at the same pace (see the two-tab tests).
    args: ["--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
  });
  context = await browser.newContext();
  context.setDefaultTimeout(15_000);
});

async function openApp(url = `${app}/`) {
  const page = await context.newPage();
  run.watchPage(page);
  await page.goto(url);
  return page;
}

/**
 * Runs in the page: one request to the Worker, as a browser app would send it.
 * Returns {status, body} or {networkError} when the browser blocks it (CORS).
 */
async function pageFetch(page, path, { method = "POST", json, token, cookie = false } = {}) {
  return page.evaluate(async ({ url, method, json, token, cookie }) => {
    const headers = {};
    if (json !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    if (cookie) headers["X-Requested-With"] = "hybrid-auth";
    try {
      const response = await fetch(url, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), credentials: cookie ? "include" : "same-origin" });
      return { status: response.status, body: await response.json() };
    } catch (err) {
      return { networkError: String(err) };
    }
  }, { url: `${api}${path}`, method, json, token, cookie });
}

async function registerUser(page, prefix) {
  const email = `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const registered = await pageFetch(page, "/auth/register", { json: { email, password: PASSWORD, name: "Ada" } });
  assert.equal(registered.status, 201, JSON.stringify(registered));
  return email;
}

async function refreshCookieInJar() {
  return (await context.cookies(api)).find((c) => c.name === COOKIE) ?? null;
}

test("bearer mode through CORS: register, login, /me and refresh from the second origin; an unlisted origin is blocked", async () => {
  const page = await openApp();
  const email = await registerUser(page, "bearer");
  const login = await pageFetch(page, "/auth/login", { json: { email, password: PASSWORD } });
  assert.equal(login.status, 200, JSON.stringify(login));
  assert.match(login.body.refresh_token, /^[A-Za-z0-9_-]{43}$/);
  const me = await pageFetch(page, "/auth/me", { method: "GET", token: login.body.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, email);
  const refreshed = await pageFetch(page, "/auth/refresh", { json: { refresh_token: login.body.refresh_token } });
  assert.equal(refreshed.status, 200);
  assert.notEqual(refreshed.body.refresh_token, login.body.refresh_token);
  // An error answer is readable too (the CORS headers are on errors as well).
  const denied = await pageFetch(page, "/auth/me", { method: "GET" });
  assert.equal(denied.status, 401);
  assert.equal(denied.body.error.code, "missing_token");
  assert.equal(await refreshCookieInJar(), null, "bearer mode sets no cookie");

  // The same calls from an origin that is not on the list: the browser refuses them.
  const stranger = await openApp(`http://127.0.0.1:${appServer.address().port}/`);
  const blockedLogin = await pageFetch(stranger, "/auth/login", { json: { email, password: PASSWORD } });
  assert.ok(blockedLogin.networkError, `expected a CORS failure, got ${JSON.stringify(blockedLogin)}`);
  const blockedMe = await pageFetch(stranger, "/auth/me", { method: "GET", token: refreshed.body.token });
  assert.ok(blockedMe.networkError, `expected a CORS failure, got ${JSON.stringify(blockedMe)}`);
  await stranger.close();
  await page.close();
});

test("cookie mode through CORS: the refresh token lives in an HttpOnly cookie that document.cookie cannot see", async () => {
  const page = await openApp();
  const email = await registerUser(page, "cookie");
  const login = await pageFetch(page, "/auth/login", { json: { email, password: PASSWORD, refresh: "cookie" }, cookie: true });
  assert.equal(login.status, 200, JSON.stringify(login));
  assert.equal(login.body.refresh, "cookie");
  assert.equal(login.body.refresh_token, undefined);
  const jar = await refreshCookieInJar();
  assert.ok(jar, "the browser stored the refresh cookie");
  assert.equal(jar.httpOnly, true);
  assert.equal(jar.sameSite, "Strict");
  assert.equal(jar.path, "/");
  assert.match(jar.value, /^[A-Za-z0-9_-]{43}$/);

  // Cookies are per host, not per port: a script on the app's page (same host)
  // or on the Worker's own page would see the cookie if it were not HttpOnly.
  assert.doesNotMatch(await page.evaluate(() => document.cookie), new RegExp(COOKIE));
  const own = await context.newPage();
  await own.goto(`${api}/`);
  assert.doesNotMatch(await own.evaluate(() => document.cookie), new RegExp(COOKIE));
  await own.close();

  // The access token is in memory; /refresh reads the cookie, rotates and re-sets it.
  assert.equal((await pageFetch(page, "/auth/me", { method: "GET", token: login.body.token })).status, 200);
  const refreshed = await pageFetch(page, "/auth/refresh", { json: {}, cookie: true });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed));
  assert.equal(refreshed.body.refresh_token, undefined);
  const rotated = await refreshCookieInJar();
  assert.notEqual(rotated.value, jar.value);
  assert.equal((await pageFetch(page, "/auth/me", { method: "GET", token: refreshed.body.token })).status, 200);

  // Without the custom header the cookie is not honoured.
  const noHeader = await page.evaluate(async (url) => {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}", credentials: "include" });
    return { status: r.status, body: await r.json() };
  }, `${api}/auth/refresh`);
  assert.equal(noHeader.status, 403);
  assert.equal(noHeader.body.error.code, "csrf_header_missing");

  // Logout clears it.
  const logout = await pageFetch(page, "/auth/logout", { token: refreshed.body.token, cookie: true });
  assert.equal(logout.status, 200);
  assert.equal(await refreshCookieInJar(), null, "logout deleted the cookie");
  await page.close();
});

test("a cross-site (and a same-site sibling) form POST to /auth/refresh is refused and rotates nothing", async () => {
  const page = await openApp();
  const email = await registerUser(page, "csrf");
  const login = await pageFetch(page, "/auth/login", { json: { email, password: PASSWORD, refresh: "cookie" }, cookie: true });
  assert.equal(login.status, 200);
  const before = await refreshCookieInJar();

  /** An attacker page submits a real HTML form (urlencoded, no custom header) to the Worker. */
  async function formPost(attackerOrigin) {
    const attacker = await openApp(`${attackerOrigin}/`);
    const answer = attacker.waitForResponse((r) => r.url() === `${api}/auth/refresh`);
    await attacker.evaluate((action) => {
      const form = document.createElement("form");
      form.method = "POST";
      form.action = action;
      const field = document.createElement("input");
      field.name = "refresh_token";
      field.value = "x";
      form.append(field);
      document.body.append(form);
      form.submit();
    }, `${api}/auth/refresh`);
    const response = await answer;
    const result = { status: response.status(), body: await response.json(), cookieSent: /hybrid-auth-refresh=/.test((await response.request().allHeaders()).cookie ?? "") };
    await attacker.close();
    return result;
  }

  // Same site as the Worker (another port of localhost): SameSite lets the cookie go, the CSRF check stops it.
  const sibling = await formPost(`http://localhost:${evilPort}`);
  assert.equal(sibling.cookieSent, true, "SameSite does not stop a same-site sibling: the cookie went with the form");
  assert.equal(sibling.status, 403);
  assert.equal(sibling.body.error.code, "origin_not_allowed");

  // Another site: SameSite=Strict keeps the cookie home, and a form body is not JSON.
  const crossSite = await formPost(`http://127.0.0.1:${evilPort}`);
  assert.equal(crossSite.cookieSent, false);
  assert.equal(crossSite.status, 415, JSON.stringify(crossSite));
  assert.equal(crossSite.body.error.code, "unsupported_media_type");

  // Nothing rotated: the same cookie is still in the jar and still refreshes.
  assert.equal((await refreshCookieInJar()).value, before.value);
  const refreshed = await pageFetch(page, "/auth/refresh", { json: {}, cookie: true });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed));
  await page.close();
});

/**
 * Runs in a tab: waits (busy) until `at`, so two tabs fire together, then
 * refreshes; on 409 refresh_token_rotated (another tab rotated the same token
 * a moment ago) it waits for the newer token and retries, as a client must.
 * Cookie mode: the newer cookie is already in the shared jar, so it retries.
 * Bearer mode: the newer refresh token appears in localStorage (the tabs'
 * shared store), written by the tab that won.
 */
async function refreshInTab(page, at, mode) {
  return page.evaluate(async ({ url, at, mode }) => {
    const statuses = [];
    while (Date.now() < at) {
      // spin: setTimeout in a background tab may be late
    }
    for (let attempt = 0; attempt < 8; attempt++) {
      const used = mode === "bearer" ? localStorage.getItem("refresh_token") : null;
      const response = await fetch(url, {
        method: "POST",
        headers: mode === "cookie" ? { "Content-Type": "application/json", "X-Requested-With": "hybrid-auth" } : { "Content-Type": "application/json" },
        body: JSON.stringify(mode === "cookie" ? {} : { refresh_token: used }),
        credentials: mode === "cookie" ? "include" : "same-origin",
      });
      const body = await response.json();
      statuses.push(response.status);
      if (response.status === 200) {
        if (mode === "bearer") localStorage.setItem("refresh_token", body.refresh_token);
        return { token: body.token, statuses };
      }
      if (response.status !== 409 || body.error.code !== "refresh_token_rotated") return { error: body.error, statuses };
      const deadline = Date.now() + 3000;
      if (mode === "bearer") {
        while (localStorage.getItem("refresh_token") === used && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      } else {
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    return { error: { code: "gave_up" }, statuses };
  }, { url: `${api}/auth/refresh`, at, mode });
}

for (const mode of ["cookie", "bearer"]) {
  test(`two tabs that refresh at the same moment both stay logged in (${mode} mode)`, async () => {
    const tabA = await openApp();
    const tabB = await openApp();
    const email = await registerUser(tabA, `tabs-${mode}`);
    const login = await pageFetch(tabA, "/auth/login", { json: { email, password: PASSWORD, ...(mode === "cookie" ? { refresh: "cookie" } : {}) }, cookie: mode === "cookie" });
    assert.equal(login.status, 200, JSON.stringify(login));
    if (mode === "bearer") await tabA.evaluate((token) => localStorage.setItem("refresh_token", token), login.body.refresh_token);
    let conflicts = 0;
    for (let round = 0; round < 3; round++) {
      const at = Date.now() + 300;
      const [a, b] = await Promise.all([refreshInTab(tabA, at, mode), refreshInTab(tabB, at, mode)]);
      assert.ok(a.token, `tab A, round ${round}: ${JSON.stringify(a)}`);
      assert.ok(b.token, `tab B, round ${round}: ${JSON.stringify(b)}`);
      conflicts += [...a.statuses, ...b.statuses].filter((s) => s === 409).length;
      // Both tabs are logged in: each one's access token works.
      assert.equal((await pageFetch(tabA, "/auth/me", { method: "GET", token: a.token })).status, 200);
      assert.equal((await pageFetch(tabB, "/auth/me", { method: "GET", token: b.token })).status, 200);
    }
    // And both can still refresh afterwards (nothing was revoked as a reuse).
    assert.ok((await refreshInTab(tabA, 0, mode)).token);
    assert.ok((await refreshInTab(tabB, 0, mode)).token);
    log(`${mode} mode: ${conflicts} refresh(es) answered 409 refresh_token_rotated over 3 simultaneous rounds`);
    await tabA.close();
    await tabB.close();
  });
}

/** Runs in a tab: imports the built client from the app server and keeps one instance on window. */
async function installClient(page, mode) {
  await page.evaluate(async ({ baseUrl, mode }) => {
    const { createClient, webStorage } = await import("/client.js");
    window.__client = createClient({
      baseUrl,
      mode,
      // Bearer mode: the tabs share localStorage (the client's own store); cookie mode keeps the access token in memory.
      ...(mode === "bearer" ? { storage: webStorage(localStorage, `hybrid-auth.tokens.${mode}`) } : {}),
      channel: `hybrid-auth-test-${mode}`,
    });
  }, { baseUrl: `${api}/auth`, mode });
}

/** Runs in a tab: waits until `at`, then one client.refresh(); {token} or {error}. */
function clientRefreshAt(page, at) {
  return page.evaluate(async (at) => {
    while (Date.now() < at) {
      // spin, as refreshInTab does
    }
    try {
      const tokens = await window.__client.refresh();
      return { token: tokens.token };
    } catch (err) {
      return { error: { status: err.status, code: err.code } };
    }
  }, at);
}

/** Runs in a tab: the client's /me, or its error code. */
function clientMe(page) {
  return page.evaluate(async () => {
    try {
      return { email: (await window.__client.me()).user.email };
    } catch (err) {
      return { error: err.code };
    }
  });
}

for (const mode of ["cookie", "bearer"]) {
  test(`the typed client in two tabs (${mode} mode): a login reaches both, simultaneous refreshes keep both signed in, a logout signs both out`, async () => {
    const tabA = await openApp();
    const tabB = await openApp();
    const email = await registerUser(tabA, `client-${mode}`);
    await installClient(tabA, mode);
    await installClient(tabB, mode);

    await tabA.evaluate(({ email, password }) => window.__client.login({ email, password }), { email, password: PASSWORD });
    // Tab B never logged in: the tokens came over the BroadcastChannel (or the shared store).
    await tabB.waitForFunction(() => window.__client.tokens() !== null);
    assert.deepEqual(await clientMe(tabB), { email });
    if (mode === "cookie") {
      assert.ok(await refreshCookieInJar(), "cookie mode: the refresh token is in the HttpOnly cookie");
      assert.equal(await tabB.evaluate(() => window.__client.tokens().refreshToken), undefined, "and not in the page");
    }

    for (let round = 0; round < 3; round++) {
      const at = Date.now() + 300;
      const [a, b] = await Promise.all([clientRefreshAt(tabA, at), clientRefreshAt(tabB, at)]);
      // Both calls resolve with a token: one rotated it, the other (409 refresh_token_rotated) adopted it.
      assert.ok(a.token, `tab A, round ${round}: ${JSON.stringify(a)}`);
      assert.ok(b.token, `tab B, round ${round}: ${JSON.stringify(b)}`);
      assert.deepEqual(await clientMe(tabA), { email }, `tab A /me after round ${round}`);
      assert.deepEqual(await clientMe(tabB), { email }, `tab B /me after round ${round}`);
    }

    await tabB.evaluate(() => window.__client.logout());
    await tabA.waitForFunction(() => window.__client.tokens() === null);
    // Signed out in both modes; in cookie mode the client tried the (cleared) cookie first.
    assert.deepEqual(await clientMe(tabA), { error: "missing_token" });
    if (mode === "cookie") assert.equal(await refreshCookieInJar(), null, "logout cleared the refresh cookie");
    await tabA.close();
    await tabB.close();
  });
}
