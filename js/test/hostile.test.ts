import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../demo/worker";
import type { Env } from "../demo/worker";
import { PASSWORD, call, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, uniqueEmail } from "./helpers";

// Hostile input at every endpoint (issue 7). Every answer must be a JSON error
// with a status and code from js/README.md's error table (or a success where
// the input is legal); never a 5xx, never a hang. The requests go through the
// Worker's fetch handler in workerd with the real local D1, as the other
// suites do. Note: that path does not cross workerd's HTTP parser, so limits
// the runtime itself applies to header sizes are measured over real HTTP by
// js/bench/load.mjs (its `probes` section), not here.

afterEach(() => vi.restoreAllMocks());

/** js/README.md "Errors", plus the passkey codes of js/src/passkeys/README.md. */
const DOCUMENTED: Record<number, string[]> = {
  400: ["invalid_json", "invalid_body", "missing_field", "invalid_field", "body_too_large", "invalid_challenge", "challenge_expired", "passkey_verification_failed"],
  401: ["missing_token", "invalid_token", "invalid_credentials", "invalid_refresh_token", "refresh_token_reused", "session_auth_disabled", "passkey_counter_regressed"],
  403: ["forbidden"],
  404: ["not_found"],
  405: ["method_not_allowed"],
  409: ["email_taken", "refresh_token_rotated", "passkey_exists"],
  415: ["unsupported_media_type"],
  429: ["rate_limited"],
};

interface ErrorShape {
  error: { code: string; message: string };
}

/** Asserts a documented JSON error (optionally exactly `status`/`code`) and returns its code. */
async function expectError(response: Response, status?: number, code?: string, what = ""): Promise<string> {
  const text = await response.text();
  const label = `${what} → ${response.status} ${text.slice(0, 200)}`;
  expect(response.status, label).toBeLessThan(500);
  if (status !== undefined) expect(response.status, label).toBe(status);
  expect(response.headers.get("Content-Type") ?? "", label).toMatch(/^application\/json/);
  expect(response.headers.get("Cache-Control"), label).toBe("no-store");
  const body = JSON.parse(text) as ErrorShape;
  expect(Object.keys(body), label).toEqual(["error"]);
  expect(typeof body.error.message, label).toBe("string");
  expect(DOCUMENTED[response.status] ?? [], label).toContain(body.error.code);
  if (code !== undefined) expect(body.error.code, label).toBe(code);
  // Nothing internal leaks into an answer.
  expect(text, label).not.toMatch(/D1_ERROR|SQLITE|stack|at \w+ \(|TypeError|RangeError/);
  return body.error.code;
}

/** Sends a hand-built Request (duplicate headers, streams, odd methods). */
async function send(request: Request, e: Env = jwtEnv()): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const URL_BASE = "https://auth.test";
const BODY_ROUTES = ["/auth/register", "/auth/login", "/auth/refresh", "/auth/passkey/login/verify", "/auth/passkey/register/verify"] as const;
const AUTH_ROUTES: [string, string][] = [
  ["GET", "/auth/me"],
  ["POST", "/auth/logout"],
  ["POST", "/auth/logout-all"],
  ["GET", "/auth/usage"],
  ["POST", "/auth/passkey/register/options"],
  ["POST", "/auth/passkey/register/verify"],
  ["GET", "/auth/passkeys"],
  ["DELETE", "/auth/passkeys/abc"],
];

async function jwtUser() {
  const user = await registerUser(jwtEnv());
  const login = await loginUser(jwtEnv(), user.email);
  return { user, token: login.token };
}

/** A body route needs a token (passkey register verify); the others ignore it. */
function tokenFor(route: string, token: string): string | undefined {
  return route === "/auth/passkey/register/verify" ? token : undefined;
}

const MiB = 1024 * 1024;

describe("malformed bodies at every body route", () => {
  it("malformed, truncated and non-object JSON → 400 invalid_json / invalid_body", async () => {
    const { token } = await jwtUser();
    const valid = JSON.stringify({ email: "ada@example.com", password: PASSWORD, name: "Ada", refresh_token: "x".repeat(43), response: { id: "AA" } });
    const malformed = ["", " ", "{", "}", "{]", '{"email":', '{"email":"a@b.co",}', "{'email':'a@b.co'}", "nul", "undefined", "NaN", '{"a":01}', '{"a":"\\x41"}', "\u0000", '{"a":1}\u0000', '{"a":1} {"b":2}', "\ufeff\ufeff{}"];
    for (let i = 0; i < valid.length; i += 3) malformed.push(valid.slice(0, i)); // truncated at every third byte
    const notObjects = ["[]", "[1,2]", "null", "1", '"str"', "true", "[{}]"];
    for (const route of BODY_ROUTES) {
      const t = tokenFor(route, token);
      await Promise.all(
        malformed.map(async (body) => {
          const code = await expectError(await call("POST", route, { body, token: t }), 400, undefined, `${route} ${JSON.stringify(body.slice(0, 40))}`);
          expect(code, JSON.stringify(body)).toBe("invalid_json");
        }),
      );
      await Promise.all(notObjects.map(async (body) => expectError(await call("POST", route, { body, token: t }), 400, "invalid_body", `${route} ${body}`)));
      // One leading UTF-8 BOM is dropped by the decoder (a second one is malformed, above).
      await expectError(await call("POST", route, { body: "\ufeff{}", token: t }), 400, "missing_field", `${route} BOM`);
    }
  });

  it("invalid UTF-8 and lone surrogates → 400, never a 5xx", async () => {
    const { token } = await jwtUser();
    const bad = [new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), new Uint8Array([0xc3]), new Uint8Array([0xed, 0xa0, 0x80])];
    for (const route of BODY_ROUTES) {
      for (const bytes of bad) {
        await expectError(await call("POST", route, { body: bytes, token: tokenFor(route, token) }), 400, "invalid_json", route);
      }
      // JSON-escaped lone surrogates are valid JSON: the field checks decide.
      const response = await call("POST", route, { body: '{"email":"\\ud800@x.co","password":"\\udfff\\udfff\\udfff\\udfff","name":"\\ud800","refresh_token":"\\ud800","response":"\\ud800"}', token: tokenFor(route, token) });
      await expectError(response, undefined, undefined, `${route} lone surrogates`);
    }
  });

  it("wrong content types → 415 unsupported_media_type", async () => {
    const { token } = await jwtUser();
    const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: "Ada" });
    const types = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", "application/jsonx", "application/json-patch+json", "application/ld+json", "json", "*/*", " application/xml; x=application/json", "application/json,text/plain"];
    for (const route of BODY_ROUTES) {
      for (const type of types) {
        await expectError(await call("POST", route, { body, headers: { "Content-Type": type }, token: tokenFor(route, token) }), 415, "unsupported_media_type", `${route} ${type}`);
      }
      // No Content-Type at all (a Blob without a type, so none is added).
      const request = new Request(URL_BASE + route, { method: "POST", body: new TextEncoder().encode(body), headers: tokenFor(route, token) ? { Authorization: `Bearer ${token}` } : {} });
      expect(request.headers.get("Content-Type")).toBeNull();
      await expectError(await send(request), 415, "unsupported_media_type", `${route} no content type`);
    }
    // Parameters and case are fine (RFC 9110: media types are case-insensitive).
    const ok = await call("POST", "/auth/register", { body, headers: { "Content-Type": "Application/JSON; charset=utf-8" } });
    expect(ok.status).toBe(201);
  });

  it("1 MiB bodies → 400 body_too_large (declared, streamed without a length, and lying lengths)", async () => {
    const { token } = await jwtUser();
    const huge = JSON.stringify({ email: "a@b.co", password: "p".repeat(MiB), name: "x" });
    for (const route of BODY_ROUTES) {
      const t = tokenFor(route, token);
      await expectError(await call("POST", route, { body: huge, token: t }), 400, "body_too_large", `${route} 1 MiB string`);
      // Streamed in 64 KiB chunks with no Content-Length: the reader must stop at 16 KiB.
      let pulled = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= MiB) return controller.close();
          pulled += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        },
      });
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (t) headers.Authorization = `Bearer ${t}`;
      const streamed = await send(new Request(URL_BASE + route, { method: "POST", body: stream, headers }));
      await expectError(streamed, 400, "body_too_large", `${route} 1 MiB stream`);
      expect(pulled, "the reader stopped early instead of draining 1 MiB").toBeLessThan(MiB);
      // A small declared length with a big body, a huge declared length, a non-number.
      for (const length of ["10", "99999999999999999999", "-1", "abc", "1e3"]) {
        const response = await send(new Request(URL_BASE + route, { method: "POST", body: huge, headers: { ...headers, "Content-Length": length } }));
        await expectError(response, 400, undefined, `${route} Content-Length ${length}`);
      }
    }
  });

  it("wrong JSON types and oversized fields → the exact 4xx and code per route", async () => {
    type Route = (typeof BODY_ROUTES)[number];
    type Answer = readonly [status: number, code: string];
    const MISSING: Answer = [400, "missing_field"];
    const INVALID: Answer = [400, "invalid_field"];
    const TOO_LARGE: Answer = [400, "body_too_large"];
    // A body login accepts as well-formed goes on to the account lookup: no such account.
    const NO_ACCOUNT: Answer = [401, "invalid_credentials"];
    /** Every route answers `rest` except those listed. */
    const per = (rest: Answer, only: Partial<Record<Route, Answer>> = {}): Record<Route, Answer> =>
      Object.fromEntries(BODY_ROUTES.map((route) => [route, only[route] ?? rest])) as Record<Route, Answer>;
    const passkeys = (answer: Answer): Partial<Record<Route, Answer>> => ({ "/auth/passkey/login/verify": answer, "/auth/passkey/register/verify": answer });
    const passwordRoutes = (answer: Answer): Partial<Record<Route, Answer>> => ({ "/auth/register": answer, "/auth/login": answer });
    // Emails no account has, so the two bodies login accepts as well-formed
    // meet an empty rate-limit bucket and no user.
    const fresh = () => uniqueEmail("types");
    const shaped = { id: "AA", rawId: "AA", type: "public-key" };
    const cases: [string, Record<string, unknown>, Record<Route, Answer>][] = [
      ["empty object", {}, per(MISSING)],
      ["every field null", { email: null, password: null, name: null, refresh_token: null, response: null }, per(MISSING)],
      ["number, boolean, array", { email: 1, password: true, name: [] }, per(MISSING, passwordRoutes(INVALID))],
      ["objects", { email: {}, password: {}, name: {} }, per(MISSING, passwordRoutes(INVALID))],
      ["password is an array", { email: fresh(), password: ["x"], name: "n" }, per(MISSING, passwordRoutes(INVALID))],
      ["email of 305 characters", { email: "x".repeat(300) + "@b.co", password: PASSWORD, name: "n" }, per(MISSING, passwordRoutes(INVALID))],
      ["password of 1,025 characters", { email: fresh(), password: "p".repeat(1025), name: "n" }, per(MISSING, passwordRoutes(INVALID))],
      // login ignores `name`: only register refuses these two.
      ["name of 101 characters", { email: fresh(), password: PASSWORD, name: "n".repeat(101) }, per(MISSING, { "/auth/register": INVALID, "/auth/login": NO_ACCOUNT })],
      ["name of blanks", { email: fresh(), password: PASSWORD, name: "   " }, per(MISSING, { "/auth/register": INVALID, "/auth/login": NO_ACCOUNT })],
      ["refresh_token is a number", { refresh_token: 42 }, per(MISSING, { "/auth/refresh": INVALID })],
      ["refresh_token is an array", { refresh_token: ["x".repeat(43)] }, per(MISSING, { "/auth/refresh": INVALID })],
      ["refresh_token is null", { refresh_token: null }, per(MISSING)],
      ["response is a string", { response: "x" }, per(MISSING, passkeys(INVALID))],
      ["response is an array", { response: [] }, per(MISSING, passkeys(INVALID))],
      ["response.id is not base64url", { response: { id: "not base64url!", rawId: "x", type: "public-key", response: {} } }, per(MISSING, passkeys(INVALID))],
      ["response.id of 1,365 characters", { response: { ...shaped, id: "A".repeat(1365), rawId: "A".repeat(1365), response: {} } }, per(MISSING, passkeys(INVALID))],
      ["response.type is not public-key", { response: { ...shaped, type: "password", response: {} } }, per(MISSING, passkeys(INVALID))],
      ["response.response is missing", { response: shaped }, per(MISSING)],
      ["clientDataJSON is missing", { response: { ...shaped, response: {} } }, per(MISSING)],
      ["clientDataJSON is a number", { response: { ...shaped, response: { clientDataJSON: 123 } } }, per(MISSING, passkeys(INVALID))],
      // A registration shape with a bad label: register/verify reads `label`, login/verify wants authenticatorData first.
      [
        "label is a number",
        { response: { ...shaped, response: { clientDataJSON: "AA", attestationObject: "AA" } }, label: 5 },
        per(MISSING, { "/auth/passkey/register/verify": INVALID }),
      ],
      // 20,000 characters is past the 16 KiB body limit, which is checked before any field.
      ["clientDataJSON of 20,000 characters", { response: { ...shaped, response: { clientDataJSON: "A".repeat(20000) } } }, per(TOO_LARGE)],
    ];
    const { token } = await jwtUser();
    // A test IP of its own, so no other file's per-IP bucket is shared.
    const headers = { "Content-Type": "application/json", "CF-Connecting-IP": "198.51.100.77" };
    const answers = await Promise.all(
      cases.flatMap(([name, json, expected]) =>
        BODY_ROUTES.map(async (route) => {
          const [status, code] = expected[route];
          await expectError(await call("POST", route, { json, headers, token: tokenFor(route, token) }), status, code, `${route} ${name}`);
          return `${status} ${code}`;
        }),
      ),
    );
    // The table exercises every answer it names (a table of one kind would prove little).
    expect(new Set(answers)).toEqual(new Set(["400 missing_field", "400 invalid_field", "400 body_too_large", "401 invalid_credentials"]));
  });

  it("__proto__, constructor and prototype keys in raw JSON stay plain data: no field, no prototype, no pollution", async () => {
    // Why raw text: in an object literal `__proto__: x` sets the prototype, so
    // JSON.stringify never sends the key. JSON.parse, by contrast, makes it an own key.
    expect(JSON.stringify({ __proto__: { email: "a@b.co" } })).toBe("{}");
    const { token } = await jwtUser();
    const email = uniqueEmail("proto");
    const response = { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: "AA", attestationObject: "AA", authenticatorData: "AA", signature: "AA" } };
    const hiddenFields = JSON.stringify({ email, password: PASSWORD, name: "Proto", refresh_token: "x".repeat(43), response });
    // Every field a route needs, but only under "__proto__" / "constructor" / "prototype".
    const hidden = [
      `{"__proto__":${hiddenFields}}`,
      `{"constructor":{"prototype":${hiddenFields}}}`,
      `{"prototype":${hiddenFields}}`,
      `{"__proto__":${hiddenFields},"constructor":{"prototype":${hiddenFields}},"prototype":${hiddenFields}}`,
    ];
    for (const body of hidden) {
      const parsed = JSON.parse(body) as object;
      expect(Object.getPrototypeOf(parsed), body.slice(0, 40)).toBe(Object.prototype);
      expect(Object.keys(parsed).length, body.slice(0, 40)).toBeGreaterThan(0);
      for (const route of BODY_ROUTES) {
        await expectError(await call("POST", route, { body, token: tokenFor(route, token) }), 400, "missing_field", `${route} ${body.slice(0, 40)}`);
      }
    }
    // One level down, in the credential: response.id is looked up on the object itself.
    const nested = `{"response":{"__proto__":${JSON.stringify(response)}}}`;
    for (const route of ["/auth/passkey/login/verify", "/auth/passkey/register/verify"] as const) {
      const answer = await call("POST", route, { body: nested, token: tokenFor(route, token) });
      expect((await errorOf(answer.clone())).message, route).toMatch(/response\.id/);
      await expectError(answer, 400, "missing_field", `${route} nested __proto__`);
    }
    // Nothing was created from the hidden fields.
    expect(await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email = ?1").bind(email).first<{ n: number }>()).toEqual({ n: 0 });

    // A legal body with the same keys added: they are ignored, and nothing of them comes back.
    const pollution = `"__proto__":{"admin":true,"name":"Mallory","id":"evil"},"constructor":{"prototype":{"admin":true}},"prototype":{"admin":true}`;
    const created = await call("POST", "/auth/register", { body: `{"email":"${email}","password":"${PASSWORD}","name":"Ada",${pollution}}` });
    expect(created.status, await created.clone().text()).toBe(201);
    const { user } = (await created.json()) as { user: Record<string, unknown> };
    expect(Object.keys(user).sort()).toEqual(["created_at", "email", "id", "name"]);
    expect(user).toMatchObject({ email, name: "Ada" });
    expect(user.id).not.toBe("evil");
    const login = await call("POST", "/auth/login", { body: `{"email":"${email}","password":"${PASSWORD}",${pollution}}` });
    expect(login.status).toBe(200);
    const me = await call("GET", "/auth/me", { token: ((await login.json()) as { token: string }).token });
    expect(((await me.json()) as { user: unknown }).user).toEqual({ id: user.id, email, name: "Ada" });
    const row = await env.GENERAL_DB.prepare("SELECT name FROM users WHERE email = ?1").bind(email).first<{ name: string }>();
    expect(row).toEqual({ name: "Ada" });

    // And the isolate's Object.prototype was never written (the tests share the Worker's isolate).
    for (const key of ["admin", "email", "password", "name", "refresh_token", "response", "id"]) {
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, key), key).toBe(false);
    }
    expect(Object.prototype.constructor).toBe(Object);
  });
});

describe("NUL bytes, emoji, right-to-left marks", () => {
  it("NUL and other controls in email or name → 400 invalid_field; in a password they are just bytes", async () => {
    for (const [email, name] of [
      [`a\u0000${uniqueEmail()}`, "Ada"],
      [uniqueEmail(), "Ada\u0000Lovelace"],
      [uniqueEmail(), "Ada\u001b[31m"],
      [uniqueEmail(), "Ada\u2028Lovelace"],
      [uniqueEmail(), "Ada\u0085Lovelace"],
      [`${uniqueEmail()}\u0000`, "Ada"],
      [uniqueEmail().replace("@", "\u0000@"), "Ada"],
    ] as const) {
      await expectError(await call("POST", "/auth/register", { json: { email, password: PASSWORD, name } }), 400, "invalid_field", JSON.stringify([email, name]));
    }
    const email = uniqueEmail("nul");
    const password = `pass\u0000word\u0000${"\u0000".repeat(8)}`;
    expect((await call("POST", "/auth/register", { json: { email, password, name: "Nul" } })).status).toBe(201);
    expect((await call("POST", "/auth/login", { json: { email, password } })).status).toBe(200);
    // The password is not truncated at the NUL.
    await expectError(await call("POST", "/auth/login", { json: { email, password: "pass" } }), 401, "invalid_credentials");
    await expectError(await call("POST", "/auth/login", { json: { email: `${email}\u0000`, password } }), 401, "invalid_credentials");
  });

  it("emoji, ZWJ sequences and bidi marks in names and emails round-trip exactly", async () => {
    const names = ["👩‍💻 Ada", "\u202eevil\u202c", "\u200fעברית\u200e", "مرحبا", "🏳️‍🌈".repeat(5), "e\u0301", "𝕬𝖉𝖆"];
    for (const name of names) {
      for (const e of [jwtEnv(), sessionEnv()]) {
        const email = uniqueEmail("\u200e👩");
        const created = await call("POST", "/auth/register", { env: e, json: { email, password: PASSWORD, name } });
        expect(created.status, `${JSON.stringify(name)} ${await created.clone().text()}`).toBe(201);
        const { token } = await loginUser(e, email);
        const me = await call("GET", "/auth/me", { env: e, token });
        expect(me.status).toBe(200);
        const body = (await me.json()) as { user: { name: string; email: string } };
        expect(body.user.name).toBe(name.trim());
        expect(body.user.email).toBe(email.toLowerCase());
      }
    }
    // Lengths count code points: 100 emoji fit, 101 do not.
    expect((await call("POST", "/auth/register", { json: { email: uniqueEmail(), password: PASSWORD, name: "😀".repeat(100) } })).status).toBe(201);
    await expectError(await call("POST", "/auth/register", { json: { email: uniqueEmail(), password: PASSWORD, name: "😀".repeat(101) } }), 400, "invalid_field");
    // An emoji password: 8 code points is enough, and it must match exactly.
    const email = uniqueEmail();
    expect((await call("POST", "/auth/register", { json: { email, password: "🔑".repeat(8), name: "Key" } })).status).toBe(201);
    expect((await call("POST", "/auth/login", { json: { email, password: "🔑".repeat(8) } })).status).toBe(200);
    await expectError(await call("POST", "/auth/login", { json: { email, password: "🔑".repeat(7) } }), 401, "invalid_credentials");
  });
});

describe("SQL injection strings", () => {
  const INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    "\"; DROP TABLE sessions; --",
    "1; DELETE FROM users WHERE 1=1",
    "' UNION SELECT password_hash, email, id FROM users --",
    "admin'--",
    "%' OR email LIKE '%",
    "\\'; SELECT sqlite_version(); --",
    "Robert'); DROP TABLE users;--",
  ];

  it("are stored and compared as plain text; the tables are intact afterwards", async () => {
    const noEmailLimit = jwtEnv({ RATE_LIMIT_LOGIN_EMAIL: "off" });
    const before = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
    const victim = await registerUser(jwtEnv(), uniqueEmail("victim"));
    for (const sql of INJECTIONS) {
      // As the email (local part kept valid where possible) and as the whole email.
      const email = `${sql.replace(/\s/g, "")}-${crypto.randomUUID()}@example.com`;
      const created = await call("POST", "/auth/register", { json: { email, password: sql.padEnd(8, "x"), name: sql } });
      expect(created.status, `${sql}: ${await created.clone().text()}`).toBe(201);
      const login = await call("POST", "/auth/login", { json: { email, password: sql.padEnd(8, "x") } });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const me = (await (await call("GET", "/auth/me", { token })).json()) as { user: { name: string; email: string } };
      expect(me.user).toMatchObject({ name: sql, email: email.toLowerCase() });
      await expectError(await call("POST", "/auth/login", { json: { email: sql, password: sql } }), 401, "invalid_credentials", sql);
      // (The per-email login limit, 10 per 10 minutes, is lifted for the victim's repeated tries.)
      await expectError(await call("POST", "/auth/login", { env: noEmailLimit, json: { email: victim.email, password: sql } }), 401, "invalid_credentials", sql);
      await expectError(await call("POST", "/auth/login", { json: { email: `${victim.email}${sql}`, password: PASSWORD } }), 401, "invalid_credentials", sql);
      await expectError(await call("POST", "/auth/refresh", { json: { refresh_token: sql } }), 401, "invalid_refresh_token", sql);
      await expectError(await call("POST", "/auth/register", { json: { email: sql, password: PASSWORD, name: "x" } }), 400, "invalid_field", sql);
      await expectError(await call("DELETE", `/auth/passkeys/${encodeURIComponent(sql)}`, { token }), 404, undefined, sql);
      await expectError(await call("GET", "/auth/me", { headers: { Authorization: `Bearer ${sql}` } }), 401, "invalid_token", sql);
      await expectError(await call("GET", `/auth/usage?days=${encodeURIComponent(sql)}`, { token }), 403, "forbidden", sql);
    }
    const tables = await env.GENERAL_DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    const names = tables.results.map((r) => r.name);
    for (const t of ["users", "sessions", "refresh_families", "refresh_tokens", "revocations", "auth_usage", "rate_limits", "passkeys", "webauthn_challenges"]) {
      expect(names).toContain(t);
    }
    const after = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
    expect(after!.n).toBeGreaterThanOrEqual(before!.n + 1 + INJECTIONS.length);
    // The victim is untouched and still logs in with their own password only.
    const row = await env.GENERAL_DB.prepare("SELECT email, name FROM users WHERE id = ?1").bind(victim.id).first();
    expect(row).toEqual({ email: victim.email, name: victim.name });
    await loginUser(noEmailLimit, victim.email);
    // Ten rounds of register, login and three failed logins: about 60 Argon2id and 30 PBKDF2 runs.
  }, 30_000);
});

describe("Authorization header variants", () => {
  it("follow js/README.md 'Token routing' exactly, in both modes", async () => {
    for (const mode of ["jwt", "session"] as const) {
      const e = mode === "jwt" ? jwtEnv() : sessionEnv();
      const user = await registerUser(e);
      const { token } = await loginUser(e, user.email);
      const me = (headers: Record<string, string> | Headers) => send(new Request(`${URL_BASE}/auth/me`, { headers }), e);
      const ok = async (value: string) => expect((await me({ Authorization: value })).status, `${mode} ${JSON.stringify(value.slice(0, 30))}`).toBe(200);
      await ok(`Bearer ${token}`);
      await ok(`bearer ${token}`); // scheme is case-insensitive
      await ok(`BEARER ${token}`);
      await ok(`Bearer ${token} `); // Headers strips trailing whitespace…
      await ok(`Bearer ${token}\t`);
      await ok(` \tBearer ${token}`); // …and leading whitespace
      const rejected: [string, string][] = [
        ["Bearer", "invalid_token"], // "Bearer " is stripped to "Bearer"
        ["Bearer ", "invalid_token"],
        [`Bearer  ${token}`, "invalid_token"], // two spaces
        [`Bearer\t${token}`, "invalid_token"],
        [`Bearer ${token} x`, "invalid_token"],
        [`Bearer ${token},`, "invalid_token"],
        [`Bearer ${token}\u00a0`, "invalid_token"],
        [`Bearer "${token}"`, "invalid_token"],
        [`Basic ${btoa("a:b")}`, "invalid_token"],
        [`Token ${token}`, "invalid_token"],
        [`Bearer${token}`, "invalid_token"],
        [`Bearer ${token}${token}`, "invalid_token"],
        [`Bearer ${token.toUpperCase()}`, "invalid_token"],
        [`Bearer ${"A".repeat(5000)}`, "invalid_token"], // over the 4 KiB bound
        [`Bearer ${"A".repeat(32 * 1024)}`, "invalid_token"], // a 32 KiB header
        ["Bearer =", "invalid_token"],
        ["Bearer ...", "invalid_token"],
        ["Bearer a.b.", "invalid_token"], // alg none shape
      ];
      for (const [value, code] of rejected) {
        const response = await me({ Authorization: value });
        await expectError(response, 401, code, `${mode} ${JSON.stringify(value.slice(0, 40))}`);
        expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="hybrid-auth", error="invalid_token"/);
      }
      // Empty and absent headers: a bare challenge.
      for (const headers of [{}, { Authorization: "" }, { Authorization: "   " }] as Record<string, string>[]) {
        const response = await me(headers);
        await expectError(response, 401, "missing_token", `${mode} ${JSON.stringify(headers)}`);
        expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="hybrid-auth"');
      }
      // Two Authorization headers: Headers joins them with ", ", which never parses.
      for (const second of [token, "x"]) {
        const headers = new Headers();
        headers.append("Authorization", `Bearer ${token}`);
        headers.append("Authorization", `Bearer ${second}`);
        expect(headers.get("Authorization")).toBe(`Bearer ${token}, Bearer ${second}`);
        await expectError(await me(headers), 401, "invalid_token", `${mode} two Authorization headers`);
      }
      // NUL, CR and LF cannot be sent at all: the Headers object refuses them.
      for (const bad of ["\u0000", "\r", "\n"]) {
        expect(() => new Headers({ Authorization: `Bearer ${token}${bad}x` })).toThrow(TypeError);
      }
      // A huge unrelated header and a huge X-Client-Id do not disturb authentication.
      const big = await me({ Authorization: `Bearer ${token}`, "X-Junk": "j".repeat(32 * 1024), "X-Client-Id": "c".repeat(32 * 1024), "User-Agent": "u".repeat(32 * 1024) });
      expect(big.status).toBe(200);
      // The token still works after all of that (nothing above logged it out).
      await ok(`Bearer ${token}`);
    }
  });

  it("every protected route refuses missing and mangled tokens with 401, body or not", async () => {
    const { token } = await jwtUser();
    for (const [method, path] of AUTH_ROUTES) {
      const body = method === "GET" ? undefined : "{";
      await expectError(await call(method, path, { body }), 401, "missing_token", `${method} ${path}`);
      await expectError(await call(method, path, { body, headers: { Authorization: `Bearer  ${token}` } }), 401, "invalid_token", `${method} ${path}`);
      await expectError(await call(method, path, { body, token: token.slice(0, -2) }), 401, "invalid_token", `${method} ${path}`);
      await expectError(await call(method, path, { body, token: `${token.split(".")[0]}.e30.` }), 401, "invalid_token", `${method} ${path}`);
    }
  });

  it("10,000 random tokens against /auth/me: all 401 JSON, no 5xx, no hang", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { token: valid } = await jwtUser();
    const B64T = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
    const B64U = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const bytes = new Uint8Array(4096);
    let cursor = bytes.length;
    const byte = () => {
      if (cursor >= bytes.length) {
        crypto.getRandomValues(bytes);
        cursor = 0;
      }
      return bytes[cursor++]!;
    };
    const pick = (alphabet: string, n: number) => {
      let s = "";
      for (let i = 0; i < n; i++) s += alphabet[byte() % alphabet.length];
      return s;
    };
    const b64u = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const [h, p, s] = valid.split(".") as [string, string, string];
    const generators: (() => string)[] = [
      () => pick(B64T, 1 + (byte() % 200)), // any b64token
      () => `${pick(B64U, 36)}.${pick(B64U, 80)}.${pick(B64U, 43)}`, // JWT-shaped
      () => `${h}.${p}.${pick(B64U, 43)}`, // our header and payload, forged signature
      () => `${h}.${pick(B64U, p.length)}.${s}`, // our signature, another payload
      () => `${b64u('{"alg":"none","typ":"JWT"}')}.${p}.`, // alg none
      () => `${b64u(`{"alg":"${["HS384", "HS512", "RS256", "none", "hs256", "ES256"][byte() % 6]}","typ":"JWT"}`)}.${p}.${s}`, // alg confusion
      () => crypto.randomUUID(), // a session-shaped token no one holds (one D1 query each)
      () => { // one byte of the valid JWT flipped
        const i = byte() % valid.length;
        const c = B64U[byte() % B64U.length]!;
        return valid.slice(0, i) + (valid[i] === c ? (c === "A" ? "B" : "A") : c) + valid.slice(i + 1);
      },
      () => pick(B64T, 4097), // longer than the 4 KiB bound
      () => String.fromCharCode(...Array.from({ length: 1 + (byte() % 40) }, () => 0x21 + (byte() % 94))), // printable junk
    ];
    const TOTAL = 10_000;
    const BATCH = 250;
    const codes = new Map<string, number>();
    const started = Date.now();
    for (let done = 0; done < TOTAL; done += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, i) => generators[(done + i) % generators.length]!());
      const answers = await Promise.all(
        batch.map(async (candidate) => {
          const headers = new Headers({ Authorization: `Bearer ${candidate}` });
          const response = await send(new Request(`${URL_BASE}/auth/me`, { headers }));
          if (candidate === valid) return "valid"; // a flip that restored the token (impossible by construction)
          expect(response.status, candidate.slice(0, 80)).toBe(401);
          const body = (await response.json()) as ErrorShape;
          return body.error.code;
        }),
      );
      for (const code of answers) codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const elapsed = Date.now() - started;
    expect(Object.fromEntries(codes)).toEqual({ invalid_token: TOTAL });
    expect(elapsed).toBeLessThan(60_000);
    // And the real token still works.
    expect((await call("GET", "/auth/me", { token: valid })).status).toBe(200);
  }, 90_000);
});

describe("routes, methods and odd requests", () => {
  it("unknown paths, wrong methods, huge paths and query strings", async () => {
    const checks: [string, string, number][] = [
      ["GET", "/auth/login", 405],
      ["PUT", "/auth/me", 405],
      ["DELETE", "/auth/register", 405],
      ["PATCH", "/auth/refresh", 405],
      ["GET", "/auth/passkey/login/verify", 405],
      ["GET", "/auth/nope", 404],
      ["GET", "/auth/%00", 404],
      ["GET", "/auth/me%00", 404],
      ["GET", `/auth/${"a".repeat(32 * 1024)}`, 404],
      ["POST", "/auth/login/", 404],
      ["GET", "/AUTH/ME", 404],
    ];
    for (const [method, path, status] of checks) {
      await expectError(await call(method, path), status, undefined, `${method} ${path.slice(0, 40)}`);
    }
    const allow = await call("GET", "/auth/login");
    expect(allow.headers.get("Allow")).toBe("POST");
    // A 32 KiB query string on /auth/me is ignored; on /auth/usage the admin check comes first.
    const { token } = await jwtUser();
    expect((await call("GET", `/auth/me?${"q=1&".repeat(8 * 1024)}`, { token })).status).toBe(200);
    await expectError(await call("GET", `/auth/usage?days=${"9".repeat(32 * 1024)}`, { token }), 403, "forbidden");
  });

  it("hostile CF-Connecting-IP values never break the rate limiter: each is counted up to 429, and those that are not addresses share one bucket", async () => {
    // Values that are not addresses: a client rotating through them must not escape a per-IP rule.
    const notAddresses = ["' OR 1=1 --", "a".repeat(32 * 1024), "1:2:3:4:5:6:7:8:9", ":::::", "\u202e1.2.3.4", "127.0.0.1, 10.0.0.1"];
    const hostile = [...notAddresses, "999.999.999.999", "::ffff:1.2.3.4"];
    // A rule of its own per step (the rule is part of the bucket), so every step starts from zero.
    const base = 4000 + Math.floor(Math.random() * 400);
    // The header trusted as given (CLIENT_IP=cf-connecting-ip), so the limiter parses every value.
    const limited = (rule: "RATE_LIMIT_REFRESH_IP" | "RATE_LIMIT_LOGIN_IP", max: number, step: number) =>
      jwtEnv({ CLIENT_IP: "cf-connecting-ip", [rule]: `${max}/${base + step}` });
    const headersFor = (ip: string) => ({ "Content-Type": "application/json", "CF-Connecting-IP": ip });
    // Refresh counts every attempt (a token of the wrong shape: 401 after the count, no hashing).
    const refresh = (e: Env, ip: string) => call("POST", "/auth/refresh", { env: e, json: { refresh_token: "x" }, headers: headersFor(ip) });
    for (const [step, ip] of hostile.entries()) {
      const e = limited("RATE_LIMIT_REFRESH_IP", 2, step);
      for (let i = 0; i < 2; i++) await expectError(await refresh(e, ip), 401, "invalid_refresh_token", `${ip.slice(0, 30)} #${i + 1}`);
      await expectError(await refresh(e, ip), 429, "rate_limited", `${ip.slice(0, 30)} over the limit`);
    }
    // Login counts failures: rotating through the non-addresses, the shared bucket fills all the same.
    const shared = limited("RATE_LIMIT_LOGIN_IP", notAddresses.length - 1, hostile.length);
    const failedLogin = (ip: string) => call("POST", "/auth/login", { env: shared, json: { email: uniqueEmail(), password: PASSWORD }, headers: headersFor(ip) });
    for (const ip of notAddresses.slice(0, -1)) await expectError(await failedLogin(ip), 401, "invalid_credentials", `shared ${ip.slice(0, 30)}`);
    await expectError(await failedLogin(notAddresses.at(-1) as string), 429, "rate_limited", "a new non-address in the shared bucket");
    // An IPv4-mapped IPv6 value is that IPv4 client, not a bucket of its own.
    const mapped = limited("RATE_LIMIT_REFRESH_IP", 1, hostile.length + 1);
    await expectError(await refresh(mapped, "::ffff:192.0.2.44"), 401, "invalid_refresh_token", "mapped");
    await expectError(await refresh(mapped, "192.0.2.44"), 429, "rate_limited", "the same client as IPv4");
    // Five failed logins hash a password each; the machine may be busy.
  }, 30_000);

  it("refresh tokens: wrong shapes, wrong mode, 1,000 random ones → 401 invalid_refresh_token", async () => {
    await expectError(await call("POST", "/auth/refresh", { env: sessionEnv(), json: { refresh_token: "x".repeat(43) } }), 401, "invalid_refresh_token");
    const shapes = ["", " ", "x", "x".repeat(42), "x".repeat(44), "x".repeat(16000), "+".repeat(43), "\u0000".repeat(43), "😀".repeat(43)];
    for (const refresh_token of shapes) {
      await expectError(await call("POST", "/auth/refresh", { json: { refresh_token } }), 401, "invalid_refresh_token", refresh_token.slice(0, 10));
    }
    const B64U = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        Array.from({ length: 250 }, async () => {
          const r = crypto.getRandomValues(new Uint8Array(43));
          const refresh_token = Array.from(r, (b) => B64U[b % 64]).join("");
          // A test IP per round keeps this file's refreshes out of other files' buckets.
          const headers = { "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${round}` };
          const response = await call("POST", "/auth/refresh", { json: { refresh_token }, headers });
          // 120/60 s per IP by default: the limiter may answer first, which is also documented.
          await expectError(response, undefined, undefined, refresh_token);
          expect([401, 429]).toContain(response.status);
        }),
      );
    }
    // 1,000 requests: the 5 s default is too tight on a shared, loaded machine.
  }, 60_000);

  it("passkey routes with hostile responses → documented 4xx", async () => {
    const { token } = await jwtUser();
    const responses: unknown[] = [
      { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: "AA", authenticatorData: "AA", signature: "AA" } },
      { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: btoa('{"type":"webauthn.get","challenge":"x\' OR 1=1","origin":"http://localhost:8787"}').replace(/=+$/, ""), authenticatorData: "AA", signature: "AA", userHandle: "AA" } },
      { id: "A".repeat(1365), rawId: "A".repeat(1365), type: "public-key", response: {} },
      { id: "AA", rawId: "AB", type: "public-key", response: {} },
      { id: "AA", rawId: "AA", type: "password", response: {} },
      { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: "AA", attestationObject: "AA", transports: ["usb", 5, null, "\u0000"] } },
    ];
    for (const response of responses) {
      await expectError(await call("POST", "/auth/passkey/login/verify", { json: { response } }), undefined, undefined, "login/verify");
      await expectError(await call("POST", "/auth/passkey/register/verify", { json: { response, label: "\u202eL\u0000" }, token }), undefined, undefined, "register/verify");
    }
    // The option routes take no body: junk in it is ignored, never a 5xx.
    const options = await call("POST", "/auth/passkey/login/options", { body: "\u0000{" });
    expect(options.status).toBe(200);
    const reg = await call("POST", "/auth/passkey/register/options", { body: "x".repeat(MiB), headers: { "Content-Type": "text/plain" }, token });
    expect(reg.status).toBe(200);
  });
});

describe("sanity", () => {
  it("after all of the above, a normal register, login, me and logout still work", async () => {
    for (const e of [jwtEnv(), sessionEnv()]) {
      const user = await registerUser(e);
      const { token } = await loginUser(e, user.email);
      expect((await call("GET", "/auth/me", { env: e, token })).status).toBe(200);
      expect((await call("POST", "/auth/logout", { env: e, token })).status).toBe(200);
      await expectError(await call("GET", "/auth/me", { env: e, token }), 401, "invalid_token");
    }
  });
});
