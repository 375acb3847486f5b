import { changePasswordStatements, findUserById, revokeOtherLogins, setPasswordHash } from "../../db";
import { HttpError } from "../../errors";
import type { RouteInput } from "../../http/schema";
import type { ChangePasswordBody } from "../../api/requests";
import type { ChangePasswordResponseBody } from "../../api/responses";
import { limitFailures } from "../../lifecycle/rateLimit";
import { currentLoginOf } from "../../lifecycle/sessions";
import type { AppContext } from "../../types";

/**
 * POST /auth/change-password {current_password, new_password, revoke_other_logins?}
 * (sudo mode) → {password_changed: true, revoked_other_logins, ended: [login ids]}.
 *
 *  - the current password must be right: a wrong one is 403
 *    invalid_current_password and counts against RATE_LIMIT_CHANGE_PASSWORD
 *    (per user; successes do not count), so a stolen token with a fresh
 *    sign-in cannot guess its way through;
 *  - the new one follows the register rules (8..1024 characters);
 *  - by default every other login of the user ends in the same transaction
 *    as the new hash (families revoked with their `sid` rows, sessions
 *    deleted): the current one is kept. `revoke_other_logins: false` keeps them;
 *  - either way, the same batch retires the user's outstanding password-reset
 *    links, so a link sent before the change cannot undo it.
 */
export async function changePassword(c: AppContext, input: RouteInput<ChangePasswordBody, never>): Promise<Response> {
  const principal = c.get("principal");
  // Checked by the route's CHANGE_PASSWORD_BODY (api/requests.ts) before any work.
  const { current_password: currentPassword, new_password: newPassword, revoke_other_logins: revokeOthers } = await input.body();

  const db = c.get("db");
  const config = c.get("config");
  const userId = principal.user.id;
  const attempt = await limitFailures(db, [{ name: "change-password:user", rule: config.rateLimits.changePasswordPerUser, subject: userId }]);
  const user = await findUserById(db, userId);
  if (!user) throw new HttpError(404, "not_found", "this account no longer exists");
  const check = await config.passwords.check(currentPassword, user.passwordHash, { id: user.id, email: user.email, name: user.name });
  if (!check.ok) throw new HttpError(403, "invalid_current_password", "the current password is not right");
  // Given back before the write: a failure after it must not leave a right password counted.
  await attempt.succeeded();

  const newHash = await config.passwords.hash(newPassword);
  const now = Math.floor(Date.now() / 1000);
  if (!revokeOthers) {
    await setPasswordHash(db, userId, newHash, now);
    return c.json({ password_changed: true, revoked_other_logins: false, ended: [] } satisfies ChangePasswordResponseBody);
  }
  const current = currentLoginOf(principal);
  const ended = await revokeOtherLogins(
    db,
    {
      userId,
      keepFamilyId: current.familyId,
      keepSessionHash: current.sessionHash,
      reason: "password_change",
      before: changePasswordStatements(db, userId, newHash, now),
    },
    now,
  );
  c.get("auth").revocationSource.note(ended.rows);
  return c.json({ password_changed: true, revoked_other_logins: true, ended: [...ended.families, ...ended.sessions] } satisfies ChangePasswordResponseBody);
}
