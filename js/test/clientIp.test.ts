/**
 * Client address trust (issue 19 §6). CF-Connecting-IP is only an address
 * where a platform sets it and overwrites the client's value: Cloudflare's
 * edge, whose requests carry `request.cf`. The option `clientIp` (CLIENT_IP)
 * says whom to believe: "cloudflare" (default: the header only on requests
 * with request.cf), "cf-connecting-ip" (always) or "none". An untrusted
 * header puts the client in the one shared bucket, so rotating it does not
 * escape a per-IP limit.
 *
 * js/vitest.config.ts sets CLIENT_IP=cf-connecting-ip for the other
 * test files (hand-built requests have no request.cf); every test here sets
 * the value it is about.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { AuthConfigError, optionsFromEnv } from "hybrid-auth/hono";
import { resolveOptions } from "../src/config";
import { PASSWORD, errorOf, jwtEnv, uniqueEmail } from "./helpers";

/** What Cloudflare's edge attaches to every request it hands a Worker (a subset). */
const EDGE_CF = { colo: "AMS", country: "NL" };
const LIMIT = 3;
/**
 * A rule no other test uses, so its buckets (shared one included) start empty: the window is
 * part of the bucket. Windows are fixed (aligned to multiples of their length), so the window
 * is also chosen with at least two minutes left in it: a test that ran across a window's end
 * would see its count restart and wait in vain for the 429.
 */
function freshRule(): string {
  for (;;) {
    const windowSeconds = 3000 + Math.floor(Math.random() * 500);
    const now = Math.floor(Date.now() / 1000);
    if (windowSeconds - (now % windowSeconds) > 120) return `${LIMIT}/${windowSeconds}`;
  }
}
/** A client address no other test uses. */
const randomIp = () => `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

/** Sends one request as a client would: with the CF-Connecting-IP it chooses, and request.cf only when `cf` is given. */
async function send(e: Env, path: string, json: unknown, ip: string, cf?: object): Promise<Response> {
  const headers = new Headers({ "Content-Type": "application/json", "CF-Connecting-IP": ip });
  const init: RequestInit = { method: "POST", headers, body: JSON.stringify(json) };
  const request = new Request(`https://auth.test${path}`, cf === undefined ? init : ({ ...init, cf } as RequestInit));
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A refresh with a token of the wrong shape: counted by refresh:ip, then 401 (no D1 lookup, no hashing). */
const refreshFrom = (e: Env, ip: string, cf?: object) => send(e, "/auth/refresh", { refresh_token: "not-a-refresh-token" }, ip, cf);
/** A failed password login for an unknown account: counted by login:ip, then 401. */
const loginFrom = (e: Env, ip: string, cf?: object) => send(e, "/auth/login", { email: uniqueEmail("ip"), password: PASSWORD }, ip, cf);

async function expectRateLimited(response: Response) {
  expect(response.status).toBe(429);
  expect((await errorOf(response)).code).toBe("rate_limited");
}

/** LIMIT attempts answer `allowed`, then the next is 429 rate_limited. */
async function driveToLimit(attempt: () => Promise<Response>, allowed: number) {
  for (let i = 0; i < LIMIT; i++) expect((await attempt()).status).toBe(allowed);
  await expectRateLimited(await attempt());
}

describe("CF-Connecting-IP is believed only where the configuration says the platform sets it", () => {
  it("a request built by hand carries request.cf only when given one (the precondition of the tests below)", () => {
    expect((new Request("https://auth.test/") as { cf?: unknown }).cf).toBeUndefined();
    expect((new Request("https://auth.test/", { cf: EDGE_CF } as RequestInit) as { cf?: { colo?: string } }).cf?.colo).toBe("AMS");
  });

  it("CLIENT_IP=none: rotating CF-Connecting-IP does not escape the per-IP refresh limit (429), even on an edge request", async () => {
    const e = jwtEnv({ CLIENT_IP: "none", RATE_LIMIT_REFRESH_IP: freshRule() });
    await driveToLimit(() => refreshFrom(e, randomIp(), EDGE_CF), 401);
  });

  it("the default (cloudflare) without request.cf: rotating the header does not escape the per-IP login limit (429)", async () => {
    // CLIENT_IP unset: the default, whatever wrangler.jsonc sets for the other files.
    const e = jwtEnv({ CLIENT_IP: undefined, RATE_LIMIT_LOGIN_IP: freshRule() });
    await driveToLimit(() => loginFrom(e, randomIp()), 401);
  });

  it("the default (cloudflare) with request.cf: distinct addresses are counted apart, and one address still reaches 429", async () => {
    const e = jwtEnv({ CLIENT_IP: undefined, RATE_LIMIT_REFRESH_IP: freshRule() });
    // Twice the limit, each from its own address: none is refused.
    for (let i = 0; i < 2 * LIMIT; i++) expect((await refreshFrom(e, randomIp(), EDGE_CF)).status).toBe(401);
    const ip = randomIp();
    await driveToLimit(() => refreshFrom(e, ip, EDGE_CF), 401);
  });

  it("the default (cloudflare) with request.cf on a loopback host (wrangler dev fakes request.cf): rotating the header does not escape (429)", async () => {
    const e = jwtEnv({ CLIENT_IP: undefined, RATE_LIMIT_REFRESH_IP: freshRule() });
    for (const host of ["http://127.0.0.1:8787", "http://localhost:8787"]) {
      const attempt = async () => {
        const init = { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp() }, body: JSON.stringify({ refresh_token: "not-a-refresh-token" }), cf: { colo: "DFW" } };
        const ctx = createExecutionContext();
        const response = await worker.fetch(new Request(`${host}/auth/refresh`, init as RequestInit), e, ctx);
        await waitOnExecutionContext(ctx);
        return response;
      };
      if (host.includes("127")) await driveToLimit(attempt, 401);
      // The same shared bucket: already full.
      else await expectRateLimited(await attempt());
    }
  });

  it("CLIENT_IP=cf-connecting-ip: the header is believed without request.cf (a proxy of yours sets it)", async () => {
    const e = jwtEnv({ CLIENT_IP: "cf-connecting-ip", RATE_LIMIT_LOGIN_IP: freshRule() });
    for (let i = 0; i < 2 * LIMIT; i++) expect((await loginFrom(e, randomIp())).status).toBe(401);
    const ip = randomIp();
    await driveToLimit(() => loginFrom(e, ip), 401);
  });

  it("clientIp defaults to cloudflare, takes only the three values, and CLIENT_IP errors name the variable", () => {
    const database = () => ({}) as D1Database;
    expect(resolveOptions({ database }).clientIp).toBe("cloudflare");
    for (const clientIp of ["cloudflare", "cf-connecting-ip", "none"] as const) expect(resolveOptions({ database, clientIp }).clientIp).toBe(clientIp);
    expect(() => resolveOptions({ database, clientIp: "x-forwarded-for" as never })).toThrow(/clientIp must be one of/);
    expect(optionsFromEnv({ CLIENT_IP: "none" }, { database }).clientIp).toBe("none");
    expect(() => optionsFromEnv({ CLIENT_IP: "true" }, { database })).toThrow(AuthConfigError);
    expect(() => optionsFromEnv({ CLIENT_IP: "true" }, { database })).toThrow(/CLIENT_IP must be one of/);
  });
});
