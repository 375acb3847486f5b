/**
 * The account-linking rules of issue 22 (SECURITY.md, "Social sign-in"),
 * in one place:
 *  1. A provider subject is found by (provider, subject) only: a provider
 *     account whose address changed signs in to the account it was linked
 *     to, never to another one with the new address.
 *  2. An unknown subject whose address is an existing account's is linked to
 *     it automatically only when the provider says the address is verified
 *     AND the account's address is verified. Otherwise nothing is linked
 *     (409 social_account_exists): the owner signs in and links it
 *     explicitly, under sudo mode. An unverified account's address may be an
 *     attacker's pre-registration (or the provider's assertion may be a
 *     stranger's), so neither side alone is trusted.
 *  3. An unknown subject with a verified address and no account makes one,
 *     verified (the provider proved the address), with no password.
 *     Without a verified address, no account is made (409
 *     social_email_unverified): an unverified address would let anyone
 *     pre-register a victim's address through a provider.
 */
import { createSocialUser, findSocialIdentity, findUserByEmail, findUserById, linkSocialIdentity } from "../db";
import type { UserRecord } from "../db";
import { HttpError } from "../errors";
import type { ProviderIdentity } from "./protocol";

export function identityTaken(): HttpError {
  return new HttpError(409, "identity_taken", "this provider account is linked to another account, or this account is linked to this provider already");
}

/** The account a sign-in with `identity` opens, linking or creating per the rules above. */
export async function accountFor(db: D1Database, provider: string, identity: ProviderIdentity, now: number): Promise<UserRecord> {
  const linked = await findSocialIdentity(db, provider, identity.subject);
  if (linked) {
    const user = await findUserById(db, linked.userId);
    if (user) return user;
  }
  if (identity.email === null || !identity.emailVerified) {
    throw new HttpError(409, "social_email_unverified", "the provider did not verify an address for this account: sign in another way and link the provider from your account");
  }
  const existing = await findUserByEmail(db, identity.email);
  if (existing) {
    if (existing.emailVerifiedAt == null) {
      throw new HttpError(409, "social_account_exists", "an account with this address exists but its address is not verified: sign in to it and link the provider from your account");
    }
    const result = await linkSocialIdentity(db, { provider, subject: identity.subject, userId: existing.id, email: identity.email, emailVerified: true, createdAt: now }, true);
    if (!result.ok) throw identityTaken();
    return existing;
  }
  const id = crypto.randomUUID();
  const name = (identity.name ?? identity.email.split("@")[0] ?? "").trim().slice(0, 100) || identity.email;
  const created = await createSocialUser(db, { id, email: identity.email, name, now }, { provider, subject: identity.subject, email: identity.email, emailVerified: true });
  if (!created.ok) throw new HttpError(409, "social_account_exists", "an account with this address was just made: sign in to it and link the provider from your account");
  const user = await findUserById(db, id);
  if (!user) throw new Error("the account made by a provider sign-in is gone");
  return user;
}

/** Links `identity` to the signed-in user who started the flow (explicit linking: no email rule, the session is the proof). */
export async function linkTo(db: D1Database, userId: string, provider: string, identity: ProviderIdentity, now: number): Promise<void> {
  const linked = await findSocialIdentity(db, provider, identity.subject);
  if (linked) {
    if (linked.userId === userId) return;
    throw identityTaken();
  }
  const result = await linkSocialIdentity(db, { provider, subject: identity.subject, userId, email: identity.email, emailVerified: identity.emailVerified, createdAt: now }, false);
  if (!result.ok) throw identityTaken();
}
