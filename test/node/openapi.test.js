// The OpenAPI 3.1 document that `hybrid-auth/hono` serves at <prefix>/openapi.json
// (js/src/openapi.ts, generated from js/src/routes.ts), fetched from the
// built library (dist/hono.js, `node scripts/build-lib.mjs`) as an adopter
// would mount it, then checked three ways: by an OpenAPI validator, for
// every declared route, and — for the request schemas — against the
// server's own validation, case by case, so the document and the checks
// cannot disagree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { createAuth } = await import(join(root, "dist", "hono.js"));
const { allPlugins } = await import(join(root, "scripts", "docs-routes.mjs"));
const { Hono } = await import("hono");

/** The library mounted at /auth with every plugin, as in the demo; the database is never reached by these routes. */
function mounted() {
  const auth = createAuth({ database: () => null, plugins: PLUGINS });
  const app = new Hono();
  app.route("/auth", auth.app);
  return { auth, app };
}

async function documentOf(app, path = "/auth/openapi.json") {
  const response = await app.request(path);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("Content-Type") ?? "", /^application\/json/);
  return response.json();
}

const PLUGINS = await allPlugins();

const toOpenApi = (path) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

test("the served document is valid OpenAPI 3.1", async () => {
  const doc = await documentOf(mounted().app);
  assert.equal(doc.openapi, "3.1.0");
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, "3.1");
});

test("every declared route is in the document, with its guard; nothing else is", async () => {
  const { auth, app } = mounted();
  const doc = await documentOf(app);
  assert.deepEqual(doc.servers, [{ url: "/auth" }]);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const declared = auth.routes.map((r) => `${r.method} ${toOpenApi(r.path)}`);
  assert.deepEqual([...documented].sort(), [...declared].sort());
  for (const route of auth.routes) {
    const op = doc.paths[toOpenApi(route.path)][route.method.toLowerCase()];
    assert.equal(op.summary, route.summary);
    assert.equal(Boolean(op.security), route.guard !== "none", `${route.method} ${route.path}`);
  }
});

test("every route declares its schemas: no generic stand-in is left in the document", async () => {
  const { auth, app } = mounted();
  const doc = await documentOf(app);
  // The generator falls back to a generic object (marked x-hybrid-auth-undeclared)
  // so a new route is still served and documented; this test is what keeps that
  // fallback from hiding drift: any route without its schemas fails here, by name.
  const undeclared = auth.routes
    .map((r) => [r, doc.paths[toOpenApi(r.path)][r.method.toLowerCase()]["x-hybrid-auth-undeclared"]])
    .filter(([, what]) => what)
    .map(([r, what]) => `${r.method} ${r.path} (${what.join(", ")})`);
  assert.deepEqual(undeclared, [], `routes without declared schemas: ${undeclared.join("; ")}`);
  for (const route of auth.routes) {
    const name = `${route.method} ${route.path}`;
    const op = doc.paths[toOpenApi(route.path)][route.method.toLowerCase()];
    // At least one success status, each with a JSON schema that says something (not a bare {type: object}).
    const successes = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
    // A browser navigation (social sign-in) answers a redirect instead (302, or 303 after a POST): its Location is declared.
    const redirect = op.responses["302"] ?? op.responses["303"];
    for (const status of ["302", "303"]) if (op.responses[status]) assert.ok(op.responses[status].headers?.Location?.schema, `${name} ${status}: no Location header`);
    assert.ok(successes.length >= 1 || redirect, `${name}: no success response`);
    for (const [status, answer] of successes) {
      const schema = answer.content?.["application/json"]?.schema;
      assert.ok(schema, `${name} ${status}: no JSON schema`);
      assert.ok(schema.properties || schema.description, `${name} ${status}: a bare schema ${JSON.stringify(schema)}`);
    }
    assert.ok(op.responses.default, `${name}: no error response`);
    if (op.requestBody) assert.ok(op.requestBody.content["application/json"].schema.properties, `${name}: body without properties`);
  }
});

test("mounted elsewhere, the document names that prefix", async () => {
  const auth = createAuth({ database: () => null, plugins: PLUGINS });
  const app = new Hono();
  app.route("/api/v3/identity", auth.app);
  const doc = await documentOf(app, "/api/v3/identity/openapi.json");
  assert.deepEqual(doc.servers, [{ url: "/api/v3/identity" }]);
});

/** Sends one JSON body to a route of the real app: 4xx codes from validation, anything else means "accepted by validation". */
async function verdict(app, path, body) {
  const response = await app.request(`/auth${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const json = await response.json();
  const code = json.error?.code;
  return code === "missing_field" || code === "invalid_field" ? "refused" : "accepted";
}

test("the request schemas in the document agree with the server's validation", async () => {
  const { app } = mounted();
  const doc = await documentOf(app);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const schemaOf = (path) => doc.paths[path].post.requestBody.content["application/json"].schema;
  const register = ajv.compile(schemaOf("/register"));
  const login = ajv.compile(schemaOf("/login"));
  const ok = { email: "ada@example.com", password: "correct horse", name: "Ada" };
  // Bodies whose verdict does not depend on trimming (the server trims names and
  // emails first; a schema cannot), each judged by both.
  const registerCases = [
    ok,
    { ...ok, email: undefined },
    { ...ok, email: 42 },
    { ...ok, email: "no-at-sign.example.com" },
    { ...ok, email: "user@localhost" },
    { ...ok, email: "a@b@example.com" },
    { ...ok, email: `${"a".repeat(64)}@${"d".repeat(186)}.com` },
    { ...ok, email: "a\u0000b@example.com" },
    { ...ok, password: "1234567" },
    { ...ok, password: "12345678" },
    { ...ok, password: "p".repeat(1024) },
    { ...ok, password: "p".repeat(1025) },
    { ...ok, password: "🔑".repeat(8) },
    { ...ok, password: ["x"] },
    { ...ok, name: "" },
    { ...ok, name: "n".repeat(100) },
    { ...ok, name: "😀".repeat(100) },
    { ...ok, name: "😀".repeat(101) },
    { ...ok, name: "Ada\nLovelace" },
    { ...ok, name: "Ada\u2028Lovelace" },
    { ...ok, name: 7 },
  ];
  // The database is null, so an accepted body fails later (503): "accepted" means validation let it through.
  for (const body of registerCases) {
    const server = await verdict(app, "/register", body);
    assert.equal(register(JSON.parse(JSON.stringify(body))) ? "accepted" : "refused", server, `register ${JSON.stringify(body).slice(0, 80)}`);
  }
  const loginCases = [
    { email: "ada@example.com", password: "x" },
    { email: "ada@example.com" },
    { email: `${"a".repeat(300)}@example.com`, password: "x" },
    { email: "ada@example.com", password: "p".repeat(1025) },
    { email: "ada@example.com", password: "x", remember: false },
    { email: "ada@example.com", password: "x", remember: "yes" },
  ];
  for (const body of loginCases) {
    const server = await verdict(app, "/login", body);
    assert.equal(login(body) ? "accepted" : "refused", server, `login ${JSON.stringify(body).slice(0, 80)}`);
  }
});

test("the account routes' request schemas agree with the server's validation too", async () => {
  const { app } = mounted();
  const doc = await documentOf(app);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const schemaOf = (path) => doc.paths[path].post.requestBody.content["application/json"].schema;
  // Unauthenticated routes only (the guarded ones answer 401 before reading a body).
  // An accepted body then fails on the null database or an unknown token: not a validation code.
  const cases = {
    "/password/reset/request": [
      { email: "ada@example.com" },
      {},
      { email: 42 },
      { email: "no-at-sign.example.com" },
      { email: `${"a".repeat(64)}@${"d".repeat(186)}.com` },
      { email: "a\u0000b@example.com" },
    ],
    "/password/reset/complete": [
      { token: "x".repeat(43), password: "correct horse" },
      { token: "x", password: "correct horse" },
      { password: "correct horse" },
      { token: "x".repeat(43) },
      { token: 43, password: "correct horse" },
      { token: "x".repeat(43), password: "short" },
      { token: "x".repeat(43), password: "p".repeat(1025) },
    ],
    "/email/verify": [{ token: "x".repeat(43) }, {}, { token: null }, { token: ["x"] }],
    "/email/change/confirm": [{ token: "x".repeat(43) }, {}, { token: false }],
  };
  for (const [path, bodies] of Object.entries(cases)) {
    const validate = ajv.compile(schemaOf(path));
    const verdicts = new Set();
    for (const body of bodies) {
      const server = await verdict(app, path, body);
      verdicts.add(server);
      // JSON round trip: `null` is "absent" to the server and to a JSON Schema without the key alike.
      const parsed = JSON.parse(JSON.stringify(body), (_k, v) => (v === null ? undefined : v));
      assert.equal(validate(parsed) ? "accepted" : "refused", server, `${path} ${JSON.stringify(body).slice(0, 80)}`);
    }
    // Each route's cases include both verdicts, so neither side can agree by refusing (or accepting) everything.
    assert.deepEqual([...verdicts].sort(), ["accepted", "refused"], path);
  }
});
