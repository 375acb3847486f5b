/**
 * Every route of the auth sub-app, declared once: method, path (relative to
 * where the adopter mounts it), guard and handler. createAuth builds the Hono
 * routes and the 405 answers from this list, and docs/tests read it, so the
 * route table cannot drift from what is served.
 */
import { CHANGE_PASSWORD_BODY, LOGIN_BODY, REFRESH_BODY, REGISTER_BODY } from "./api/requests";
import * as R from "./api/responses";
import { out } from "./http/schema";
import type { ObjectSpec, RouteInput, Shape } from "./http/schema";
import { openApiDocument } from "./openapi";
import { getCurrentUser } from "./endpoints/v3/getCurrentUser";
import { login } from "./endpoints/v3/login";
import { logout, logoutAll } from "./endpoints/v3/logout";
import { refresh } from "./endpoints/v3/refresh";
import { register } from "./endpoints/v3/register";
import { changePassword } from "./endpoints/v3/changePassword";
import { jwks } from "./endpoints/v3/jwks";
import type { AppContext } from "./types";

/**
 * Who may call a route:
 *  - "none": anyone (the route does its own checks, e.g. credentials);
 *  - "auth": a valid access or session token (requireAuth);
 *  - "recent": a token whose sign-in is within reauthMaxAge (sudo mode, issue 11).
 */
export type Guard = "none" | "auth" | "recent";

/** A success answer of a route, for the OpenAPI document and the client's types. */
export interface ResponseDeclaration<T = unknown> {
  /** 302 or 303: a browser navigation sent on (social sign-in); `schema` then describes nothing: the answer is its Location. */
  status: 200 | 201 | 202 | 302 | 303;
  description: string;
  schema: Shape<T>;
  /** The same status may instead answer an HTML page (GET /dev/mailbox): what it shows. */
  html?: string;
}

export interface RouteDeclaration<B = unknown, Q = unknown> {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Relative to the mount point, Hono syntax (":id"). */
  path: string;
  guard: Guard;
  /** One line for the docs. */
  summary: string;
  /**
   * The JSON body: its schema validates it (RouteInput.body) and documents
   * it. `null`: the route takes no body. Absent: not declared yet; the
   * OpenAPI document then shows a generic object (and lists it as undeclared).
   */
  body?: ObjectSpec<B> | null;
  /** The query string, the same way. */
  query?: ObjectSpec<Q>;
  /**
   * The success answer, or its alternatives with their own statuses (e.g.
   * 201 or, with verification on, 202). Absent: not declared yet; the
   * document then shows a generic object (and lists it as undeclared).
   */
  response?: ResponseDeclaration | readonly ResponseDeclaration[];
  // Method syntax: a table of routes with different bodies is one array type.
  handler(c: AppContext, input: RouteInput<B, Q>): Response | Promise<Response>;
}

/** Declares one route (typed, so a table of them is checked field by field, and the handler's input by its schemas). */
export function defineRoute<B = never, Q = never>(route: RouteDeclaration<B, Q>): RouteDeclaration {
  return route as RouteDeclaration;
}

/** A redirect answer (302, or 303 after a POST, with a Location, no body): what the Location is. */
export function redirect(description: string, status: 302 | 303 = 302): ResponseDeclaration {
  return { status, description, schema: out.json(description) };
}

/** A success answer: `status` with the JSON of `schema`. */
export function ok<T>(schema: Shape<T>, description: string, status: 200 | 201 | 202 = 200): ResponseDeclaration {
  return { status, description, schema };
}

/** The core's routes; each plugin brings its own (AuthPlugin.routes), and createAuth adds the two of metaRoutes. */
export const CORE_ROUTES: readonly RouteDeclaration[] = [
  defineRoute({ method: "POST", path: "/register", guard: "none", summary: "create an account {email, password, name}", body: REGISTER_BODY, response: [ok(R.REGISTER_RESPONSE, "the new account", 201), ok(R.REGISTRATION_PENDING_RESPONSE, "email verification on: a link is on its way (the same answer when the address is taken)", 202)], handler: register }),
  defineRoute({ method: "POST", path: "/login", guard: "none", summary: "password login → access token (+ refresh token in JWT mode)", body: LOGIN_BODY, response: ok(R.LOGIN_RESPONSE, "signed in"), handler: login }),
  defineRoute({ method: "GET", path: "/me", guard: "auth", summary: "the authenticated user and the token kind", response: ok(R.ME_RESPONSE, "who is signed in"), handler: getCurrentUser }),
  defineRoute({ method: "POST", path: "/logout", guard: "auth", summary: "end the presented token's whole login", body: null, response: ok(R.LOGOUT_RESPONSE, "logged out"), handler: logout }),
  defineRoute({ method: "POST", path: "/refresh", guard: "none", summary: "rotate a refresh token → new access + refresh token", body: REFRESH_BODY, response: ok(R.LOGIN_RESPONSE, "a new access token and refresh token"), handler: refresh }),
  defineRoute({ method: "POST", path: "/logout-all", guard: "auth", summary: "end every login of the user", body: null, response: ok(R.LOGOUT_ALL_RESPONSE, "every login ended"), handler: logoutAll }),
  defineRoute({ method: "GET", path: "/.well-known/jwks.json", guard: "none", summary: "the public keys of EdDSA access tokens (JWKS, cached 5 minutes; empty with HS256)", response: ok(R.JWKS_RESPONSE, "the key set"), handler: jwks }),
  defineRoute({ method: "POST", path: "/change-password", guard: "recent", summary: "change the password {current_password, new_password, revoke_other_logins?} (sudo mode)", body: CHANGE_PASSWORD_BODY, response: ok(R.CHANGE_PASSWORD_RESPONSE, "the password changed"), handler: changePassword }),
];

/** What GET /plugins says about one mounted plugin. */
export interface MountedPlugin {
  id: string;
  routes: readonly { method: string; path: string }[];
  facts: Record<string, string | number | boolean | null>;
}

/**
 * The two routes that describe an instance, from its mounted list: the
 * OpenAPI document (only mounted routes; generated from the very same
 * declarations, so there is no other copy) and GET /plugins, which a page
 * asks to show only what the server offers.
 */
export function metaRoutes(mounted: () => readonly RouteDeclaration[], plugins: (c: AppContext) => MountedPlugin[]): RouteDeclaration[] {
  return [
    defineRoute({ method: "GET", path: "/openapi.json", guard: "none", summary: "this API as an OpenAPI 3.1 document", response: ok(out.json("the OpenAPI 3.1 document"), "this document"), handler: (c) => c.json(openApiDocument(mounted(), mountPrefix(c, "/openapi.json"))) }),
    defineRoute({ method: "GET", path: "/plugins", guard: "none", summary: "the plugins this server mounts, their routes and public settings", response: ok(R.PLUGINS_RESPONSE, "the mounted plugins"), handler: (c) => c.json({ plugins: plugins(c) }) }),
  ];
}

/** Where the sub-app is mounted ("/auth"), from the path of this request. */
function mountPrefix(c: AppContext, path: string): string {
  return c.req.path.slice(0, c.req.path.length - path.length);
}
