import { createUser } from "../../db";
import { HttpError } from "../../errors";
import { notify } from "../../hooks";
import { readJsonObject } from "../../http/body";
import { requireString, validEmail, validName, validNewPassword } from "../../http/fields";
import { emailKey, enforceRateLimits, clientIpKey } from "../../lifecycle/rateLimit";
import { hashPassword } from "../../passwords";
import type { AppContext } from "../../types";

/** POST /auth/register {email, password, name} → 201 {user}. */
export async function register(c: AppContext): Promise<Response> {
  const body = await readJsonObject(c.req.raw);
  // Check every field's presence and type before any content rule, so the
  // first error a client sees is about the shape of what it sent.
  const rawEmail = requireString(body, "email");
  const password = requireString(body, "password");
  const rawName = requireString(body, "name");
  const email = validEmail(rawEmail);
  validNewPassword(password);
  const name = validName(rawName);
  const limits = c.get("config").rateLimits;
  await enforceRateLimits(c.get("db"), [
    { name: "register:email", rule: limits.registerPerEmail, subject: emailKey(rawEmail) },
    { name: "register:ip", rule: limits.registerPerIp, subject: clientIpKey(c) },
  ]);

  const now = Math.floor(Date.now() / 1000);
  const created = await createUser(c.get("db"), {
    id: crypto.randomUUID(),
    email,
    name,
    passwordHash: await hashPassword(password),
    createdAt: now,
    updatedAt: now,
  });
  if (!created.ok) {
    throw new HttpError(409, "email_taken", "an account with this email already exists");
  }
  const { id } = created.user;
  const onRegister = c.get("config").hooks.onRegister;
  if (onRegister) await notify(c, "onRegister", () => onRegister({ id, email, name }, c));
  return c.json({ user: { id, email, name, created_at: now } }, 201);
}
