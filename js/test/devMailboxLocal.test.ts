/**
 * Issue 19 §7: the dev mailbox and where links point.
 *  - links come from appUrl (APP_URL: https, or http only on loopback); without
 *    one, from the request's origin only when it is loopback, else the email
 *    routes answer 503 app_url_required;
 *  - the dev mailbox runs only in a local runtime: not for a request that came
 *    through Cloudflare's edge (CF-Ray), and it lists only to a loopback host;
 *    a dev mailbox with a public APP_URL is a configuration error;
 *  - no token or link is ever logged.
 * Each test failed on the code before the fix.
 */
import { mailboxOf } from "../src/email/devMailbox";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { PASSWORD, auth, call, errorOf, loginUser, randomClientIp, registerUser, uniqueEmail } from "./helpers";
import { count, linkToken, mailEnv, mailTo } from "./emailHelpers";

afterEach(() => vi.restoreAllMocks());

/** One request to the Worker at `origin` (helpers.call always uses https://auth.test). */
async function at(origin: string, method: string, path: string, e: Env, json?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const h = new Headers({ "CF-Connecting-IP": randomClientIp(), ...headers });
  if (json !== undefined) h.set("Content-Type", "application/json");
  const request = new Request(`${origin}${path}`, { method, headers: h, body: json === undefined ? null : JSON.stringify(json) });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The dev mailbox with no APP_URL: links may only come from a loopback request. */
const noAppUrl = (overrides: Partial<Env> = {}) => mailEnv({ APP_URL: "", ...overrides });

describe("where links point", () => {
  it("without APP_URL: a request to a public host is 503 app_url_required and sends nothing; a loopback request gets links to its own origin", async () => {
    const user = await registerUser(mailEnv());
    const remote = await at("https://auth.example.com", "POST", "/auth/password/reset/request", noAppUrl(), { email: user.email });
    expect(remote.status).toBe(503);
    expect((await errorOf(remote)).code).toBe("app_url_required");
    // A forged Host is what makes this matter: the link must not follow it.
    const forged = await at("https://attacker.example", "POST", "/auth/password/reset/request", noAppUrl(), { email: user.email });
    expect(forged.status).toBe(503);
    expect(mailTo(user.email)).toEqual([]);

    const local = await at("http://localhost:8787", "POST", "/auth/password/reset/request", noAppUrl(), { email: user.email });
    expect(local.status).toBe(202);
    expect(mailTo(user.email)[0]?.text).toMatch(/^http:\/\/localhost:8787\/#reset=[A-Za-z0-9_-]{43}$/m);
  });

  it("without APP_URL, register (verification on) and a change of address are refused the same way before anything is written", async () => {
    const email = uniqueEmail("no-app-url");
    const registered = await at("https://auth.example.com", "POST", "/auth/register", noAppUrl({ REQUIRE_EMAIL_VERIFICATION: "on" }), { email, password: PASSWORD, name: "Ada" });
    expect(registered.status).toBe(503);
    expect((await errorOf(registered)).code).toBe("app_url_required");
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?1", email)).toBe(0);

    const user = await registerUser(mailEnv());
    const { token } = await loginUser(mailEnv(), user.email);
    const next = uniqueEmail("next");
    const change = await at("https://auth.example.com", "POST", "/auth/email/change", noAppUrl(), { email: next }, { Authorization: `Bearer ${token}` });
    expect(change.status).toBe(503);
    expect((await errorOf(change)).code).toBe("app_url_required");
    expect(mailTo(next)).toEqual([]);
  });

  it("APP_URL must be https, or http only on a loopback host; a dev mailbox with a public APP_URL is refused", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const resend = { RESEND_API_KEY: "re_test_0123456789", EMAIL_FROM: "a <a@example.com>", DEV_MAILBOX: "off" };
    const plainHttp = await call("POST", "/auth/password/reset/request", { env: mailEnv({ ...resend, APP_URL: "http://app.example.com/" }), json: { email: uniqueEmail() } });
    expect(plainHttp.status).toBe(503);
    expect((await errorOf(plainHttp)).code).toBe("misconfigured");
    const devPublic = await call("POST", "/auth/password/reset/request", { env: mailEnv({ APP_URL: "https://app.example.com/" }), json: { email: uniqueEmail() } });
    expect(devPublic.status).toBe(503);
    expect((await errorOf(devPublic)).code).toBe("misconfigured");
    errors.mockRestore();
    // Loopback http is fine (a development server), and so is https.
    for (const url of ["http://localhost:8787/", "http://127.0.0.1:8787/", "http://[::1]:8787/"]) {
      expect((await call("POST", "/auth/password/reset/request", { env: mailEnv({ APP_URL: url }), json: { email: uniqueEmail() } })).status, url).toBe(202);
    }
  });
});

describe("the dev mailbox runs only in a local runtime", () => {
  it("a request that came through Cloudflare's edge (CF-Ray) gets no mailbox: 404 on a loopback Host, and no dev-mailbox sending (503 email_not_configured)", async () => {
    const user = await registerUser(mailEnv());
    expect((await call("POST", "/auth/password/reset/request", { env: mailEnv(), json: { email: user.email } })).status).toBe(202);
    const edge = { "CF-Ray": "8f1c2d3e4a5b6c7d-AMS" };
    const listed = await at("http://localhost:8787", "GET", "/auth/dev/mailbox?format=json", mailEnv(), undefined, edge);
    expect(listed.status).toBe(404);
    expect((await errorOf(listed)).code).toBe("not_found");
    // The same request without CF-Ray, as `wrangler dev` delivers it, is served.
    expect((await at("http://localhost:8787", "GET", "/auth/dev/mailbox?format=json", mailEnv())).status).toBe(200);

    const before = mailTo(user.email).length;
    const viaEdge = await call("POST", "/auth/password/reset/request", { env: mailEnv(), json: { email: user.email }, headers: { "Content-Type": "application/json", ...edge } });
    expect(viaEdge.status).toBe(503);
    expect((await errorOf(viaEdge)).code).toBe("email_not_configured");
    expect(mailTo(user.email)).toHaveLength(before);
  });

  it("never lists to a non-loopback host, even when on", async () => {
    expect((await at("https://auth.example.com", "GET", "/auth/dev/mailbox", mailEnv())).status).toBe(404);
  });
});

describe("no token or link is ever logged", () => {
  it("reset, verification and change-of-address emails through the dev mailbox: no console output carries a link or a token", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" ")));
    }
    const e = mailEnv({ REQUIRE_EMAIL_VERIFICATION: "on" });
    const email = uniqueEmail("quiet");
    expect((await call("POST", "/auth/register", { env: e, json: { email, password: PASSWORD, name: "Q" } })).status).toBe(202);
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email } })).status).toBe(202);
    const { token } = await loginUser(e, email);
    const next = uniqueEmail("quiet-next");
    expect((await call("POST", "/auth/email/change", { env: e, token, json: { email: next } })).status).toBe(202);
    const tokens = [linkToken(email, "verify-email"), linkToken(email, "reset"), linkToken(next, "confirm-email")];
    expect(mailboxOf(auth.state).list().length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0); // the mailbox does say that something arrived
    const logged = lines.join("\n");
    for (const t of tokens) expect(logged).not.toContain(t);
    expect(logged).not.toMatch(/#(reset|verify-email|confirm-email)=/);
    expect(logged).not.toContain("http://localhost:8787/");
  });
});
