/**
 * Security review of the account features (issues 11, 14, 15 and the seed
 * upgrade), as an attacker would try them, against the real local D1. Each
 * test failed on the code before its fix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { PASSWORD, auth, call, env, errorOf, loginUser, registerUser, uniqueEmail } from "./helpers";
import { count, linkToken, mailEnv } from "./emailHelpers";
import { SoftAuthenticator } from "./passkeyAuthenticator";

const NEW_PASSWORD = "a brand new passphrase 42";
const db = () => env.GENERAL_DB;

/** A seed-era session of `userId`, as `hybrid-auth upgrade-seed` leaves it: the raw UUID in legacy_sessions. */
async function plantLegacySession(userId: string): Promise<string> {
  const token = crypto.randomUUID();
  await db().prepare(`INSERT INTO legacy_sessions (id, user_id, expires_at) VALUES (?1, ?2, ?3)`).bind(token, userId, Date.now() / 1000 + 86_400).run();
  return token;
}

describe("seed-era session tokens do not outlive the revocations that end every login", () => {
  beforeAll(async () => {
    await db().exec(`CREATE TABLE IF NOT EXISTS legacy_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at REAL NOT NULL)`);
    auth.state.legacySessions = true;
  });
  afterAll(async () => {
    await db().exec(`DROP TABLE IF EXISTS legacy_sessions`);
    auth.state.legacySessions = undefined;
  });

  it("logout-all: a stolen seed-era token that was never used since the upgrade is refused afterwards", async () => {
    const e = mailEnv();
    const user = await registerUser(e);
    const stolen = await plantLegacySession(user.id);
    const owner = await loginUser(e, user.email);
    expect((await call("POST", "/auth/logout-all", { env: e, token: owner.token })).status).toBe(200);
    const me = await call("GET", "/auth/me", { env: e, token: stolen });
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe("invalid_token");
  });

  it("password reset, change-password and revoke-others each end unclaimed seed-era sessions of the user (not another user's)", async () => {
    const e = mailEnv();
    const user = await registerUser(e);
    const bystander = await registerUser(e);
    const bystanderToken = await plantLegacySession(bystander.id);

    // Password reset.
    const beforeReset = await plantLegacySession(user.id);
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
    const reset = await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(user.email, "reset"), password: NEW_PASSWORD } });
    expect(reset.status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: beforeReset })).status).toBe(401);

    // Change of password (fresh login: sudo mode), other logins revoked by default.
    const beforeChange = await plantLegacySession(user.id);
    const fresh = await loginUser(e, user.email, NEW_PASSWORD);
    const changed = await call("POST", "/auth/change-password", { env: e, token: fresh.token, json: { current_password: NEW_PASSWORD, new_password: PASSWORD } });
    expect(changed.status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: beforeChange })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: e, token: fresh.token })).status).toBe(200);

    // Sign out my other devices.
    const beforeOthers = await plantLegacySession(user.id);
    expect((await call("POST", "/auth/sessions/revoke-others", { env: e, token: fresh.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: beforeOthers })).status).toBe(401);

    // Another user's seed-era session is untouched by all of it.
    expect((await call("GET", "/auth/me", { env: e, token: bystanderToken })).status).toBe(200);
  });
});

describe("a pending change of address does not survive a password change", () => {
  it("a change-of-email link requested before change-password is refused afterwards (email_token_used); the address stays", async () => {
    const e = mailEnv();
    const victim = await registerUser(e);
    // The attacker (phished password, fresh sign-in) asks to move the account to their mailbox.
    const attacker = await loginUser(e, victim.email);
    const attackerMailbox = uniqueEmail("attacker");
    expect((await call("POST", "/auth/email/change", { env: e, token: attacker.token, json: { email: attackerMailbox } })).status).toBe(202);
    const link = linkToken(attackerMailbox, "confirm-email");

    // The owner sees the notice and changes the password (keeping the other logins, or not: both must retire the link).
    for (const revokeOthers of [false, true]) {
      const owner = await loginUser(e, victim.email, revokeOthers ? NEW_PASSWORD : PASSWORD);
      const body = { current_password: revokeOthers ? NEW_PASSWORD : PASSWORD, new_password: revokeOthers ? PASSWORD : NEW_PASSWORD, revoke_other_logins: revokeOthers };
      expect((await call("POST", "/auth/change-password", { env: e, token: owner.token, json: body })).status).toBe(200);
      const confirm = await call("POST", "/auth/email/change/confirm", { env: e, json: { token: link } });
      expect(confirm.status).toBe(400);
      expect((await errorOf(confirm)).code).toBe("email_token_used");
    }
    expect(await count(`SELECT COUNT(*) AS n FROM users WHERE id = ?1 AND email = ?2`, victim.id, victim.email)).toBe(1);
  });
});

describe("account pre-hijacking: a passkey planted before the address was proven", () => {
  it("a password reset that first proves the address removes the passkeys set up before it; the attacker's passkey no longer signs in", async () => {
    const e = mailEnv({ REQUIRE_EMAIL_VERIFICATION: "on" });
    // The attacker registers the victim's address first (the 202 says nothing) and adds a passkey.
    const victimEmail = uniqueEmail("victim");
    expect((await call("POST", "/auth/register", { env: e, json: { email: victimEmail, password: "attacker-chosen-password", name: "Victim" } })).status).toBe(202);
    const attacker = await loginUser(e, victimEmail, "attacker-chosen-password");
    const authenticator = await SoftAuthenticator.create("ES256");
    const options = (await (await call("POST", "/auth/passkey/register/options", { env: e, token: attacker.token })).json()) as { options: PublicKeyCredentialCreationOptionsJSON };
    const planted = await call("POST", "/auth/passkey/register/verify", { env: e, token: attacker.token, json: { response: await authenticator.register(options.options) } });
    expect(planted.status).toBe(201);

    // The victim tries to register, is told by email they "already have an account", and resets the password.
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: victimEmail } })).status).toBe(202);
    const reset = await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(victimEmail, "reset"), password: NEW_PASSWORD } });
    expect(reset.status).toBe(200);

    // The attacker comes back with the planted passkey.
    const loginOptions = (await (await call("POST", "/auth/passkey/login/options", { env: e })).json()) as { options: PublicKeyCredentialRequestOptionsJSON };
    const back = await call("POST", "/auth/passkey/login/verify", { env: e, json: { response: await authenticator.assert(loginOptions.options) } });
    expect(back.status).toBe(401);
    expect(await count(`SELECT COUNT(*) AS n FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = ?1`, victimEmail)).toBe(0);
  });

  it("a reset of an already verified account keeps its passkeys (only passkeys added before the address was proven go)", async () => {
    const e = mailEnv();
    const user = await registerUser(e);
    await db().prepare(`UPDATE users SET email_verified_at = 1 WHERE id = ?1`).bind(user.id).run();
    const owner = await loginUser(e, user.email);
    const authenticator = await SoftAuthenticator.create("ES256");
    const options = (await (await call("POST", "/auth/passkey/register/options", { env: e, token: owner.token })).json()) as { options: PublicKeyCredentialCreationOptionsJSON };
    expect((await call("POST", "/auth/passkey/register/verify", { env: e, token: owner.token, json: { response: await authenticator.register(options.options) } })).status).toBe(201);
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
    expect((await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(user.email, "reset"), password: NEW_PASSWORD } })).status).toBe(200);
    expect(await count(`SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?1`, user.id)).toBe(1);
  });
});
