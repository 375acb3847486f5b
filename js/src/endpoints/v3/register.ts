import { createUser } from "../../db";
import { HttpError } from "../../errors";
import { notify } from "../../hooks";
import type { RouteInput } from "../../http/schema";
import type { RegisterBody } from "../../api/requests";
import type { RegisterResponseBody } from "../../api/responses";
import { emailKey, enforceRateLimits, clientIpKey } from "../../lifecycle/rateLimit";
import type { AppContext } from "../../types";

/** POST /auth/register {email, password, name} → 201 {user}. */
export async function register(c: AppContext, input: RouteInput<RegisterBody, never>): Promise<Response> {
  // Checked by the route's REGISTER_BODY (api/requests.ts): email trimmed and lower-cased, name trimmed.
  const { email, password, name } = await input.body();
  // Plugins first (email verification: a link must be sendable before an account is made).
  for (const hook of c.get("auth").hooks.beforeRegister) hook(c);
  const limits = c.get("config").rateLimits;
  await enforceRateLimits(c.get("db"), [
    { name: "register:email", rule: limits.registerPerEmail, subject: emailKey(email) },
    { name: "register:ip", rule: limits.registerPerIp, subject: clientIpKey(c) },
  ]);

  const now = Math.floor(Date.now() / 1000);
  const created = await createUser(c.get("db"), {
    id: crypto.randomUUID(),
    email,
    name,
    passwordHash: await c.get("config").passwords.hash(password),
    createdAt: now,
    updatedAt: now,
  });
  // A plugin may answer instead (email verification's same 202 for a new and a taken address).
  for (const hook of c.get("auth").hooks.afterRegister) {
    const answer = await hook(c, created, { email, name });
    if (answer) return answer;
  }
  if (!created.ok) {
    throw new HttpError(409, "email_taken", "an account with this email already exists");
  }
  const { id } = created.user;
  const onRegister = c.get("config").hooks.onRegister;
  if (onRegister) await notify(c, "onRegister", () => onRegister({ id, email, name }, c));
  const answer: RegisterResponseBody = { user: { id, email, name, created_at: now } };
  return c.json(answer, 201);
}
