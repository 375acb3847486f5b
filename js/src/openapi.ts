/**
 * The OpenAPI 3.1 document of the auth routes, generated from the route
 * declarations (js/src/routes.ts) — the same objects whose schemas validate
 * the requests — so there is no hand-kept copy to drift. Served at
 * `<prefix>/openapi.json`; checked by test/node/openapi.test.js with an
 * OpenAPI validator.
 */
import { MAX_BODY_BYTES } from "./http/body";
import type { Field, JsonSchema } from "./http/schema";
import { ERROR_RESPONSE } from "./api/responses";
import type { ResponseDeclaration, RouteDeclaration } from "./routes";

type DocumentedRoute = Pick<RouteDeclaration, "method" | "path" | "guard" | "summary" | "body" | "query" | "response">;

/** Marks what a route did not declare (a generic stand-in was used), so tools and tests can list it. */
export const UNDECLARED = "x-hybrid-auth-undeclared";

const GUARD_TEXT = {
  none: "",
  auth: "Needs an access token (Bearer).",
  recent: "Needs an access token whose sign-in is recent (sudo mode): otherwise 403 reauthentication_required.",
} as const;

const json = (schema: JsonSchema) => ({ "application/json": { schema } });

/** Hono's "/passkeys/:id" → OpenAPI's "/passkeys/{id}", and the names of its parameters. */
function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const { params } = openApiPath(route.path);
  const undeclared: string[] = [];
  const op: Record<string, unknown> = {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ""))}`,
    summary: route.summary,
  };
  if (route.guard !== "none") {
    op.description = GUARD_TEXT[route.guard];
    op.security = [{ bearer: [] }];
  }
  const parameters: Record<string, unknown>[] = params.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  if (route.query) {
    const required = new Set((route.query.schema.required as string[] | undefined) ?? []);
    for (const [name, field] of Object.entries(route.query.fields as Record<string, Field<unknown>>)) {
      parameters.push({ name, in: "query", required: required.has(name), schema: field.schema });
    }
  }
  if (parameters.length) op.parameters = parameters;
  // An undeclared POST is shown with a generic body; GET and DELETE have a body only when they declare one.
  if (route.body ? true : route.body === undefined && route.method === "POST") {
    if (route.body === undefined) undeclared.push("body");
    op.requestBody = {
      required: true,
      description: `JSON, at most ${MAX_BODY_BYTES} bytes`,
      content: json(route.body?.schema ?? { type: "object", description: "not declared yet" }),
    };
  }
  const successes: readonly ResponseDeclaration[] = route.response === undefined ? [] : Array.isArray(route.response) ? route.response : [route.response as ResponseDeclaration];
  const responses: Record<string, unknown> = {};
  if (!successes.length) {
    undeclared.push("response");
    responses["200"] = { description: "success (not declared yet)", content: json({ type: "object" }) };
  }
  for (const success of successes) {
    if (success.status === 302 || success.status === 303) {
      responses[String(success.status)] = { description: success.description, headers: { Location: { description: success.description, schema: { type: "string", format: "uri" } } } };
      continue;
    }
    const content: Record<string, unknown> = json(success.schema.schema);
    if (success.html) content["text/html"] = { schema: { type: "string", description: success.html } };
    responses[String(success.status)] = { description: success.html ? `${success.description}; ${success.html}` : success.description, content };
  }
  responses.default = { description: "an error, with a stable code (js/README.md, Errors)", content: json(ERROR_RESPONSE.schema) };
  op.responses = responses;
  if (undeclared.length) op[UNDECLARED] = undeclared;
  return op;
}

/** The document for the routes mounted at `prefix` (e.g. "/auth"). */
export function openApiDocument(routes: readonly DocumentedRoute[], prefix: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { path } = openApiPath(route.path);
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "hybrid-auth",
      version: "3",
      description: "Authentication routes of hybrid-auth (JWT with refresh rotation, legacy sessions, passkeys). Generated from the route declarations.",
    },
    servers: [{ url: prefix || "/" }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "an access JWT or a legacy session token" } },
    },
  };
}
