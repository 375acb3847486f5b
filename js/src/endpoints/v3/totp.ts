/**
 * The totp plugin's routes (issue 21) and its hold on logins. See
 * plugins/totp.ts for the list, lifecycle/totp.ts for the codes and
 * db/totp.ts for the tables.
 */
import type { MfaRequiredResponseBody, TotpConfirmBody, TotpConfirmedResponseBody, TotpDisabledResponseBody, TotpEnrollResponseBody, TotpRecoveryCodesResponseBody, TotpStatusResponseBody, TotpVerifyBody } from "../../api/totp";
import type { TotpCredential } from "../../db";
import {
  attemptTotpTicket,
  claimTotpStep,
  confirmTotpStatements,
  countUnusedRecoveryCodes,
  createTotpTicket,
  disableTotp,
  findTotpCredential,
  findUserById,
  replaceRecoveryCodes,
  revokeOtherLogins,
  spendRecoveryCode,
  spendTotpTicket,
  startTotpEnrolment,
} from "../../db";
import { HttpError, badRequest, unauthorized } from "../../errors";
import type { RouteInput } from "../../http/schema";
import { completeLogin } from "../../lifecycle/completeLogin";
import { limitFailures } from "../../lifecycle/rateLimit";
import { refreshTransportOf } from "../../lifecycle/refreshTransport";
import { currentLoginOf } from "../../lifecycle/sessions";
import type { TotpConfig } from "../../lifecycle/totp";
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS, matchingStep, newRecoveryCodes, newTicket, newTotpSecret, normalizeRecoveryCode, totpUri } from "../../lifecycle/totp";
import type { LoginMethod } from "../../options";
import type { FirstFactorLogin } from "../../plugin";
import type { AppContext } from "../../types";
import { sha256Hex } from "../../utils/encoding";

/** The plugin's checked options (configure fills the slot whenever the plugin is mounted). */
function totpConfigOf(c: AppContext): TotpConfig {
  const config = c.get("config").totp;
  if (!config) throw new Error("totp routes served without the totp plugin's configuration");
  return config;
}

/**
 * A wrong code (or recovery code) at POST /totp/verify: the very answer of a
 * wrong password at POST /login (401 invalid_credentials, the same
 * WWW-Authenticate challenge), so a client handles both alike and the answer
 * says nothing about which part was wrong or why (replay, wrong, used).
 */
function wrongCode(): HttpError {
  return unauthorized("invalid_credentials", "invalid email or password");
}

/** A ticket that is unknown, used, expired or out of attempts: the login must start again. */
function deadTicket(): HttpError {
  return unauthorized("invalid_token", "the login ticket is unknown, used, expired or out of attempts; log in again");
}

/** The first factor a ticket recorded; "password" for a ticket written before migration 0011 (which did not record it). */
function loginMethodOf(stored: string | null): LoginMethod {
  return stored === "passkey" || (stored !== null && stored.startsWith("social:")) ? (stored as LoginMethod) : "password";
}

/** The factor is on: it holds a confirmed credential. */
function enabled(credential: TotpCredential | null): credential is TotpCredential & { confirmedAt: number } {
  return credential !== null && credential.confirmedAt !== null;
}

/** The per-user rule on wrong codes (every ticket, and enrolment's confirmation). */
function perUserCheck(c: AppContext, userId: string) {
  return limitFailures(c.get("db"), [{ name: "totp:user", rule: totpConfigOf(c).perUser, subject: userId }]);
}

/**
 * PluginHooks.secondFactor: a first factor was proven. An enrolled user's
 * password login (or passkey login without user verification) answers a
 * single-use ticket instead of tokens; a user-verified passkey is already
 * two factors (something held, something known or been).
 */
export async function holdLoginForCode(c: AppContext, login: FirstFactorLogin): Promise<Response | undefined> {
  if (login.method === "passkey" && login.userVerified) return undefined;
  const db = c.get("db");
  if (!enabled(await findTotpCredential(db, login.user.id))) return undefined;
  const ticket = newTicket();
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + totpConfigOf(c).ticketTtl;
  await createTotpTicket(db, { hash: await sha256Hex(ticket), userId: login.user.id, remember: login.remember, delivery: login.delivery, now, expiresAt, method: login.method });
  return c.json({ mfa_required: true, ticket, expires_at: expiresAt } satisfies MfaRequiredResponseBody);
}

/**
 * POST /totp/verify {ticket, code | recovery_code} → the answer of POST /login.
 * Order: the ticket's attempt is counted (dead ticket: 401 invalid_token) →
 * the login's delivery is accepted again (cookie mode's checks) → the
 * per-user rule (429) → the code: a time step not yet used, claimed
 * atomically, or an unused recovery code, spent atomically (else 401 as a
 * wrong password) → the ticket is spent → tokens.
 */
export async function verifyTotpLogin(c: AppContext, input: RouteInput<TotpVerifyBody, never>): Promise<Response> {
  const { ticket, code, recovery_code: recoveryCode } = await input.body();
  if ((code === undefined) === (recoveryCode === undefined)) throw badRequest("invalid_field", "send exactly one of code and recovery_code");
  const db = c.get("db");
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const ticketHash = await sha256Hex(ticket);
  const held = await attemptTotpTicket(db, ticketHash, now, totpConfigOf(c).maxTicketAttempts);
  if (!held) throw deadTicket();
  const delivery = refreshTransportOf(c).accept(c, held.delivery);
  const attempt = await perUserCheck(c, held.userId);

  const user = await findUserById(db, held.userId);
  const credential = await findTotpCredential(db, held.userId);
  // Disabled (or the account deleted) since the password was checked: this login's premise is gone.
  if (!user || !enabled(credential)) throw deadTicket();

  if (code !== undefined) {
    const step = matchingStep(credential.secret, code, nowMs, credential.lastStep);
    if (step === null || !(await claimTotpStep(db, held.userId, step))) throw wrongCode();
  } else if (!(await spendRecoveryCode(db, held.userId, await sha256Hex(normalizeRecoveryCode(recoveryCode ?? "")), now))) {
    throw wrongCode();
  }
  await attempt.succeeded();
  if (!(await spendTotpTicket(db, ticketHash, now))) throw deadTicket();
  return completeLogin(c, { id: user.id, email: user.email, name: user.name }, { method: loginMethodOf(held.method), remember: held.remember, delivery, emailVerified: user.emailVerifiedAt != null, secondFactor: code !== undefined ? "totp" : "recovery_code" });
}

/** POST /totp/enroll (sudo) → a new secret, not yet asked for at login; again before confirming replaces it. */
export async function enrollTotp(c: AppContext): Promise<Response> {
  const user = c.get("principal").user;
  const secret = newTotpSecret();
  if (!(await startTotpEnrolment(c.get("db"), user.id, secret, Math.floor(Date.now() / 1000)))) {
    throw new HttpError(409, "totp_already_enabled", "a second factor is already on; disable it first");
  }
  const issuer = totpConfigOf(c).issuer;
  return c.json({ secret, uri: totpUri(issuer, user.email, secret), issuer, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, algorithm: "SHA1" } satisfies TotpEnrollResponseBody);
}

/**
 * POST /totp/enroll/confirm {code} (sudo) → the factor is on, with 10 recovery
 * codes shown once, and every other login of the user ends in the same batch:
 * a login made before the factor cannot go on refreshing around it.
 */
export async function confirmTotp(c: AppContext, input: RouteInput<TotpConfirmBody, never>): Promise<Response> {
  const { code } = await input.body();
  const principal = c.get("principal");
  const userId = principal.user.id;
  const db = c.get("db");
  const credential = await findTotpCredential(db, userId);
  if (!credential) throw new HttpError(409, "totp_not_enabled", "no enrolment started: POST /totp/enroll first");
  if (credential.confirmedAt !== null) throw new HttpError(409, "totp_already_enabled", "the second factor is already on");
  const attempt = await perUserCheck(c, userId);
  const nowMs = Date.now();
  const step = matchingStep(credential.secret, code, nowMs, credential.lastStep);
  // The user is signed in: a wrong code is a field error, not a 401 that would read as a dead token.
  if (step === null || !(await claimTotpStep(db, userId, step))) throw badRequest("invalid_field", "code is wrong or already used; enter the app's current code");
  await attempt.succeeded();

  const now = Math.floor(nowMs / 1000);
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((one) => sha256Hex(normalizeRecoveryCode(one))));
  const current = currentLoginOf(principal);
  const ended = await revokeOtherLogins(
    db,
    { userId, keepFamilyId: current.familyId, keepSessionHash: current.sessionHash, reason: "totp_enabled", before: confirmTotpStatements(db, userId, hashes, now) },
    now,
  );
  c.get("auth").revocationSource.note(ended.rows);
  return c.json({ enabled: true, recovery_codes: codes, revoked_other_logins: ended.families.length + ended.sessions.length } satisfies TotpConfirmedResponseBody);
}

/** POST /totp/recovery-codes (sudo) → 10 new codes; the old ones stop working. */
export async function regenerateRecoveryCodes(c: AppContext): Promise<Response> {
  const userId = c.get("principal").user.id;
  const db = c.get("db");
  if (!enabled(await findTotpCredential(db, userId))) throw new HttpError(409, "totp_not_enabled", "the second factor is off");
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((one) => sha256Hex(normalizeRecoveryCode(one))));
  await replaceRecoveryCodes(db, userId, hashes, Math.floor(Date.now() / 1000));
  return c.json({ recovery_codes: codes } satisfies TotpRecoveryCodesResponseBody);
}

/** DELETE /totp (sudo) → off: secret, codes and open tickets gone, an auth_events row "totp_disabled". */
export async function disableTotpRoute(c: AppContext): Promise<Response> {
  if (!(await disableTotp(c.get("db"), c.get("principal").user.id, Math.floor(Date.now() / 1000)))) {
    throw new HttpError(409, "totp_not_enabled", "the second factor is off");
  }
  return c.json({ enabled: false } satisfies TotpDisabledResponseBody);
}

/** GET /totp → whether the factor is on, and how many recovery codes are left. */
export async function totpStatus(c: AppContext): Promise<Response> {
  const userId = c.get("principal").user.id;
  const db = c.get("db");
  const on = enabled(await findTotpCredential(db, userId));
  return c.json({ enabled: on, recovery_codes_left: on ? await countUnusedRecoveryCodes(db, userId) : 0 } satisfies TotpStatusResponseBody);
}
