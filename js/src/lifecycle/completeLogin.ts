/**
 * The end of every login, whatever proved it: tokens (issueLoginToken), the
 * adopter's onLogin hook, and the answer through the refresh transport (body
 * or cookie). Password and passkey logins call it, and so does a plugin that
 * held a login back for a second factor (PluginHooks.secondFactor) once that
 * factor is proven, so a login finished by a plugin is the same login.
 */
import type { SecondFactor } from "../db";
import { notify } from "../hooks";
import type { LoginMethod } from "../options";
import type { FirstFactorLogin, RefreshDelivery } from "../plugin";
import type { AppContext, PublicUser } from "../types";
import { issueLoginToken } from "./loginTokens";
import { refreshTransportOf } from "./refreshTransport";

export interface LoginCompletion {
  method: LoginMethod;
  remember: boolean;
  delivery: RefreshDelivery;
  /** For the JWT's `email_verified` claim; read from D1 when absent. */
  emailVerified?: boolean;
  /** The second factor that was proven, if any (shown in the sessions list). */
  secondFactor?: SecondFactor | null;
}

/** Issues the login's tokens, runs onLogin and answers (the answer of POST /login). */
export async function completeLogin(c: AppContext, user: PublicUser, login: LoginCompletion): Promise<Response> {
  const response = await issueLoginToken(c, user, {
    remember: login.remember,
    secondFactor: login.secondFactor ?? null,
    method: login.method,
    ...(login.emailVerified === undefined ? {} : { emailVerified: login.emailVerified }),
  });
  const onLogin = c.get("config").hooks.onLogin;
  if (onLogin) await notify(c, "onLogin", () => onLogin({ user, method: login.method }, c));
  return refreshTransportOf(c).answer(c, response, login.delivery, login.remember);
}

/** The first mounted plugin's answer that holds this login back for a second factor, or undefined. */
export async function secondFactorAnswer(c: AppContext, login: FirstFactorLogin): Promise<Response | undefined> {
  for (const hook of c.get("auth").hooks.secondFactor) {
    const answer = await hook(c, login);
    if (answer) return answer;
  }
  return undefined;
}
