/**
 * Issue 20: createAuth is a core plus plugins. Instances of their own
 * (createAuth with a chosen plugin list), each mounted at /auth in a Hono app
 * like an adopter's, on the tests' local D1:
 *  - a plugin that is not mounted has no routes (404 not_found on each of its
 *    declared routes) and leaves its tables as they were;
 *  - GET /plugins and the OpenAPI document list what is mounted, nothing else;
 *  - createAuth refuses a bad plugin list (and the 0.1 options that moved),
 *    a plugin refuses bad static options where it is made;
 *  - a plugin's state belongs to the instance, not to the plugin value;
 *  - a third-party plugin needs only the public API of hybrid-auth/hono.
 * Requests go to http://localhost so the dev mailbox (loopback only) answers.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthConfigError, createAuth, defineRoute, handleError } from "hybrid-auth/hono";
import type { Auth, AuthOptions, AuthPlugin, UsageEvent } from "hybrid-auth/hono";
import { email, httpEmailSender } from "hybrid-auth/email";
import { passkeys } from "hybrid-auth/passkeys";
import { sessions } from "hybrid-auth/sessions";
import { usage } from "hybrid-auth/usage";
import { usageCounterOf } from "../src/lifecycle/usage";
import { OTHER_SECRET, PASSWORD, SECRET, env, randomClientIp, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
}

/** The core options every instance here shares; each call gets its own CF-Connecting-IP, believed as the demo's tests do. */
const CORE = { database: (e: TestEnv) => e.GENERAL_DB, secret: SECRET, clientIp: "cf-connecting-ip" } satisfies AuthOptions<TestEnv>;
const RP = { rpId: "localhost", rpName: "plugin tests", origins: ["http://localhost:8787"] };

/** The shipped plugins, one value each (mounting one value in several instances is allowed: state is per instance). */
const SHIPPED = { passkeys: passkeys(RP), email: email({ devMailbox: true }), sessions: sessions(), usage: usage() } as const;
type ShippedId = keyof typeof SHIPPED;
const IDS = Object.keys(SHIPPED) as ShippedId[];
const ALL: readonly AuthPlugin[] = IDS.map((id) => SHIPPED[id]);

interface SendOptions {
  json?: unknown;
  token?: string;
  env?: TestEnv;
}

interface Mounted {
  auth: Auth<TestEnv>;
  send(method: string, path: string, options?: SendOptions): Promise<Response>;
}

/** An adopter's Worker: the instance mounted at /auth. */
function mountApp(auth: Auth<TestEnv>): Mounted {
  const app = new Hono<{ Bindings: TestEnv }>();
  app.route("/auth", auth.app);
  app.onError(handleError);
  return {
    auth,
    async send(method, path, o = {}) {
      const headers = new Headers({ "CF-Connecting-IP": randomClientIp() });
      if (o.json !== undefined) headers.set("Content-Type", "application/json");
      if (o.token !== undefined) headers.set("Authorization", `Bearer ${o.token}`);
      const ctx = createExecutionContext();
      const request = new Request(`http://localhost${path}`, { method, headers, body: o.json === undefined ? null : JSON.stringify(o.json) });
      const response = await app.fetch(request, o.env ?? env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  };
}

function mount(plugins: readonly AuthPlugin[], extra: Partial<AuthOptions<TestEnv>> = {}): Mounted {
  return mountApp(createAuth({ ...CORE, ...extra, plugins }));
}

/** A declared path with its parameters filled in, under the mount point. */
const concrete = (path: string) => `/auth${path.replace(/:[A-Za-z0-9_]+/g, crypto.randomUUID())}`;

interface Tokens {
  token: string;
  refresh_token: string;
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function registerAndLogin(m: Mounted): Promise<Tokens & { user: { id: string; email: string } }> {
  const address = uniqueEmail("plugins");
  await json(await m.send("POST", "/auth/register", { json: { email: address, password: PASSWORD, name: "Plug In" } }), 201);
  return json(await m.send("POST", "/auth/login", { json: { email: address, password: PASSWORD } }), 200);
}

/** What every app does, with or without plugins: register, login, guarded requests (one refused), refresh, logout, cleanup, usage flush. */
async function coreRun(m: Mounted): Promise<void> {
  const login = await registerAndLogin(m);
  await json(await m.send("GET", "/auth/me", { token: login.token }), 200);
  expect((await m.send("GET", "/auth/me", { token: "not-a-token" })).status).toBe(401);
  const refreshed = await json<Tokens>(await m.send("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } }), 200);
  await json(await m.send("POST", "/auth/logout", { token: refreshed.token }), 200);
  expect((await m.auth.cleanup(env)).errors).toEqual([]);
  await m.auth.flushUsage(env);
}

/** Every row of each table, in storage order: equal snapshots mean nothing was inserted, updated or deleted. */
async function snapshot(tables: readonly string[]): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) rows[table] = (await env.GENERAL_DB.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()).results;
  return rows;
}

/**
 * A live row in each plugin table, so "untouched" is checked against rows
 * that exist (a delete would show) as well as against inserts. Live, not
 * expired: the core's cleanup prunes expired rows of these tables whether or
 * not the plugin is mounted (lifecycle/cleanup.ts).
 */
async function seedPluginTables(): Promise<void> {
  const owner = await registerAndLogin(mountApp(createAuth(CORE)));
  const now = Math.floor(Date.now() / 1000);
  const tag = crypto.randomUUID();
  await env.GENERAL_DB.batch([
    env.GENERAL_DB.prepare("INSERT INTO passkeys (id, user_id, credential_id, public_key, label, device_type, created_at) VALUES (?1, ?2, ?3, 'pk', 'Seed', 'singleDevice', ?4)").bind(crypto.randomUUID(), owner.user.id, `cred-${tag}`, now),
    env.GENERAL_DB.prepare("INSERT INTO webauthn_challenges (challenge, purpose, user_id, expires_at, created_at) VALUES (?1, 'authentication', NULL, ?2, ?3)").bind(`seed-${tag}`, now + 3600, now),
    env.GENERAL_DB.prepare("INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at) VALUES (?1, 'password_reset', ?2, ?3, ?4, ?5)").bind(`seed-${tag}`, owner.user.id, owner.user.email, now, now + 3600),
    env.GENERAL_DB.prepare("INSERT INTO auth_usage (day, kind, reason, client, count, last_seen) VALUES (?1, 'jwt', '', ?2, 1, ?3)").bind(new Date().toISOString().slice(0, 10), `id:seed-${tag}`, now),
  ]);
}

beforeAll(seedPluginTables);

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(IDS)("the %s plugin", (id) => {
  const plugin = SHIPPED[id];
  const others = IDS.filter((other) => other !== id).map((other) => SHIPPED[other]);
  const without: Record<string, Mounted> = { "core only": mount([]), "all the others": mount(others) };
  const mounted: Record<string, Mounted> = { alone: mount([plugin]), "with all": mount(ALL) };

  it("not mounted: each of its routes answers 404 not_found; mounted: none of them does", async () => {
    expect(plugin.routes.length).toBeGreaterThan(0);
    for (const route of plugin.routes) {
      const path = concrete(route.path);
      for (const [name, m] of Object.entries(without)) {
        const response = await m.send(route.method, path);
        expect(response.status, `${name}: ${route.method} ${path}`).toBe(404);
        expect(await response.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
      }
      for (const [name, m] of Object.entries(mounted)) {
        const response = await m.send(route.method, path);
        expect(response.status, `${name}: ${route.method} ${path} ${await response.clone().text()}`).not.toBe(404);
      }
    }
  });

  // sessions() owns no table: the rows it lists are the core's.
  if (plugin.tables.length > 0) {
    it(`not mounted: register, login, refresh, logout, cleanup and a usage flush leave the rows of ${plugin.tables.join(", ")} as they were`, async () => {
      for (const [name, m] of Object.entries(without)) {
        const before = await snapshot(plugin.tables);
        for (const table of plugin.tables) expect(before[table]?.length, `${table} is seeded`).toBeGreaterThan(0);
        await coreRun(m);
        expect(await snapshot(plugin.tables), name).toEqual(before);
      }
    });
  }
});

describe("the snapshot of a plugin's tables sees its writes (so the checks above can fail)", () => {
  it("with usage, the same run adds to auth_usage; with email verification, register writes email_tokens; with passkeys, a ceremony writes webauthn_challenges", async () => {
    let before = await snapshot(SHIPPED.usage.tables);
    await coreRun(mount([usage()]));
    expect(await snapshot(SHIPPED.usage.tables)).not.toEqual(before);

    vi.spyOn(console, "log").mockImplementation(() => {}); // the dev mailbox's "an email arrived" line
    before = await snapshot(SHIPPED.email.tables);
    const verifying = mount([email({ requireVerification: true, devMailbox: true })]);
    await json(await verifying.send("POST", "/auth/register", { json: { email: uniqueEmail("verify"), password: PASSWORD, name: "Plug In" } }), 202);
    expect(await snapshot(SHIPPED.email.tables)).not.toEqual(before);

    before = await snapshot(SHIPPED.passkeys.tables);
    await json(await mount([passkeys(RP)]).send("POST", "/auth/passkey/login/options"), 200);
    expect(await snapshot(SHIPPED.passkeys.tables)).not.toEqual(before);
  });
});

describe("the usage plugin, not mounted", () => {
  it("records nothing: authenticated and refused requests, a refresh and auth.flushUsage leave auth_usage as it was, and the instance has no counter", async () => {
    for (const m of [mount([]), mount(ALL.filter((p) => p.id !== "usage"))]) {
      const before = await snapshot(["auth_usage"]);
      const login = await registerAndLogin(m);
      for (let i = 0; i < 3; i++) await json(await m.send("GET", "/auth/me", { token: login.token }), 200);
      expect((await m.send("GET", "/auth/me")).status).toBe(401);
      await json(await m.send("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } }), 200);
      await m.auth.flushUsage(env);
      expect(await snapshot(["auth_usage"])).toEqual(before);
      expect(() => usageCounterOf(m.auth.state)).toThrow(/not mounted/);
    }
  });
});

describe("GET /plugins", () => {
  it("core only: {plugins: []}", async () => {
    const m = mount([]);
    expect(await json(await m.send("GET", "/auth/plugins"), 200)).toEqual({ plugins: [] });
    expect(m.auth.plugins).toEqual([]);
  });

  it("lists the mounted plugins in mount order, each with exactly its declared routes and public facts only", async () => {
    const API_KEY = `re_${crypto.randomUUID()}`;
    const order: readonly AuthPlugin[] = [usage(), email({ send: httpEmailSender({ apiKey: API_KEY, from: "auth@example.com" }), appUrl: "https://app.example.com/account" }), passkeys(RP), sessions()];
    const m = mount(order, { previousSecrets: [OTHER_SECRET] });
    const text = await (await m.send("GET", "/auth/plugins")).text();
    for (const secret of [SECRET, OTHER_SECRET, API_KEY]) expect(text).not.toContain(secret);

    const body = JSON.parse(text) as { plugins: { id: string; routes: unknown[]; facts: Record<string, unknown> }[] };
    const ids = ["usage", "email", "passkeys", "sessions"];
    expect(body.plugins.map((p) => p.id)).toEqual(ids);
    expect(m.auth.plugins).toEqual(ids);
    for (const [index, plugin] of order.entries()) {
      const declared = plugin.routes.map(({ method, path }) => ({ method, path }));
      expect(body.plugins[index]?.routes, plugin.id).toEqual(declared);
      expect(m.auth.routes.filter((r) => r.plugin === plugin.id).map(({ method, path }) => ({ method, path })), plugin.id).toEqual(declared);
      for (const [name, value] of Object.entries(body.plugins[index]?.facts ?? {})) {
        expect(value === null || ["string", "number", "boolean"].includes(typeof value), `${plugin.id}.${name}`).toBe(true);
      }
    }
    // The facts say what is true of this instance.
    expect(body.plugins[1]?.facts).toEqual({ requireVerification: false, devMailbox: false, sender: true });
    expect(body.plugins[2]?.facts).toEqual({ rpId: "localhost", configured: true });
    expect(body.plugins[3]?.facts).toEqual({});
  });
});

describe("the OpenAPI document", () => {
  /** Hono's "/passkeys/:id" as OpenAPI's "/passkeys/{id}". */
  const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
  const documentOf = async (m: Mounted) => json<{ paths: Record<string, Record<string, unknown>> }>(await m.send("GET", "/auth/openapi.json"), 200);

  it("core only: the core's paths and no path of any plugin", async () => {
    const { paths } = await documentOf(mount([]));
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(["/register", "/login", "/me", "/refresh", "/plugins", "/openapi.json"]));
    for (const plugin of ALL) for (const route of plugin.routes) expect(paths, `${plugin.id}: ${route.path}`).not.toHaveProperty([openApiPath(route.path)]);
  });

  it("with passkeys: every passkey path and method, and no path of the plugins it does not mount", async () => {
    const { paths } = await documentOf(mount([passkeys(RP)]));
    for (const route of SHIPPED.passkeys.routes) expect(paths[openApiPath(route.path)], route.path).toHaveProperty([route.method.toLowerCase()]);
    for (const plugin of [SHIPPED.email, SHIPPED.sessions, SHIPPED.usage]) {
      for (const route of plugin.routes) expect(paths, `${plugin.id}: ${route.path}`).not.toHaveProperty([openApiPath(route.path)]);
    }
  });
});

/** The AuthConfigError's message, failing the test if `make` does not throw one. */
function refusal(make: () => unknown): string {
  try {
    make();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigError);
    return (err as Error).message;
  }
  throw new Error("no AuthConfigError was thrown");
}

/** A plugin of one route, as a third party would write it. */
function oneRoute(id: string, method: "GET" | "POST" | "DELETE", path: string): AuthPlugin {
  return { id, tables: [], routes: [defineRoute({ method, path, guard: "none", summary: "test route", handler: (c) => c.json({ id }) })] };
}

describe("createAuth refuses", () => {
  it("the same plugin id twice", () => {
    expect(refusal(() => createAuth({ ...CORE, plugins: [sessions(), usage(), sessions()] }))).toMatch(/plugins\[2\].*"sessions" is mounted twice/);
  });

  it("a plugin with the id \"core\"", () => {
    expect(refusal(() => createAuth({ ...CORE, plugins: [oneRoute("core", "GET", "/core-thing")] }))).toMatch(/plugins\[0\].*"core" is reserved/);
  });

  it("two plugins declaring the same method and path (whatever their parameters are called)", () => {
    expect(refusal(() => createAuth({ ...CORE, plugins: [oneRoute("a", "GET", "/things/:id"), oneRoute("b", "GET", "/things/:name")] }))).toMatch(/GET \/things\/:name is declared twice/);
    expect(refusal(() => createAuth({ ...CORE, plugins: [sessions(), oneRoute("mine", "DELETE", "/sessions/:sid")] }))).toMatch(/DELETE \/sessions\/:sid is declared twice/);
    // The same path with another method is no overlap.
    expect(createAuth({ ...CORE, plugins: [oneRoute("a", "GET", "/things/:id"), oneRoute("b", "DELETE", "/things/:id")] }).plugins).toEqual(["a", "b"]);
  });

  it("a plugin route that overlaps a core route", () => {
    expect(refusal(() => createAuth({ ...CORE, plugins: [oneRoute("shadow", "POST", "/login")] }))).toMatch(/POST \/login is declared twice/);
    expect(refusal(() => createAuth({ ...CORE, plugins: [oneRoute("shadow", "GET", "/plugins")] }))).toMatch(/GET \/plugins is declared twice/);
  });

  it("a factory instead of the plugin it makes", () => {
    expect(refusal(() => createAuth({ ...CORE, plugins: [sessions] as never }))).toMatch(/plugins\[0\] is not a plugin: call its factory/);
  });

  it("plugins given both in the options object and as the second argument", () => {
    const loose = createAuth as (options: unknown, mount: unknown) => unknown;
    expect(refusal(() => loose({ ...CORE, plugins: [sessions()] }, { plugins: [usage()] }))).toMatch(/plugins are given twice/);
  });

  it.each([
    ["passkeys", "passkeys", { passkeys: RP }],
    ["requireEmailVerification", "email", { requireEmailVerification: true }],
    ["devMailbox", "email", { devMailbox: true }],
    ["appUrl", "email", { appUrl: "https://app.example.com/" }],
    ["passwordResetTtl", "email", { passwordResetTtl: 600 }],
    ["emailVerificationTtl", "email", { emailVerificationTtl: 600 }],
    ["hooks.sendEmail", "email", { hooks: { sendEmail: () => undefined } }],
  ] as const)("the 0.1 option %s is refused with a message naming the %s plugin it moved to", (option, plugin, moved) => {
    const message = refusal(() => createAuth({ ...CORE, ...moved } as never));
    expect(message.startsWith(`${option} moved to the ${plugin} plugin`), message).toBe(true);
  });

  it("an options function that returns plugins: every auth route answers 503 misconfigured", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const auth = createAuth((e: TestEnv) => ({ ...CORE, database: () => e.GENERAL_DB, plugins: [usage()] }), { plugins: [sessions()] });
    const m = mountApp(auth);
    expect(auth.routes.length).toBeGreaterThan(0);
    for (const route of auth.routes) {
      const response = await m.send(route.method, concrete(route.path));
      expect(response.status, `${route.method} ${route.path}`).toBe(503);
      expect((await response.json()) as unknown).toEqual({ error: { code: "misconfigured", message: expect.any(String) } });
    }
    expect(errors.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("pass plugins as createAuth's second argument"))).toHaveLength(1);
  });
});

describe("a plugin's own options", () => {
  it("static ones are checked where the plugin is made", () => {
    expect(refusal(() => passkeys({ rpId: "", rpName: "x", origins: [] }))).toMatch(/passkeys\.rpId/);
    expect(refusal(() => email({ requireVerification: true }))).toMatch(/requireVerification .*needs an email sender/);
    expect(refusal(() => email({ bogus: 1 } as never))).toMatch(/unknown email option "bogus"/);
  });

  it("wrong passkey options from the env: only the passkey ceremonies answer 503 misconfigured, the rest of the auth works", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const m = mount([passkeys(() => ({ rpId: "", rpName: "x", origins: [] })), sessions()]);
    const login = await registerAndLogin(m);
    const ceremonies = SHIPPED.passkeys.routes.filter((route) => route.path.startsWith("/passkey/"));
    expect(ceremonies.map((r) => r.path)).toEqual(["/passkey/register/options", "/passkey/register/verify", "/passkey/login/options", "/passkey/login/verify"]);
    for (const route of ceremonies) {
      const response = await m.send(route.method, concrete(route.path), { token: login.token, json: {} });
      expect(response.status, route.path).toBe(503);
      expect((await response.json()) as unknown).toEqual({ error: { code: "misconfigured", message: expect.any(String) } });
    }
    // Everything else answers as usual, passkey management (it needs no relying party) included.
    await json(await m.send("GET", "/auth/me", { token: login.token }), 200);
    expect(await json(await m.send("GET", "/auth/passkeys", { token: login.token }), 200)).toEqual({ passkeys: [] });
    await json(await m.send("GET", "/auth/sessions", { token: login.token }), 200);
    const plugins = await json<{ plugins: { id: string; facts: unknown }[] }>(await m.send("GET", "/auth/plugins"), 200);
    expect(plugins.plugins[0]).toMatchObject({ id: "passkeys", facts: { configured: false } });
    await json(await m.send("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } }), 200);
    expect(errors.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("passkeys misconfigured"))).toHaveLength(1);
  });
});

describe("per-instance plugin state", () => {
  it("one usage() value mounted by two instances: each counts only its own requests", async () => {
    const shared = usage();
    const settings = { usage: { flushRequests: 100_000, flushSeconds: 86_400 } };
    const a = mount([shared], settings);
    const b = mount([shared], settings);
    const counterA = usageCounterOf(a.auth.state);
    const counterB = usageCounterOf(b.auth.state);
    expect(counterA).not.toBe(counterB);

    const login = await registerAndLogin(a);
    for (let i = 0; i < 3; i++) await json(await a.send("GET", "/auth/me", { token: login.token }), 200);
    expect(counterA.pendingEvents()).toBe(3);
    expect(counterB.pendingEvents()).toBe(0);
    // The same token at the other instance (same database and secret) is counted there only.
    await json(await b.send("GET", "/auth/me", { token: login.token }), 200);
    expect(counterB.pendingEvents()).toBe(1);
    expect(counterA.pendingEvents()).toBe(3);
  });
});

describe("a third-party plugin written against hybrid-auth/hono only", () => {
  it("its guarded route answers 401 without a token and 200 with one, and its observe hook sees the usage events", async () => {
    const seen: UsageEvent[] = [];
    const audit: AuthPlugin<"audit"> = {
      id: "audit",
      tables: [],
      routes: [defineRoute({ method: "GET", path: "/audit/whoami", guard: "auth", summary: "the signed-in user's id", handler: (c) => c.json({ id: c.get("principal").user.id }) })],
      hooks: {
        observe(_scope, _c, event) {
          seen.push(event);
        },
      },
    };
    const m = mount([audit]);
    expect(m.auth.plugins).toEqual(["audit"]);

    const anonymous = await m.send("GET", "/auth/audit/whoami");
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()) as unknown).toEqual({ error: { code: "missing_token", message: expect.any(String) } });
    expect(seen).toEqual([{ kind: "failed", reason: "missing" }]);

    const login = await registerAndLogin(m);
    expect(await json(await m.send("GET", "/auth/audit/whoami", { token: login.token }), 200)).toEqual({ id: login.user.id });
    await json(await m.send("POST", "/auth/refresh", { json: { refresh_token: login.refresh_token } }), 200);
    expect(seen).toEqual([
      { kind: "failed", reason: "missing" },
      { kind: "jwt", reason: "" },
      { kind: "refresh", reason: "" },
    ]);
    // It is listed like a shipped one.
    const listed = await json<{ plugins: unknown[] }>(await m.send("GET", "/auth/plugins"), 200);
    expect(listed.plugins).toEqual([{ id: "audit", routes: [{ method: "GET", path: "/audit/whoami" }], facts: {} }]);
  });
});
