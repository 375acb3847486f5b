/**
 * Every route of the auth sub-app, declared once: method, path (relative to
 * where the adopter mounts it), guard and handler. createAuth builds the Hono
 * routes and the 405 answers from this list, and docs/tests read it, so the
 * route table cannot drift from what is served.
 */
import {
  CHANGE_PASSWORD_BODY,
  DEV_MAILBOX_QUERY,
  EMAIL_CHANGE_BODY,
  EMAIL_TOKEN_BODY,
  LOGIN_BODY,
  PASSKEY_LOGIN_VERIFY_BODY,
  PASSKEY_REGISTER_VERIFY_BODY,
  PASSKEY_RENAME_BODY,
  PASSWORD_RESET_COMPLETE_BODY,
  PASSWORD_RESET_REQUEST_BODY,
  REFRESH_BODY,
  REGISTER_BODY,
  USAGE_QUERY,
} from "./api/requests";
import * as R from "./api/responses";
import { out } from "./http/schema";
import type { ObjectSpec, RouteInput, Shape } from "./http/schema";
import { openApiDocument } from "./openapi";
import { getCurrentUser } from "./endpoints/v3/getCurrentUser";
import { login } from "./endpoints/v3/login";
import { logout, logoutAll } from "./endpoints/v3/logout";
import { passkeyLoginOptions } from "./endpoints/v3/passkeyLoginOptions";
import { passkeyLoginVerify } from "./endpoints/v3/passkeyLoginVerify";
import { passkeyRegisterOptions } from "./endpoints/v3/passkeyRegisterOptions";
import { passkeyRegisterVerify } from "./endpoints/v3/passkeyRegisterVerify";
import { deleteUserPasskey, listUserPasskeys, renameUserPasskey } from "./endpoints/v3/passkeys";
import { refresh } from "./endpoints/v3/refresh";
import { register } from "./endpoints/v3/register";
import { getUsage } from "./endpoints/v3/usage";
import { listSessions, revokeOtherSessions, revokeSession } from "./endpoints/v3/sessions";
import { changePassword } from "./endpoints/v3/changePassword";
import { completePasswordReset, requestPasswordReset } from "./endpoints/v3/passwordReset";
import { resendVerification, verifyEmail } from "./endpoints/v3/emailVerification";
import { confirmEmailChange, requestEmailChange } from "./endpoints/v3/emailChange";
import { devMailbox } from "./endpoints/v3/devMailbox";
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
  status: 200 | 201 | 202;
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

/** A success answer: `status` with the JSON of `schema`. */
function ok<T>(schema: Shape<T>, description: string, status: 200 | 201 | 202 = 200): ResponseDeclaration {
  return { status, description, schema };
}

export const ROUTES: readonly RouteDeclaration[] = [
  defineRoute({ method: "POST", path: "/register", guard: "none", summary: "create an account {email, password, name}", body: REGISTER_BODY, response: [ok(R.REGISTER_RESPONSE, "the new account", 201), ok(R.REGISTRATION_PENDING_RESPONSE, "email verification on: a link is on its way (the same answer when the address is taken)", 202)], handler: register }),
  defineRoute({ method: "POST", path: "/login", guard: "none", summary: "password login → access token (+ refresh token in JWT mode)", body: LOGIN_BODY, response: ok(R.LOGIN_RESPONSE, "signed in"), handler: login }),
  defineRoute({ method: "GET", path: "/me", guard: "auth", summary: "the authenticated user and the token kind", response: ok(R.ME_RESPONSE, "who is signed in"), handler: getCurrentUser }),
  defineRoute({ method: "POST", path: "/logout", guard: "auth", summary: "end the presented token's whole login", body: null, response: ok(R.LOGOUT_RESPONSE, "logged out"), handler: logout }),
  defineRoute({ method: "POST", path: "/refresh", guard: "none", summary: "rotate a refresh token → new access + refresh token", body: REFRESH_BODY, response: ok(R.LOGIN_RESPONSE, "a new access token and refresh token"), handler: refresh }),
  defineRoute({ method: "POST", path: "/logout-all", guard: "auth", summary: "end every login of the user", body: null, response: ok(R.LOGOUT_ALL_RESPONSE, "every login ended"), handler: logoutAll }),
  defineRoute({ method: "GET", path: "/usage", guard: "auth", summary: "phase-2 usage report (admin)", query: USAGE_QUERY, response: ok(R.USAGE_RESPONSE, "the report"), handler: getUsage }),
  defineRoute({ method: "POST", path: "/passkey/register/options", guard: "recent", summary: "start adding a passkey (sudo mode)", body: null, response: ok(R.PASSKEY_OPTIONS_RESPONSE, "options for startRegistration()"), handler: passkeyRegisterOptions }),
  defineRoute({ method: "POST", path: "/passkey/register/verify", guard: "recent", summary: "finish adding a passkey (sudo mode)", body: PASSKEY_REGISTER_VERIFY_BODY, response: ok(R.PASSKEY_CREATED_RESPONSE, "the passkey was added", 201), handler: passkeyRegisterVerify }),
  defineRoute({ method: "POST", path: "/passkey/login/options", guard: "none", summary: "start a passkey login", body: null, response: ok(R.PASSKEY_OPTIONS_RESPONSE, "options for startAuthentication()"), handler: passkeyLoginOptions }),
  defineRoute({ method: "POST", path: "/passkey/login/verify", guard: "none", summary: "finish a passkey login → the /login answer", body: PASSKEY_LOGIN_VERIFY_BODY, response: ok(R.LOGIN_RESPONSE, "signed in"), handler: passkeyLoginVerify }),
  defineRoute({ method: "GET", path: "/passkeys", guard: "auth", summary: "the user's passkeys", response: ok(R.PASSKEY_LIST_RESPONSE, "the passkeys"), handler: listUserPasskeys }),
  defineRoute({ method: "DELETE", path: "/passkeys/:id", guard: "recent", summary: "remove a passkey (sudo mode)", response: ok(R.PASSKEY_DELETED_RESPONSE, "removed"), handler: deleteUserPasskey }),
  defineRoute({ method: "PATCH", path: "/passkeys/:id", guard: "auth", summary: "rename a passkey {label}", body: PASSKEY_RENAME_BODY, response: ok(R.PASSKEY_RENAMED_RESPONSE, "renamed"), handler: renameUserPasskey }),
  // Issue 14 §1-2: sessions and devices, change password.
  defineRoute({ method: "GET", path: "/sessions", guard: "auth", summary: "the user's live logins (refresh families and sessions), the current one marked", response: ok(R.SESSIONS_RESPONSE, "the logins"), handler: listSessions }),
  defineRoute({ method: "DELETE", path: "/sessions/:id", guard: "auth", summary: "end one login of the user (its JWTs are refused too)", response: ok(R.SESSION_REVOKED_RESPONSE, "the login ended"), handler: revokeSession }),
  defineRoute({ method: "POST", path: "/sessions/revoke-others", guard: "auth", summary: "end every login of the user but the current one", body: null, response: ok(R.REVOKE_OTHERS_RESPONSE, "the other logins ended"), handler: revokeOtherSessions }),
  defineRoute({ method: "POST", path: "/change-password", guard: "recent", summary: "change the password {current_password, new_password, revoke_other_logins?} (sudo mode)", body: CHANGE_PASSWORD_BODY, response: ok(R.CHANGE_PASSWORD_RESPONSE, "the password changed"), handler: changePassword }),
  // Issue 14 §2-4: password reset, email verification, change of email (and the development mailbox).
  defineRoute({ method: "POST", path: "/password/reset/request", guard: "none", summary: "email a password-reset link {email}; the same 202 whether or not the address has an account", body: PASSWORD_RESET_REQUEST_BODY, response: ok(R.PASSWORD_RESET_REQUESTED_RESPONSE, "accepted (whether or not an account has the address)", 202), handler: requestPasswordReset }),
  defineRoute({ method: "POST", path: "/password/reset/complete", guard: "none", summary: "set a new password with the link's token {token, password}; ends every login", body: PASSWORD_RESET_COMPLETE_BODY, response: ok(R.PASSWORD_RESET_RESPONSE, "the password was reset"), handler: completePasswordReset }),
  defineRoute({ method: "POST", path: "/email/verify", guard: "none", summary: "verify the account's address with the link's token {token}", body: EMAIL_TOKEN_BODY, response: ok(R.EMAIL_VERIFIED_RESPONSE, "the address is verified"), handler: verifyEmail }),
  defineRoute({ method: "POST", path: "/email/verify/resend", guard: "auth", summary: "send a new verification link to the signed-in user's address", body: null, response: [ok(R.VERIFICATION_SENT_RESPONSE, "a new link is on its way", 202), ok(R.ALREADY_VERIFIED_RESPONSE, "nothing to do: the address is already verified")], handler: resendVerification }),
  defineRoute({ method: "POST", path: "/email/change", guard: "recent", summary: "ask to move the account to a new address {email}: a link goes to it (sudo mode)", body: EMAIL_CHANGE_BODY, response: ok(R.EMAIL_CHANGE_PENDING_RESPONSE, "a link went to the new address", 202), handler: requestEmailChange }),
  defineRoute({ method: "POST", path: "/email/change/confirm", guard: "none", summary: "finish a change of address with the link's token {token}", body: EMAIL_TOKEN_BODY, response: ok(R.EMAIL_CHANGED_RESPONSE, "the account has the new address"), handler: confirmEmailChange }),
  defineRoute({ method: "GET", path: "/dev/mailbox", guard: "none", summary: "development only (devMailbox, loopback): the emails the server would have sent", query: DEV_MAILBOX_QUERY, response: { ...ok(R.DEV_MAILBOX_RESPONSE, "the messages, newest first (with ?format=json)"), html: "without ?format=json: the same messages as a page with clickable links" }, handler: devMailbox }),
  // Generated from this very table (js/src/openapi.ts): there is no other copy.
  defineRoute({ method: "GET", path: "/openapi.json", guard: "none", summary: "this API as an OpenAPI 3.1 document", response: ok(out.json("the OpenAPI 3.1 document"), "this document"), handler: (c) => c.json(openApiDocument(ROUTES, mountPrefix(c))) }),
];

/** Where the sub-app is mounted ("/auth"), from the path of this request to /openapi.json. */
function mountPrefix(c: AppContext): string {
  return c.req.path.slice(0, c.req.path.length - "/openapi.json".length);
}
