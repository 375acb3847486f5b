/**
 * Registration while email verification is on (issue 14 §4): the answer no
 * longer says whether the address was free. Both cases have done the same
 * work before answering (a password hash and one INSERT, which the UNIQUE index
 * refuses for a taken address) and answer the same 202 body; what differs
 * happens after the answer: a new account gets a verification link (and
 * onRegister runs), the owner of a taken address gets an email saying
 * someone tried to register it.
 */
import type { CreateUserResult } from "../db";
import { alreadyRegisteredEmail, verificationEmail } from "../email/messages";
import { notify } from "../hooks";
import type { AppContext } from "../types";
import { afterAnswer, issueEmailToken, linkFor, pageUrl, send } from "./emailTokens";

/** The one body of POST /register while verification is on, whatever happened. */
export function pendingVerificationBody(email: string) {
  return { verification_sent: true as const, email, message: "Check your inbox: we sent a link to confirm this address." };
}

export async function answerRegistrationWithoutRevealing(c: AppContext, created: CreateUserResult, user: { email: string; name: string }): Promise<Response> {
  const config = c.get("config");
  await afterAnswer(c, "registration email", async () => {
    if (!created.ok) {
      await send(c, alreadyRegisteredEmail(user.email, pageUrl(c)));
      return;
    }
    const { id } = created.user;
    const ttl = config.email.verificationTtl;
    const token = await issueEmailToken(c, { purpose: "verify_email", userId: id, email: user.email, ttlSeconds: ttl });
    await send(c, verificationEmail(user.email, linkFor(c, "verify_email", token), ttl));
    const onRegister = config.hooks.onRegister;
    if (onRegister) await notify(c, "onRegister", () => onRegister({ id, email: user.email, name: user.name }, c));
  });
  return c.json(pendingVerificationBody(user.email), 202);
}
