import { findUserByEmail, replacePasswordHash } from "../../db";
import { unauthorized } from "../../errors";
import type { RouteInput } from "../../http/schema";
import type { LoginBody } from "../../api/requests";
import { emailKey, clientIpKey, limitFailures } from "../../lifecycle/rateLimit";
import { completeLogin, secondFactorAnswer } from "../../lifecycle/completeLogin";
import { refreshTransportOf } from "../../lifecycle/refreshTransport";
import type { AppContext } from "../../types";

/** POST /auth/login {email, password} → {token, token_type, expires_at, user, refresh_token?, refresh_expires_at?}. */
export async function login(c: AppContext, input: RouteInput<LoginBody, never>): Promise<Response> {
  // LOGIN_BODY (api/requests.ts): the email comes trimmed and lower-cased, both bounded in length.
  // "Remember me" (issue 14 §5): absent = the long lifetime, as before (REMEMBER in api/requests.ts).
  const { email, password, remember, refresh } = await input.body();
  // Cookie mode (issue 15): refused (400/403) before any credential work.
  const delivery = refreshTransportOf(c).accept(c, refresh);

  const db = c.get("db");
  const limits = c.get("config").rateLimits;
  // Only failures count (a success gives its reservation back), and the
  // check comes before any password work, so a refused attempt costs no
  // hashing. Tight per (email, IP), loose per email: one network's guesses
  // do not lock the owner out elsewhere until the per-email cap.
  const emailSubject = emailKey(email);
  const ip = clientIpKey(c);
  const attempt = await limitFailures(db, [
    { name: "login:email-ip", rule: limits.loginPerEmailIp, subject: `${emailSubject}|${ip}` },
    { name: "login:email", rule: limits.loginPerEmail, subject: emailSubject },
    { name: "login:ip", rule: limits.loginPerIp, subject: ip },
  ]);

  const { passwords } = c.get("config");
  const user = await findUserByEmail(db, email);
  if (!user) {
    // Same work, same answer as a wrong password: no account enumeration.
    await passwords.refuse(password);
    throw badCredentials();
  }
  const publicUser = { id: user.id, email: user.email, name: user.name };
  const check = await passwords.check(password, user.passwordHash, publicUser);
  if (!check.ok) throw badCredentials();
  await attempt.succeeded();

  if (check.needsRehash) {
    // Move an old hash (PBKDF2, seed-era, another Argon2id cost) to today's
    // algorithm and cost now that we hold the password. A
    // failure here must not fail a correct login: it is retried next time.
    try {
      await replacePasswordHash(db, user.id, user.passwordHash, await passwords.hash(password), Math.floor(Date.now() / 1000));
    } catch (err) {
      console.error("[hybrid-auth] password rehash failed; will retry on next login", err);
    }
  }

  // A mounted second factor (totp) may hold the login back: its answer, never a token.
  const held = await secondFactorAnswer(c, { user: publicUser, method: "password", userVerified: false, remember, delivery });
  if (held) return held;
  return completeLogin(c, publicUser, { method: "password", remember, delivery, emailVerified: user.emailVerifiedAt != null });
}

function badCredentials() {
  return unauthorized("invalid_credentials", "invalid email or password");
}
