import { stampLifetime } from "../../config";
import { confirmEmailChange as confirmInDb, findUserByEmail, findUserById } from "../../db";
import { HttpError, badRequest, unauthorized } from "../../errors";
import { alreadyRegisteredEmail, emailChangeConfirmation, emailChangeNotice } from "../../email/messages";
import type { RouteInput } from "../../http/schema";
import type { EmailChangeBody, EmailTokenBody } from "../../api/requests";
import type { EmailChangePendingResponseBody, EmailChangedResponseBody } from "../../api/responses";
import { afterAnswer, checkEmailToken, issueEmailToken, linkFor, pageUrl, requireEmailSender, send, whySpendFailed } from "../../lifecycle/emailTokens";
import { enforceRateLimits } from "../../lifecycle/rateLimit";
import type { AppContext } from "../../types";

/**
 * POST /auth/email/change {email} (sudo mode) → 202 {pending: true, email}.
 *
 * Nothing changes yet: a link goes to the NEW address, and the account moves
 * to it only when that link is opened (POST /email/change/confirm). The
 * current address gets a notice at once, while its owner can still stop the
 * change (a password reset retires the pending link). Whether the new
 * address already has an account is not revealed to the requester: the
 * answer is the same, and that address's owner gets an email instead of a
 * link. Rate-limited per user (RATE_LIMIT_EMAIL_CHANGE).
 */
export async function requestEmailChange(c: AppContext, input: RouteInput<EmailChangeBody, never>): Promise<Response> {
  // EMAIL_CHANGE_BODY: the new address trimmed and lower-cased, then checked.
  const { email: newEmail } = await input.body();
  requireEmailSender(c);
  const config = c.get("config");
  const db = c.get("db");
  const userId = c.get("principal").user.id;
  await enforceRateLimits(db, [{ name: "email:change", rule: config.rateLimits.emailChangePerUser, subject: userId }]);
  const user = await findUserById(db, userId);
  if (!user) throw unauthorized("invalid_token", "the token is invalid or expired");
  if (user.email === newEmail) throw badRequest("invalid_field", "email is already this account's address");
  await afterAnswer(c, "change-of-email request", async () => {
    if (await findUserByEmail(db, newEmail)) {
      await send(c, alreadyRegisteredEmail(newEmail, pageUrl(c)));
      return;
    }
    const ttl = config.email.verificationTtl;
    const token = await issueEmailToken(c, { purpose: "change_email", userId, email: newEmail, ttlSeconds: ttl });
    await send(c, emailChangeConfirmation(newEmail, linkFor(c, "change_email", token), ttl));
    await send(c, emailChangeNotice(user.email, newEmail, pageUrl(c)));
  });
  const answer: EmailChangePendingResponseBody = { pending: true, email: newEmail, message: "Open the link we sent to the new address to finish the change." };
  return c.json(answer, 202);
}

const addressTaken = () => new HttpError(409, "email_taken", "another account has this address now");

/**
 * POST /auth/email/change/confirm {token} → 200 {email_changed: true, email}.
 * No sign-in needed (the link may be opened on another device): the token
 * was issued in sudo mode and reached the new mailbox. One batch spends it
 * (only while no account holds that address: else 409 email_taken), records
 * an `auth_events` row with both addresses, sets the address as verified,
 * retires every other email link of the user and, since this is the new
 * address's first proof for this account, ends everything set up before it:
 * the account's passkeys and every login (account pre-hijacking through a
 * change of address, db/unprovenCredentials.ts). The owner signs in again
 * with the new address and adds passkeys again.
 */
export async function confirmEmailChange(c: AppContext, input: RouteInput<EmailTokenBody, never>): Promise<Response> {
  const { token } = await input.body();
  const db = c.get("db");
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const { hash, record } = await checkEmailToken(c, token, "change_email", now);
  // Checked before the batch too: its login revocation is not conditional on the spend,
  // so a link that cannot succeed must not reach it (a race is caught by the spend itself).
  if (await findUserByEmail(db, record.email)) throw addressTaken();
  const result = await confirmInDb(db, { tokenHash: hash, nonce: crypto.randomUUID(), now }, { userId: record.userId, notBeforeMs: nowMs, stampExpiresAt: now + stampLifetime(c.get("config")) });
  c.get("auth").revocationSource.note(result.rows);
  if (!result.changed) throw await whySpendFailed(c, hash, now, addressTaken);
  const answer: EmailChangedResponseBody = { email_changed: true, email: record.email };
  return c.json(answer);
}
