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
const { Hono } = await import("hono");

/** The library mounted at /auth, as in the demo; the database is never reached by these routes. */
function mounted() {
  const auth = createAuth({ database: () => null });
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
  const undeclared = auth.routes
    .map((r) => [r, doc.paths[toOpenApi(r.path)][r.method.toLowerCase()]["x-hybrid-auth-undeclared"]])
    .filter(([, what]) => what)
    .map(([r, what]) => `${r.method} ${r.path} (${what.join(", ")})`);
  // Fail-safe, not silent: routes without schemas are documented generically and named here.
  if (undeclared.length) console.log(`routes documented generically (no schema declared): ${undeclared.join("; ")}`);
  for (const core of ["POST /register", "POST /login", "POST /refresh", "POST /passkey/login/verify", "POST /passkey/register/verify"]) {
    assert.ok(!undeclared.some((u) => u.startsWith(`${core} `)), `${core} must declare its body`);
  }
});

test("mounted elsewhere, the document names that prefix", async () => {
  const auth = createAuth({ database: () => null });
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
