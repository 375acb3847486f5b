/**
 * Issue 19 §1: account pre-hijacking. Whatever was set up while an address
 * was unproven (passkeys, logins) ends at that address's FIRST proof,
 * whichever link proves it: verification, change-of-address confirmation, or
 * a reset (db/unprovenCredentials.ts). Both attacks of the issue, end to end
 * against the demo Worker and the real local D1, with the software
 * authenticator of the passkey tests. Each failed on the code before the fix
 * (the attacker's passkey still signed in: 200).
 */
import { describe, expect, it } from "vitest";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Env } from "../demo/worker";
import { PASSWORD, call, env, errorOf, loginUser, registerUser, uniqueEmail } from "./helpers";
import type { LoginBody } from "./helpers";
import { count, linkToken, mailEnv } from "./emailHelpers";
import { SoftAuthenticator } from "./passkeyAuthenticator";

const ATTACKER_PASSWORD = "attacker-chosen-password";
const OWNER_PASSWORD = "the real owner's new passphrase";

/** Registers a passkey for the signed-in `login`; returns the authenticator that holds it. */
async function addPasskey(e: Env, login: LoginBody): Promise<SoftAuthenticator> {
  const authenticator = await SoftAuthenticator.create("ES256");
  const options = (await (await call("POST", "/auth/passkey/register/options", { env: e, token: login.token })).json()) as { options: PublicKeyCredentialCreationOptionsJSON };
  const added = await call("POST", "/auth/passkey/register/verify", { env: e, token: login.token, json: { response: await authenticator.register(options.options) } });
  expect(added.status, await added.clone().text()).toBe(201);
  return authenticator;
}

/** A full passkey sign-in with `authenticator`: the status of the verify step. */
async function passkeyLogin(e: Env, authenticator: SoftAuthenticator): Promise<Response> {
  const options = (await (await call("POST", "/auth/passkey/login/options", { env: e })).json()) as { options: PublicKeyCredentialRequestOptionsJSON };
  return call("POST", "/auth/passkey/login/verify", { env: e, json: { response: await authenticator.assert(options.options) } });
}

const refresh = (e: Env, login: LoginBody) => call("POST", "/auth/refresh", { env: e, json: { refresh_token: login.refresh_token } });
const me = (e: Env, login: LoginBody) => call("GET", "/auth/me", { env: e, token: login.token });
const passkeysOf = (email: string) => count(`SELECT COUNT(*) AS n FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = ?1`, email);

/** The owner takes the account back by email: request a reset, open the link, set a password. */
async function ownerResets(e: Env, email: string): Promise<void> {
  expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email } })).status).toBe(202);
  const done = await call("POST", "/auth/password/reset/complete", { env: e, json: { token: linkToken(email, "reset"), password: OWNER_PASSWORD } });
  expect(done.status).toBe(200);
}

describe("Path A: the attacker registers the victim's address first (verification on)", () => {
  it("the owner's verify link ends the attacker's passkey, JWT and refresh token; after the owner's reset the passkey still cannot sign in", async () => {
    const e = mailEnv({ REQUIRE_EMAIL_VERIFICATION: "on" });
    const victimEmail = uniqueEmail("victim-a");
    // The attacker registers victim@ (202 says nothing), signs in, adds a passkey, asks for a new link.
    expect((await call("POST", "/auth/register", { env: e, json: { email: victimEmail, password: ATTACKER_PASSWORD, name: "Victim" } })).status).toBe(202);
    const attacker = await loginUser(e, victimEmail, ATTACKER_PASSWORD);
    const planted = await addPasskey(e, attacker);
    expect((await call("POST", "/auth/email/verify/resend", { env: e, token: attacker.token })).status).toBe(202);
    expect(await passkeysOf(victimEmail)).toBe(1);

    // The owner opens the verification link that reached their mailbox.
    const verified = await call("POST", "/auth/email/verify", { env: e, json: { token: linkToken(victimEmail, "verify-email") } });
    expect(verified.status).toBe(200);
    // That first proof alone ended everything the attacker set up before it.
    expect(await passkeysOf(victimEmail)).toBe(0);
    expect((await me(e, attacker)).status).toBe(401);
    expect((await refresh(e, attacker)).status).toBe(401);
    const early = await passkeyLogin(e, planted);
    expect(early.status).toBe(401);

    // The owner resets the password; the attacker comes back with everything they kept.
    await ownerResets(e, victimEmail);
    const back = await passkeyLogin(e, planted);
    expect(back.status).toBe(401);
    expect((await errorOf(back)).code).toBe("invalid_credentials");
    expect((await refresh(e, attacker)).status).toBe(401);
    expect((await call("POST", "/auth/login", { env: e, json: { email: victimEmail, password: ATTACKER_PASSWORD } })).status).toBe(401);
    await loginUser(e, victimEmail, OWNER_PASSWORD);
  });
});

describe("Path B: the attacker moves their own account to the victim's address", () => {
  it("the confirm link ends the account's passkeys and logins; the owner's register is 409, the owner resets, the attacker's passkey cannot sign in", async () => {
    const e = mailEnv();
    // The attacker's own, proven account, with a passkey and a fresh login (sudo mode).
    const own = await registerUser(e, uniqueEmail("attacker-b"));
    await env.GENERAL_DB.prepare(`UPDATE users SET email_verified_at = 1 WHERE id = ?1`).bind(own.id).run();
    const attacker = await loginUser(e, own.email);
    const planted = await addPasskey(e, attacker);
    expect((await passkeyLogin(e, planted)).status).toBe(200);

    const victimEmail = uniqueEmail("victim-b");
    expect((await call("POST", "/auth/email/change", { env: e, token: attacker.token, json: { email: victimEmail } })).status).toBe(202);
    // The link reaches victim@ and is opened (by its owner: the only one who holds it).
    const confirmed = await call("POST", "/auth/email/change/confirm", { env: e, json: { token: linkToken(victimEmail, "confirm-email") } });
    expect(confirmed.status).toBe(200);
    expect(await passkeysOf(victimEmail)).toBe(0);
    expect((await refresh(e, attacker)).status).toBe(401);
    expect((await me(e, attacker)).status).toBe(401);

    // The owner cannot register their address (it is taken) and takes the account back by reset.
    const register = await call("POST", "/auth/register", { env: e, json: { email: victimEmail, password: PASSWORD, name: "Owner" } });
    expect(register.status).toBe(409);
    await ownerResets(e, victimEmail);
    expect((await passkeyLogin(e, planted)).status).toBe(401);
    expect((await refresh(e, attacker)).status).toBe(401);
  });

  it("a confirm link that cannot succeed (the address was taken meanwhile) is 409 and ends nothing: the requester keeps passkeys and logins", async () => {
    const e = mailEnv();
    const user = await registerUser(e);
    const login = await loginUser(e, user.email);
    const authenticator = await addPasskey(e, login);
    const wanted = uniqueEmail("wanted");
    expect((await call("POST", "/auth/email/change", { env: e, token: login.token, json: { email: wanted } })).status).toBe(202);
    const link = linkToken(wanted, "confirm-email");
    await registerUser(e, wanted);
    const confirm = await call("POST", "/auth/email/change/confirm", { env: e, json: { token: link } });
    expect(confirm.status).toBe(409);
    expect((await errorOf(confirm)).code).toBe("email_taken");
    expect(await count(`SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?1`, user.id)).toBe(1);
    expect((await me(e, login)).status).toBe(200);
    expect((await refresh(e, login)).status).toBe(200);
    expect((await passkeyLogin(e, authenticator)).status).toBe(200);
  });
});

describe("only the FIRST proof ends anything", () => {
  it("a verify link spent on an address that is already proven (verified meanwhile) keeps the account's passkeys and logins", async () => {
    const e = mailEnv({ REQUIRE_EMAIL_VERIFICATION: "on" });
    const email = uniqueEmail("proven");
    expect((await call("POST", "/auth/register", { env: e, json: { email, password: PASSWORD, name: "Ada" } })).status).toBe(202);
    const link = linkToken(email, "verify-email");
    // Proven by other means (e.g. an operator), then a passkey and a login are added.
    await env.GENERAL_DB.prepare(`UPDATE users SET email_verified_at = 1 WHERE email = ?1`).bind(email).run();
    const login = await loginUser(e, email);
    await addPasskey(e, login);
    expect((await call("POST", "/auth/email/verify", { env: e, json: { token: link } })).status).toBe(200);
    expect(await passkeysOf(email)).toBe(1);
    expect((await me(e, login)).status).toBe(200);
    expect((await refresh(e, login)).status).toBe(200);
  });
});
