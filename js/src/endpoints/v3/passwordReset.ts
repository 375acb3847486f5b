import { stampLifetime } from "../../config";
import { completePasswordReset as completeResetInDb, findUserByEmail } from "../../db";
import { passwordResetEmail } from "../../email/messages";
import type { RouteInput } from "../../http/schema";
import type { PasswordResetCompleteBody, PasswordResetRequestBody } from "../../api/requests";
import type { PasswordResetRequestedResponseBody, PasswordResetResponseBody } from "../../api/responses";
import { afterAnswer, checkEmailToken, issueEmailToken, linkFor, requireEmailSender, send, whySpendFailed } from "../../lifecycle/emailTokens";
import { clientIpKey, emailKey, withinRateLimits } from "../../lifecycle/rateLimit";
import type { AppContext } from "../../types";

/**
 * POST /auth/password/reset/request {email} → 202, always the same body.
 *
 * The answer never depends on whether an account has this address: after
 * the input check and the sender check (the same for every address), the
 * account lookup, the token and the email all happen after the answer
 * (ctx.waitUntil), so neither the body, the status nor the time to answer
 * can tell the two apart.
 *
 * Nobody is refused (issue 19 §4): a 429 per address would let anyone lock
 * an owner out of their own reset by asking first. Instead the SENDING is
 * capped, quietly: every request counts against the per-address
 * (RATE_LIMIT_RESET_EMAIL) and per-client (RATE_LIMIT_RESET_IP) rules, and a
 * request over either gets the same 202 but no token and no email. No token
 * either, so the newest link already in the mailbox stays the one that works.
 */
export async function requestPasswordReset(c: AppContext, input: RouteInput<PasswordResetRequestBody, never>): Promise<Response> {
  // PASSWORD_RESET_REQUEST_BODY: the address trimmed and lower-cased, then checked.
  const { email } = await input.body();
  requireEmailSender(c);
  const config = c.get("config");
  const db = c.get("db");
  const maySend = await withinRateLimits(db, [
    { name: "reset:email", rule: config.rateLimits.passwordResetPerEmail, subject: emailKey(email) },
    { name: "reset:ip", rule: config.rateLimits.passwordResetPerIp, subject: clientIpKey(c) },
  ]);
  if (maySend) {
    await afterAnswer(c, "password reset request", async () => {
      const user = await findUserByEmail(db, email);
      if (!user) return;
      const ttl = config.email.passwordResetTtl;
      const token = await issueEmailToken(c, { purpose: "password_reset", userId: user.id, email: user.email, ttlSeconds: ttl });
      await send(c, passwordResetEmail(user.email, linkFor(c, "password_reset", token), ttl));
    });
  }
  const answer: PasswordResetRequestedResponseBody = { accepted: true, message: "If an account uses this address, an email with a link to reset its password is on its way (a few per hour at most: if several were asked for, the newest link works)." };
  return c.json(answer, 202);
}

/**
 * POST /auth/password/reset/complete {token, password} → 200.
 *
 * The token is checked before any password work (a bad one costs no
 * password hash). Then ONE batch spends it, sets the new hash, retires the user's
 * other email links, records an `auth_events` row and revokes every login of
 * the user (families with their `sid` rows, a per-user stamp, sessions);
 * this isolate refuses the revoked JWTs at once.
 */
export async function completePasswordReset(c: AppContext, input: RouteInput<PasswordResetCompleteBody, never>): Promise<Response> {
  // PASSWORD_RESET_COMPLETE_BODY: both present, the password within the register rules; the token's shape is checkEmailToken's.
  const { token, password } = await input.body();
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const { hash, record } = await checkEmailToken(c, token, "password_reset", now);
  const passwordHash = await c.get("config").passwords.hash(password);
  const result = await completeResetInDb(
    c.get("db"),
    { tokenHash: hash, nonce: crypto.randomUUID(), now },
    { userId: record.userId, passwordHash, notBeforeMs: nowMs, stampExpiresAt: now + stampLifetime(c.get("config")) },
  );
  c.get("auth").revocationSource.note(result.rows);
  if (!result.completed) throw await whySpendFailed(c, hash, now);
  const answer: PasswordResetResponseBody = { password_reset: true, email: record.email, sessions_ended: result.sessions, refresh_families_revoked: result.families };
  return c.json(answer);
}
