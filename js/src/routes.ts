/**
 * Every route of the auth sub-app, declared once: method, path (relative to
 * where the adopter mounts it), guard and handler. createAuth builds the Hono
 * routes and the 405 answers from this list, and docs/tests read it, so the
 * route table cannot drift from what is served.
 */
import type { Handler } from "hono";
import { getCurrentUser } from "./endpoints/v3/getCurrentUser";
import { login } from "./endpoints/v3/login";
import { logout, logoutAll } from "./endpoints/v3/logout";
import { passkeyLoginOptions } from "./endpoints/v3/passkeyLoginOptions";
import { passkeyLoginVerify } from "./endpoints/v3/passkeyLoginVerify";
import { passkeyRegisterOptions } from "./endpoints/v3/passkeyRegisterOptions";
import { passkeyRegisterVerify } from "./endpoints/v3/passkeyRegisterVerify";
import { deleteUserPasskey, listUserPasskeys } from "./endpoints/v3/passkeys";
import { refresh } from "./endpoints/v3/refresh";
import { register } from "./endpoints/v3/register";
import { getUsage } from "./endpoints/v3/usage";
import type { AppEnv } from "./types";

/**
 * Who may call a route:
 *  - "none": anyone (the route does its own checks, e.g. credentials);
 *  - "auth": a valid access or session token (requireAuth);
 *  - "recent": a token whose sign-in is within reauthMaxAge (sudo mode, issue 11).
 */
export type Guard = "none" | "auth" | "recent";

export interface RouteDeclaration {
  method: "GET" | "POST" | "DELETE";
  /** Relative to the mount point, Hono syntax (":id"). */
  path: string;
  guard: Guard;
  /** One line for the docs. */
  summary: string;
  handler: Handler<AppEnv>;
}

/** Declares one route (typed, so a table of them is checked field by field). */
export function defineRoute(route: RouteDeclaration): RouteDeclaration {
  return route;
}

export const ROUTES: readonly RouteDeclaration[] = [
  defineRoute({ method: "POST", path: "/register", guard: "none", summary: "create an account {email, password, name}", handler: register }),
  defineRoute({ method: "POST", path: "/login", guard: "none", summary: "password login → access token (+ refresh token in JWT mode)", handler: login }),
  defineRoute({ method: "GET", path: "/me", guard: "auth", summary: "the authenticated user and the token kind", handler: getCurrentUser }),
  defineRoute({ method: "POST", path: "/logout", guard: "auth", summary: "end the presented token's whole login", handler: logout }),
  defineRoute({ method: "POST", path: "/refresh", guard: "none", summary: "rotate a refresh token → new access + refresh token", handler: refresh }),
  defineRoute({ method: "POST", path: "/logout-all", guard: "auth", summary: "end every login of the user", handler: logoutAll }),
  defineRoute({ method: "GET", path: "/usage", guard: "auth", summary: "phase-2 usage report (admin)", handler: getUsage }),
  defineRoute({ method: "POST", path: "/passkey/register/options", guard: "recent", summary: "start adding a passkey (sudo mode)", handler: passkeyRegisterOptions }),
  defineRoute({ method: "POST", path: "/passkey/register/verify", guard: "recent", summary: "finish adding a passkey (sudo mode)", handler: passkeyRegisterVerify }),
  defineRoute({ method: "POST", path: "/passkey/login/options", guard: "none", summary: "start a passkey login", handler: passkeyLoginOptions }),
  defineRoute({ method: "POST", path: "/passkey/login/verify", guard: "none", summary: "finish a passkey login → the /login answer", handler: passkeyLoginVerify }),
  defineRoute({ method: "GET", path: "/passkeys", guard: "auth", summary: "the user's passkeys", handler: listUserPasskeys }),
  defineRoute({ method: "DELETE", path: "/passkeys/:id", guard: "recent", summary: "remove a passkey (sudo mode)", handler: deleteUserPasskey }),
];
