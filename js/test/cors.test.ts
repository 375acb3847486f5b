/**
 * CORS (issue 15): an allowlist of exact origins, with credentials and a
 * cached preflight; nothing allowed unless configured; origins not on the
 * list get no CORS header; preflights answered for any path under the mount
 * point without D1.
 */
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createAuth, optionsFromEnv } from "hybrid-auth/hono";
import { browserApps, browserOptionsFromEnv } from "hybrid-auth/browser";
import { call, brokenDb, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, totalQueries } from "./helpers";

const APP = "https://app.example.com";
const DEV = "http://localhost:5173";
const corsEnv = (extra: Record<string, string> = {}) => jwtEnv({ CORS_ORIGINS: `${APP}, ${DEV}`, ...extra });

const CORS_HEADERS = [
  "Access-Control-Allow-Origin",
  "Access-Control-Allow-Credentials",
  "Access-Control-Allow-Methods",
  "Access-Control-Allow-Headers",
  "Access-Control-Max-Age",
  "Access-Control-Expose-Headers",
];

function preflight(path: string, origin: string, e = corsEnv(), method = "POST") {
  return call("OPTIONS", path, {
    env: e,
    headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "content-type,x-requested-with" },
  });
}

function expectNoCorsHeaders(response: Response) {
  for (const name of CORS_HEADERS) expect(response.headers.get(name), name).toBeNull();
}

describe("CORS preflight", () => {
  it("answers an allowed origin with credentials, the methods, the headers and a cached Max-Age", async () => {
    const response = await preflight("/auth/login", APP);
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(response.headers.get("Access-Control-Max-Age")).toBe("600");
    expect(response.headers.get("Access-Control-Allow-Methods")?.split(", ").sort()).toEqual(["DELETE", "GET", "PATCH", "POST"]);
    expect(response.headers.get("Access-Control-Allow-Headers")).toBe("Authorization, Content-Type, X-Requested-With");
    expect(response.headers.get("Vary")).toContain("Origin");
    expect(await response.text()).toBe("");
  });

  it("uses CORS_MAX_AGE, and answers the second allowed origin with its own value", async () => {
    const response = await preflight("/auth/refresh", DEV, corsEnv({ CORS_MAX_AGE: "7200" }));
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(DEV);
    expect(response.headers.get("Access-Control-Max-Age")).toBe("7200");
  });

  it("is answered for any path under the mount point, known or not, and for every method", async () => {
    for (const [path, method] of [["/auth/passkeys/abc", "DELETE"], ["/auth/me", "GET"], ["/auth/no/such/route", "POST"]] as const) {
      const response = await preflight(path, APP, corsEnv(), method);
      expect(response.status, path).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin"), path).toBe(APP);
    }
  });

  it("never touches D1: zero queries on a counting binding, and it works while D1 is down", async () => {
    const { db, counts } = countingDb(env.GENERAL_DB);
    const counted = await preflight("/auth/login", APP, corsEnv({ GENERAL_DB: db } as never));
    expect(counted.status).toBe(204);
    expect(totalQueries(counts)).toBe(0);
    const down = await preflight("/auth/refresh", APP, corsEnv({ GENERAL_DB: brokenDb(env.GENERAL_DB) } as never));
    expect(down.status).toBe(204);
  });

  it("refuses an origin that is not on the list with a JSON 403 and no CORS header; near misses included", async () => {
    const misses = [
      "https://evil.example",
      "https://app.example.com.evil.example",
      "https://evil-app.example.com",
      "http://app.example.com", // scheme differs
      "https://app.example.com:443", // browsers never send the default port
      "https://APP.example.com",
      "https://app.example.com/",
      "http://localhost:5174", // port differs
      "null",
    ];
    for (const origin of misses) {
      const response = await preflight("/auth/login", origin);
      expect(response.status, origin).toBe(403);
      expect((await errorOf(response)).code, origin).toBe("origin_not_allowed");
      expectNoCorsHeaders(response);
    }
  });

  it("allows nothing by default: without CORS_ORIGINS every preflight is refused", async () => {
    const response = await preflight("/auth/login", APP, jwtEnv());
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("origin_not_allowed");
    expectNoCorsHeaders(response);
  });

  it("leaves an OPTIONS that is not a preflight (no Access-Control-Request-Method) to the 405", async () => {
    const response = await call("OPTIONS", "/auth/login", { env: corsEnv(), headers: { Origin: APP } });
    expect(response.status).toBe(405);
    expect((await errorOf(response)).code).toBe("method_not_allowed");
  });
});

describe("CORS on actual requests", () => {
  it("gives an allowed origin its headers on success and on errors, so the page can read both", async () => {
    const e = corsEnv();
    const user = await registerUser(e);
    const ok = await call("POST", "/auth/login", { env: e, headers: { Origin: APP }, json: { email: user.email, password: "correct horse battery staple" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(ok.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(ok.headers.get("Access-Control-Expose-Headers")).toContain("Retry-After");
    expect(ok.headers.get("Vary")).toContain("Origin");
    const denied = await call("GET", "/auth/me", { env: e, headers: { Origin: APP } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(denied.headers.get("Access-Control-Expose-Headers")).toContain("WWW-Authenticate");
  });

  it("answers an unlisted origin normally (bearer mode is not a CSRF target) but with no CORS header at all", async () => {
    const e = corsEnv();
    const user = await registerUser(e);
    const login = await loginUser(e, user.email);
    const response = await call("GET", "/auth/me", { env: e, token: login.token, headers: { Origin: "https://evil.example" } });
    expect(response.status).toBe(200);
    expectNoCorsHeaders(response);
    expect(response.headers.get("Vary")).toContain("Origin");
    const noOrigin = await call("GET", "/auth/me", { env: e, token: login.token });
    expectNoCorsHeaders(noOrigin);
  });
});

describe("CORS configuration", () => {
  const database = () => env.GENERAL_DB;

  it("refuses wildcards, paths, non-loopback http and other schemes when the options are checked", () => {
    const bad: [unknown, RegExp][] = [
      [["*"], /may not be "\*"/],
      [["null"], /may not be "null"/],
      [["https://app.example.com/"], /bare origin like https:\/\/app\.example\.com/],
      [["https://app.example.com/path"], /bare origin/],
      [["https://APP.example.com"], /bare origin like https:\/\/app\.example\.com/],
      [["http://app.example.com"], /must be https/],
      [["ftp://app.example.com"], /http\(s\) origin/],
      [["not a url"], /is not a URL/],
      [[42], /must be strings/],
      ["https://app.example.com", /array/],
    ];
    for (const [origins, message] of bad) {
      expect(() => browserApps({ cors: { origins: origins as string[] } }), JSON.stringify(origins)).toThrow(message);
    }
    expect(() => browserApps({ cors: { origins: [APP], maxAge: 86_401 } })).toThrow(/cors\.maxAge must be between 0 and 86400/);
    expect(() => browserApps({ cors: { origins: [APP], extra: 1 } as never })).toThrow(/unknown cors option "extra"/);
    expect(() => createAuth({ database, plugins: [browserApps({ cors: { origins: [APP, DEV, "http://127.0.0.1:3000", "http://[::1]:3000"], maxAge: 0 } })] })).not.toThrow();
    // 0.1's option names the plugin it moved to.
    expect(() => createAuth({ database, cors: { origins: [APP] } } as never)).toThrow(/cors moved to the browserApps plugin/);
  });

  it("reads CORS_ORIGINS and CORS_MAX_AGE, naming the variable in errors", () => {
    expect(browserOptionsFromEnv({ CORS_ORIGINS: ` ${APP} ,, ${DEV} `, CORS_MAX_AGE: "60" }).cors).toEqual({ origins: [APP, DEV], maxAge: 60 });
    expect(() => browserOptionsFromEnv({ CORS_MAX_AGE: "10m" })).toThrow(/CORS_MAX_AGE must be a whole number/);
    expect(() => browserOptionsFromEnv({ CORS_MAX_AGE: "90000" })).toThrow(/CORS_MAX_AGE must be between 0 and 86400/);
  });

  it("fails closed through the Worker: a bad CORS_ORIGINS is a 503 misconfigured without CORS headers", async () => {
    const response = await preflight("/auth/login", APP, jwtEnv({ CORS_ORIGINS: "*" }));
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("misconfigured");
    expectNoCorsHeaders(response);
  });
});

describe("auth.cors() on the adopter's own routes", () => {
  /** An adopter's Worker: its own /api route behind auth.cors() and requireAuth, the auth routes at /auth. */
  function adopter(methods?: readonly string[]) {
    const auth = createAuth((e: typeof env) => optionsFromEnv(e, { database: (x) => x.GENERAL_DB }), { plugins: [browserApps(browserOptionsFromEnv)] });
    const app = new Hono<{ Bindings: typeof env }>();
    app.use("/api/*", methods ? auth.cors(methods) : auth.cors());
    app.get("/api/profile", auth.requireAuth, (c) => c.json({ email: c.get("principal").user.email }));
    app.get("/public", (c) => c.text("no cors here"));
    app.route("/auth", auth.app);
    return (path: string, init: RequestInit, e = corsEnv()) => app.request(`https://api.example.com${path}`, init, e);
  }

  it("lets an allowed origin read an authenticated answer and preflight it; others get no CORS header", async () => {
    const e = corsEnv();
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    const request = adopter();

    const allowed = await request("/api/profile", { headers: { Origin: APP, Authorization: `Bearer ${token}` } }, e);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ email: user.email });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(allowed.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(allowed.headers.get("Vary")).toContain("Origin");

    const pre = await request("/api/profile", { method: "OPTIONS", headers: { Origin: DEV, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } }, e);
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe(DEV);
    expect(pre.headers.get("Access-Control-Allow-Methods")).toBe("GET, HEAD, POST, PUT, PATCH, DELETE");
    expect(pre.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");

    const other = await request("/api/profile", { headers: { Origin: "https://evil.example", Authorization: `Bearer ${token}` } }, e);
    expect(other.status).toBe(200);
    expectNoCorsHeaders(other);
    const otherPre = await request("/api/profile", { method: "OPTIONS", headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" } }, e);
    expect(otherPre.status).toBe(403);
    expect((await errorOf(otherPre)).code).toBe("origin_not_allowed");
    expectNoCorsHeaders(otherPre);

    // A 401 of requireAuth is readable by the allowed origin too (the page can react to it).
    const unauthenticated = await request("/api/profile", { headers: { Origin: APP } }, e);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("Access-Control-Allow-Origin")).toBe(APP);

    // Routes outside the middleware's path are untouched.
    const outside = await request("/public", { headers: { Origin: APP } }, e);
    expectNoCorsHeaders(outside);
  });

  it("offers only the methods it was given, and answers 503 misconfigured when CORS_ORIGINS is bad", async () => {
    const request = adopter(["GET"]);
    const pre = await request("/api/profile", { method: "OPTIONS", headers: { Origin: APP, "Access-Control-Request-Method": "GET" } });
    expect(pre.headers.get("Access-Control-Allow-Methods")).toBe("GET");

    const broken = await request("/api/profile", { headers: { Origin: APP } }, jwtEnv({ CORS_ORIGINS: "*" }));
    expect(broken.status).toBe(503);
    expect((await errorOf(broken)).code).toBe("misconfigured");
    expectNoCorsHeaders(broken);
  });
});
