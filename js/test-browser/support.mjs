// Shared by the browser tests (js/test-browser/*.test.mjs; this file is not one, so
// `node --test` does not run it): the set-up each of them needs and its teardown.
//   - browserRun(): a throwaway folder (the local D1, the browser profile), a log tagged
//     with the file's name, and everything started through it stopped at the end, on
//     SIGINT/SIGTERM, or when the file's hard time limit is reached (then it fails);
//   - run.startWorker(): the demo Worker under `wrangler dev` on a free loopback port,
//     with a fresh D1 and a random JWT_SECRET, opened as http://localhost:<port>;
//   - run.launchPersistentPage() / run.launchBrowser(): Debian's chromium through
//     playwright-core with the flags of DEVELOPERS.md ("The browser tests");
//   - the demo page's own forms: register, sign in with a password, log out.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { migrateLocalD1, startWranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

const execFileAsync = promisify(execFile);
/** The js/ folder (the demo Worker's wrangler config) and the repository root. */
export const js = join(dirname(fileURLToPath(import.meta.url)), "..");
export const root = join(js, "..");

const CHROMIUM = "/usr/bin/chromium";
/** DEVELOPERS.md's launch flags; --no-sandbox because the tests may run as root (CI containers). */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

/**
 * One test file's run. `tag` prefixes its log lines, `tempPrefix` names its throwaway
 * folder, `hardLimitMs` bounds the whole file: if anything hangs, everything the run
 * started is stopped and the process exits 1.
 */
export function browserRun({ tag, tempPrefix, hardLimitMs }) {
  const temp = mkdtempSync(join(tmpdir(), tempPrefix));
  const persist = join(temp, "d1");
  const log = (message) => console.log(`[${tag}] ${message}`);
  let server = null;
  let browser = null; // a Browser or a persistent BrowserContext: either one's close() ends chromium
  const closers = [];

  let cleaned = false;
  async function cleanup() {
    if (cleaned) return;
    cleaned = true;
    try {
      await browser?.close();
    } catch {
      // the browser may already be gone
    }
    const current = server;
    server = null;
    await current?.stop();
    for (const close of closers) await close();
    rmSync(temp, { recursive: true, force: true });
  }

  const watchdog = setTimeout(async () => {
    console.error(`[${tag}] hard limit of ${hardLimitMs / 1000} s reached; stopping`);
    await cleanup();
    process.exit(1);
  }, hardLimitMs);
  watchdog.unref();
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, async () => {
      await cleanup();
      process.exit(130);
    });
  }
  after(cleanup);

  /** Page errors go to the log, so a failing step shows what the page's script threw. */
  const watchPage = (page) => page.on("pageerror", (err) => log(`page error: ${err.message}`));

  return {
    temp,
    persist,
    log,
    watchPage,
    /** `close` runs at the end, after the browser and the Worker have stopped. */
    onCleanup: (close) => closers.push(close),

    /** Builds the demo page's script (src/page/build.mjs → public/app.js). */
    async buildPage() {
      await execFileAsync(process.execPath, [join(js, "src", "page", "build.mjs")], { cwd: js });
    },

    /**
     * Applies the migrations to the run's D1 and starts `wrangler dev` on it; `vars(port)`
     * returns the settings passed with --var besides a random JWT_SECRET (a function of the
     * port for settings that name the Worker's own origin). Resolves with the Worker's
     * origin as the browser opens it: http://localhost:<port>, a secure context whose host
     * is the dev RP ID.
     */
    async startWorker(vars = () => ({})) {
      await migrateLocalD1({ cwd: js, persistTo: persist });
      server = await startWranglerDev({
        cwd: js,
        args: (port) => ["--persist-to", persist, "--log-level", "warn",
          "--var", `JWT_SECRET:${randomBytes(32).toString("base64url")}`,
          ...Object.entries(vars(port)).flatMap(([name, value]) => ["--var", `${name}:${value}`])],
      });
      return `http://localhost:${server.port}`;
    },

    /** Chromium with a fresh profile in the run's folder; its one page, errors logged, 15 s per step. */
    async launchPersistentPage({ viewport }) {
      const context = await chromium.launchPersistentContext(join(temp, "chromium-profile"), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport,
      });
      browser = context;
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(15_000);
      watchPage(page);
      return page;
    },

    /** Chromium without a profile, for tests that open their own contexts; `args` are added to the usual flags. */
    async launchBrowser({ args = [] } = {}) {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...args] });
      return browser;
    },
  };
}

/** Creates an account with the demo page's register form and waits until the page is signed in. */
export async function registerOnPage(page, { name, email, password }) {
  const form = page.locator("#register-form");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Create account" }).click();
  await page.locator("#signed-in").waitFor({ state: "visible" });
  // The account view shows before the register action ends; its last step writes this
  // status line. Waiting for it keeps a test's next action from being overwritten by it.
  await page.locator("#status", { hasText: "Account created." }).waitFor();
}

/** Signs in with the demo page's password form and waits until the page is signed in. */
export async function signInOnPage(page, { email, password }) {
  const form = page.locator("#login-form");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Sign in with password" }).click();
  await page.locator("#signed-in").waitFor({ state: "visible" });
}

/** Clicks the page's "Log out" and waits until it shows the signed-out forms. */
export async function logOutOnPage(page) {
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.locator("#signed-out").waitFor({ state: "visible" });
}

/** The authenticator every passkey test uses: a platform one (ctap2, internal) with resident keys and user verification. */
export const VIRTUAL_AUTHENTICATOR = {
  protocol: "ctap2",
  transport: "internal",
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};

/** Adds a CDP virtual authenticator to `cdp` (WebAuthn enabled first); returns its id. */
export async function addVirtualAuthenticator(cdp) {
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: VIRTUAL_AUTHENTICATOR });
  return authenticatorId;
}
