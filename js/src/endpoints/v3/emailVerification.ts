import { stampLifetime } from "../../config";
import { findEmailVerified, findUserById, verifyEmailWithToken } from "../../db";
import { verificationEmail } from "../../email/messages";
import type { RouteInput } from "../../http/schema";
import type { EmailTokenBody } from "../../api/requests";
import type { EmailVerifiedResponseBody, VerificationResendResponseBody } from "../../api/responses";
import { afterAnswer, checkEmailToken, issueEmailToken, linkFor, requireEmailSender, send, whySpendFailed } from "../../lifecycle/emailTokens";
import { enforceRateLimits } from "../../lifecycle/rateLimit";
import type { AppContext } from "../../types";

/**
 * POST /auth/email/verify {token} → 200 {email_verified: true, email}.
 * The link proves the account's current address: one batch spends the token,
 * marks the address verified, retires the other verification links and
 * records an `auth_events` row. When this is the address's first proof (it
 * was unproven), the same batch ends everything set up while it was
 * unproven: the account's passkeys and every login (account pre-hijacking,
 * db/unprovenCredentials.ts); whoever registered the address must sign in
 * again, with the password, which the mailbox's owner can now reset.
 * JWTs carry `email_verified` as issued: the next login or refresh carries `true`.
 */
export async function verifyEmail(c: AppContext, input: RouteInput<EmailTokenBody, never>): Promise<Response> {
  const { token } = await input.body();
  const db = c.get("db");
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const { hash, record } = await checkEmailToken(c, token, "verify_email", now);
  // Read before the batch: whether this is a first proof decides whether logins end (the
  // credential deletes check it again inside the batch).
  const firstProof = (await findEmailVerified(db, record.userId)) === false ? { userId: record.userId, notBeforeMs: nowMs, stampExpiresAt: now + stampLifetime(c.get("config")) } : null;
  const result = await verifyEmailWithToken(db, { tokenHash: hash, nonce: crypto.randomUUID(), now }, firstProof);
  c.get("auth").revocationSource.note(result.rows);
  if (!result.verified) throw await whySpendFailed(c, hash, now);
  const answer: EmailVerifiedResponseBody = { email_verified: true, email: record.email };
  return c.json(answer);
}

/**
 * POST /auth/email/verify/resend (signed in) → 202 {sent: true}, or 200
 * {sent: false, email_verified: true} when there is nothing to verify.
 * Rate-limited per user (RATE_LIMIT_VERIFY_RESEND). A new link retires the
 * previous ones.
 */
export async function resendVerification(c: AppContext): Promise<Response> {
  requireEmailSender(c);
  const config = c.get("config");
  const db = c.get("db");
  const userId = c.get("principal").user.id;
  if ((await findEmailVerified(db, userId)) === true) return c.json({ sent: false, email_verified: true } satisfies VerificationResendResponseBody);
  await enforceRateLimits(db, [{ name: "verify:resend", rule: config.rateLimits.verificationResendPerUser, subject: userId }]);
  await afterAnswer(c, "verification email", async () => {
    const user = await findUserById(db, userId);
    if (!user) return;
    const ttl = config.email.verificationTtl;
    const token = await issueEmailToken(c, { purpose: "verify_email", userId, email: user.email, ttlSeconds: ttl });
    await send(c, verificationEmail(user.email, linkFor(c, "verify_email", token), ttl));
  });
  return c.json({ sent: true, email_verified: false } satisfies VerificationResendResponseBody, 202);
}
