import { describe, expect, it } from "vitest";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { DEFAULT_CHALLENGE_TTL_SECONDS, parsePasskeyConfig } from "../src/passkeys/config";
import type { Env } from "../demo/worker";
import { call, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv } from "./helpers";
import type { LoginBody } from "./helpers";
import { ALGORITHMS, COSE_ALG, DEV_ORIGIN, SoftAuthenticator } from "./passkeyAuthenticator";
import type { Algorithm, Bend } from "./passkeyAuthenticator";

// Everything runs against the dev configuration of wrangler.jsonc
// (RP_ID localhost, origin http://localhost:8787), with the software
// authenticator signing real ES256, RS256 and EdDSA responses (ES256 unless
// a test says otherwise).

interface Passkey {
  id: string;
  label: string;
  transports: string[];
  device_type: string;
  backed_up: boolean;
  created_at: number;
  last_used_at: number | null;
}

async function signedIn(e: Env = jwtEnv()) {
  const user = await registerUser(e);
  const login = await loginUser(e, user.email);
  return { user, token: login.token, e };
}

async function registrationOptions(token: string, e: Env = jwtEnv()) {
  const response = await call("POST", "/auth/passkey/register/options", { env: e, token });
  expect(response.status).toBe(200);
  return (await response.json()) as { options: PublicKeyCredentialCreationOptionsJSON; expires_at: number };
}

async function loginOptions(e: Env = jwtEnv()) {
  const response = await call("POST", "/auth/passkey/login/options", { env: e });
  expect(response.status).toBe(200);
  return (await response.json()) as { options: PublicKeyCredentialRequestOptionsJSON; expires_at: number };
}

/** A signed-in user with one registered passkey. */
async function withPasskey(e: Env = jwtEnv(), label = "Laptop", algorithm: Algorithm = "ES256", bend: Bend = {}) {
  const session = await signedIn(e);
  const authenticator = await SoftAuthenticator.create(algorithm);
  const { options } = await registrationOptions(session.token, e);
  const response = await call("POST", "/auth/passkey/register/verify", {
    env: e,
    token: session.token,
    json: { response: await authenticator.register(options, bend), label },
  });
  expect(response.status, `${algorithm}: ${await response.clone().text()}`).toBe(201);
  const { passkey } = (await response.json()) as { passkey: Passkey };
  return { ...session, authenticator, passkey };
}

const b64urlEncode = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const b64urlDecode = (text: string): Uint8Array =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));

function loginVerify(response: unknown, e: Env = jwtEnv()) {
  return call("POST", "/auth/passkey/login/verify", { env: e, json: { response } });
}

async function expireChallenge(challenge: string) {
  await env.GENERAL_DB.prepare(`UPDATE webauthn_challenges SET expires_at = ?2 WHERE challenge = ?1`)
    .bind(challenge, Math.floor(Date.now() / 1000) - 1)
    .run();
}

describe("passkey registration", () => {
  it("needs a signed-in user for both steps", async () => {
    const options = await call("POST", "/auth/passkey/register/options");
    expect(options.status).toBe(401);
    expect((await errorOf(options)).code).toBe("missing_token");
    const verify = await call("POST", "/auth/passkey/register/verify", { json: { response: {} }, token: "nope" });
    expect(verify.status).toBe(401);
    expect((await errorOf(verify)).code).toBe("invalid_token");
  });

  it("offers a discoverable, user-verified credential for this RP and stores the challenge for 5 minutes", async () => {
    const { user, token } = await signedIn();
    const before = Math.floor(Date.now() / 1000);
    const { options, expires_at } = await registrationOptions(token);
    expect(options.rp).toEqual({ id: "localhost", name: "hybrid-auth (dev)" });
    expect(options.user.name).toBe(user.email);
    expect(options.user.displayName).toBe(user.name);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(options.attestation).toBe("none");
    // The answer's exact shape, as @simplewebauthn/browser's startRegistration() reads it.
    expect(Object.keys(options).sort()).toEqual(
      ["attestation", "authenticatorSelection", "challenge", "excludeCredentials", "extensions", "hints", "pubKeyCredParams", "rp", "timeout", "user"],
    );
    expect(options.pubKeyCredParams).toEqual([
      { alg: COSE_ALG.EdDSA, type: "public-key" },
      { alg: COSE_ALG.ES256, type: "public-key" },
      { alg: COSE_ALG.RS256, type: "public-key" },
    ]);
    expect(options.authenticatorSelection).toEqual({ residentKey: "required", requireResidentKey: true, userVerification: "required" });
    expect(options.extensions).toEqual({ credProps: true });
    expect(options.timeout).toBe(DEFAULT_CHALLENGE_TTL_SECONDS * 1000);
    expect(options.excludeCredentials).toEqual([]);
    expect(options.hints).toEqual([]);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new TextDecoder().decode(b64urlDecode(options.user.id))).toBe(user.id);
    expect(expires_at - before).toBeGreaterThanOrEqual(DEFAULT_CHALLENGE_TTL_SECONDS);
    expect(expires_at - before).toBeLessThanOrEqual(DEFAULT_CHALLENGE_TTL_SECONDS + 2);
    const row = await env.GENERAL_DB.prepare(`SELECT purpose, user_id, expires_at FROM webauthn_challenges WHERE challenge = ?1`)
      .bind(options.challenge)
      .first();
    expect(row).toEqual({ purpose: "registration", user_id: user.id, expires_at });
  });

  it("registers a passkey with its label, transports and counter, and lists it", async () => {
    const { token, passkey } = await withPasskey(jwtEnv(), "  Work laptop  ");
    expect(passkey).toMatchObject({ label: "Work laptop", transports: ["internal"], device_type: "singleDevice", backed_up: false, last_used_at: null });
    const list = await call("GET", "/auth/passkeys", { token });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ passkeys: [passkey] });
    const row = await env.GENERAL_DB.prepare(`SELECT counter, public_key FROM passkeys WHERE id = ?1`).bind(passkey.id).first<{ counter: number; public_key: string }>();
    expect(row?.counter).toBe(0);
    expect(row?.public_key.length).toBeGreaterThan(50);
  });

  it("defaults the label and excludes already registered credentials from new options", async () => {
    const { token, authenticator } = await withPasskey();
    const { options } = await registrationOptions(token);
    expect(options.excludeCredentials).toEqual([{ id: authenticator.credentialId, transports: ["internal"], type: "public-key" }]);

    const session = await signedIn();
    const other = await SoftAuthenticator.create();
    const fresh = await registrationOptions(session.token);
    const response = await call("POST", "/auth/passkey/register/verify", { token: session.token, json: { response: await other.register(fresh.options) } });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { passkey: Passkey }).passkey.label).toBe("Passkey");
  });

  it("refuses a credential that is already registered (409 passkey_exists)", async () => {
    const { token, authenticator } = await withPasskey();
    const { options } = await registrationOptions(token);
    const response = await call("POST", "/auth/passkey/register/verify", { token, json: { response: await authenticator.register(options) } });
    expect(response.status).toBe(409);
    expect((await errorOf(response)).code).toBe("passkey_exists");
  });

  it("refuses a response without user verification, from another origin, or for another RP ID", async () => {
    const { token } = await signedIn();
    for (const bend of [{ userVerified: false }, { origin: "http://localhost:9999" }, { rpId: "example.com" }]) {
      const { options } = await registrationOptions(token);
      const response = await call("POST", "/auth/passkey/register/verify", {
        token,
        json: { response: await (await SoftAuthenticator.create()).register(options, bend) },
      });
      expect(response.status, JSON.stringify(bend)).toBe(400);
      expect((await errorOf(response)).code).toBe("passkey_verification_failed");
    }
    const list = (await (await call("GET", "/auth/passkeys", { token })).json()) as { passkeys: Passkey[] };
    expect(list.passkeys).toEqual([]);
  });

  it("only accepts a registration challenge from the user it was issued to, once, before it expires", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const authenticator = await SoftAuthenticator.create();

    // Bob cannot use Alice's challenge (and trying does not burn it).
    const { options } = await registrationOptions(alice.token);
    const signed = await authenticator.register(options);
    const stolen = await call("POST", "/auth/passkey/register/verify", { token: bob.token, json: { response: signed } });
    expect(stolen.status).toBe(400);
    expect((await errorOf(stolen)).code).toBe("invalid_challenge");

    const ok = await call("POST", "/auth/passkey/register/verify", { token: alice.token, json: { response: signed } });
    expect(ok.status).toBe(201);
    const again = await call("POST", "/auth/passkey/register/verify", { token: alice.token, json: { response: signed } });
    expect(again.status).toBe(400);
    expect((await errorOf(again)).code).toBe("invalid_challenge");

    const late = await registrationOptions(alice.token);
    await expireChallenge(late.options.challenge);
    const expired = await call("POST", "/auth/passkey/register/verify", {
      token: alice.token,
      json: { response: await (await SoftAuthenticator.create()).register(late.options) },
    });
    expect(expired.status).toBe(400);
    expect((await errorOf(expired)).code).toBe("challenge_expired");
  });

  it("does not accept a login challenge for a registration", async () => {
    const { token } = await signedIn();
    const { options } = await loginOptions();
    const reg = await registrationOptions(token);
    const response = await call("POST", "/auth/passkey/register/verify", {
      token,
      json: { response: await (await SoftAuthenticator.create()).register(reg.options, { challenge: options.challenge }) },
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("invalid_challenge");
  });

  it("validates the body", async () => {
    const { token } = await signedIn();
    const { options } = await registrationOptions(token);
    const good = await (await SoftAuthenticator.create()).register(options);
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, "missing_field"],
      [{ response: "x" }, 400, "invalid_field"],
      [{ response: [] }, 400, "invalid_field"],
      [{ response: { ...good, id: undefined } }, 400, "missing_field"],
      [{ response: { ...good, id: "not base64url!" } }, 400, "invalid_field"],
      [{ response: { ...good, rawId: "AAAA" } }, 400, "invalid_field"],
      [{ response: { ...good, type: "password" } }, 400, "invalid_field"],
      [{ response: { ...good, response: null } }, 400, "missing_field"],
      [{ response: { ...good, response: { ...good.response, attestationObject: 7 } } }, 400, "invalid_field"],
      [{ response: { ...good, response: { ...good.response, clientDataJSON: "bm90IGpzb24" } } }, 400, "invalid_field"],
      [{ response: good, label: 42 }, 400, "invalid_field"],
      [{ response: good, label: "   " }, 400, "invalid_field"],
      [{ response: good, label: "x".repeat(65) }, 400, "invalid_field"],
      [{ response: good, label: "bad\nlabel" }, 400, "invalid_field"],
    ];
    for (const [json, status, code] of cases) {
      const response = await call("POST", "/auth/passkey/register/verify", { token, json });
      expect(response.status, JSON.stringify(json).slice(0, 80)).toBe(status);
      expect((await errorOf(response)).code).toBe(code);
    }
    // None of those spent the challenge: the good response still registers.
    const ok = await call("POST", "/auth/passkey/register/verify", { token, json: { response: good, label: "🔑 Phone" } });
    expect(ok.status).toBe(201);

    const text = await call("POST", "/auth/passkey/register/verify", { token, body: "{}", headers: { "Content-Type": "text/plain" } });
    expect(text.status).toBe(415);
    expect((await errorOf(text)).code).toBe("unsupported_media_type");
    const broken = await call("POST", "/auth/passkey/register/verify", { token, body: "{" });
    expect((await errorOf(broken)).code).toBe("invalid_json");
  });
});

describe("passkey login", () => {
  it("answers exactly like POST /auth/login, in JWT mode and in session mode", async () => {
    for (const e of [jwtEnv(), sessionEnv()]) {
      const { user, authenticator, passkey } = await withPasskey(e);
      const { options, expires_at } = await loginOptions(e);
      expect(options.rpId).toBe("localhost");
      expect(options.userVerification).toBe("required");
      expect(Object.keys(options).sort()).toEqual(["challenge", "rpId", "timeout", "userVerification"]);
      expect(options.timeout).toBe(DEFAULT_CHALLENGE_TTL_SECONDS * 1000);
      expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(options.allowCredentials ?? []).toEqual([]);
      expect(expires_at).toBeGreaterThan(Date.now() / 1000);

      const response = await loginVerify(await authenticator.assert(options), e);
      expect(response.status).toBe(200);
      const body = (await response.json()) as LoginBody;
      const password = await loginUser(e, user.email);
      expect(Object.keys(body).sort()).toEqual(Object.keys(password).sort());
      expect(body.token_type).toBe(password.token_type);
      expect(body.user).toEqual(user);

      const me = await call("GET", "/auth/me", { env: e, token: body.token });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user: unknown }).user).toEqual(user);

      const list = (await (await call("GET", "/auth/passkeys", { env: e, token: body.token })).json()) as { passkeys: Passkey[] };
      expect(list.passkeys[0]?.id).toBe(passkey.id);
      expect(list.passkeys[0]?.last_used_at).toBeGreaterThan(0);
    }
  });

  it("refuses a replayed assertion (the challenge is single-use)", async () => {
    const { authenticator } = await withPasskey();
    const { options } = await loginOptions();
    const assertion = await authenticator.assert(options);
    expect((await loginVerify(assertion)).status).toBe(200);
    const replay = await loginVerify(assertion);
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).code).toBe("invalid_challenge");
  });

  it("lets only one of two concurrent uses of a challenge through", async () => {
    const { authenticator } = await withPasskey();
    const { options } = await loginOptions();
    const assertion = await authenticator.assert(options);
    const results = await Promise.all([loginVerify(assertion), loginVerify(assertion), loginVerify(assertion)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it("refuses an assertion for an expired challenge, and the expired challenge is gone afterwards", async () => {
    const { authenticator } = await withPasskey();
    const { options } = await loginOptions();
    await expireChallenge(options.challenge);
    const assertion = await authenticator.assert(options);
    const expired = await loginVerify(assertion);
    expect(expired.status).toBe(400);
    expect((await errorOf(expired)).code).toBe("challenge_expired");
    const again = await loginVerify(assertion);
    expect((await errorOf(again)).code).toBe("invalid_challenge");
  });

  it("refuses a challenge that was never issued, and a registration challenge", async () => {
    const { token, authenticator } = await withPasskey();
    const invented = await loginVerify(await authenticator.assert({ challenge: "aW52ZW50ZWQtY2hhbGxlbmdl", rpId: "localhost" }));
    expect(invented.status).toBe(400);
    expect((await errorOf(invented)).code).toBe("invalid_challenge");
    const reg = await registrationOptions(token);
    const wrongPurpose = await loginVerify(await authenticator.assert({ challenge: reg.options.challenge }));
    expect((await errorOf(wrongPurpose)).code).toBe("invalid_challenge");
  });

  it("rejects a signature counter that goes backwards or stands still", async () => {
    const { authenticator } = await withPasskey();
    const first = await loginVerify(await authenticator.assert((await loginOptions()).options, { counter: 10 }));
    expect(first.status).toBe(200);
    for (const counter of [9, 10, 0]) {
      const response = await loginVerify(await authenticator.assert((await loginOptions()).options, { counter }));
      expect(response.status, `counter ${counter}`).toBe(401);
      expect((await errorOf(response)).code).toBe("passkey_counter_regressed");
      expect(response.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
    }
    const forward = await loginVerify(await authenticator.assert((await loginOptions()).options, { counter: 11 }));
    expect(forward.status).toBe(200);
  });

  it("accepts an authenticator that keeps its counter at zero", async () => {
    const { authenticator } = await withPasskey();
    for (let i = 0; i < 2; i++) {
      const response = await loginVerify(await authenticator.assert((await loginOptions()).options, { counter: 0 }));
      expect(response.status).toBe(200);
    }
  });

  it("answers 401 invalid_credentials for an unknown credential, a bad signature, no user verification, another origin or user handle", async () => {
    const { authenticator } = await withPasskey();
    const stranger = await SoftAuthenticator.create();
    const assertions = [
      await stranger.assert((await loginOptions()).options),
      await authenticator.assert((await loginOptions()).options, { userVerified: false }),
      await authenticator.assert((await loginOptions()).options, { origin: "https://evil.example" }),
      await authenticator.assert((await loginOptions()).options, { rpId: "evil.example" }),
      await authenticator.assert((await loginOptions()).options, { userHandle: "c29tZW9uZS1lbHNl" }),
    ];
    const tampered = await authenticator.assert((await loginOptions()).options);
    tampered.response.signature = (await authenticator.assert((await loginOptions()).options)).response.signature;
    assertions.push(tampered);
    for (const [i, assertion] of assertions.entries()) {
      const response = await loginVerify(assertion);
      expect(response.status, `case ${i}`).toBe(401);
      expect((await errorOf(response)).code).toBe("invalid_credentials");
    }
    // A response without a user handle is still fine (the credential names its owner).
    const noHandle = await loginVerify(await authenticator.assert((await loginOptions()).options, { userHandle: null }));
    expect(noHandle.status).toBe(200);
  });

  it("spends the challenge even when the assertion fails: one try per ceremony", async () => {
    const { authenticator } = await withPasskey();
    const { options } = await loginOptions();
    const bad = await authenticator.assert(options, { userVerified: false });
    expect((await loginVerify(bad)).status).toBe(401);
    const good = await authenticator.assert(options);
    expect((await errorOf(await loginVerify(good))).code).toBe("invalid_challenge");
  });

  it("validates the body", async () => {
    const { authenticator } = await withPasskey();
    const { options } = await loginOptions();
    const good = await authenticator.assert(options);
    const cases: Array<[unknown, string]> = [
      [{}, "missing_field"],
      [{ response: 1 }, "invalid_field"],
      [{ response: { ...good, response: { ...good.response, signature: undefined } } }, "missing_field"],
      [{ response: { ...good, response: { ...good.response, authenticatorData: "a+b" } } }, "invalid_field"],
      [{ response: { ...good, response: { ...good.response, userHandle: 5 } } }, "invalid_field"],
      [{ response: { ...good, id: "A".repeat(2000), rawId: "A".repeat(2000) } }, "invalid_field"],
    ];
    for (const [json, code] of cases) {
      const response = await call("POST", "/auth/passkey/login/verify", { json });
      expect(response.status, JSON.stringify(json).slice(0, 80)).toBe(400);
      expect((await errorOf(response)).code).toBe(code);
    }
    expect((await loginVerify(good)).status).toBe(200);
    const wrongMethod = await call("GET", "/auth/passkey/login/options");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("Allow")).toBe("POST");
  });
});

describe.each(ALGORITHMS)("a %s authenticator", (algorithm) => {
  it("registers (its COSE key stored as sent), logs in, and keeps logging in as its counter advances", async () => {
    const { user, authenticator, passkey } = await withPasskey(jwtEnv(), "Key", algorithm, { counter: 3 });
    const row = await env.GENERAL_DB.prepare(`SELECT counter, public_key FROM passkeys WHERE id = ?1`).bind(passkey.id).first<{ counter: number; public_key: string }>();
    expect(row?.counter).toBe(3);
    expect(row?.public_key).toBe(b64urlEncode(await authenticator.coseKey()));
    for (let i = 0; i < 2; i++) {
      const response = await loginVerify(await authenticator.assert((await loginOptions()).options));
      expect(response.status, `login ${i}`).toBe(200);
      expect(((await response.json()) as LoginBody).user).toEqual(user);
    }
    const after = await env.GENERAL_DB.prepare(`SELECT counter FROM passkeys WHERE id = ?1`).bind(passkey.id).first<{ counter: number }>();
    expect(after?.counter).toBe(5);
  });

  it("refuses a counter that does not advance, a bad signature, and an assertion without user verification", async () => {
    const { authenticator } = await withPasskey(jwtEnv(), "Key", algorithm);
    expect((await loginVerify(await authenticator.assert((await loginOptions()).options, { counter: 7 }))).status).toBe(200);
    const regressed = await loginVerify(await authenticator.assert((await loginOptions()).options, { counter: 7 }));
    expect(regressed.status).toBe(401);
    expect((await errorOf(regressed)).code).toBe("passkey_counter_regressed");

    const tampered = await authenticator.assert((await loginOptions()).options, { counter: 8 });
    const signature = b64urlDecode(tampered.response.signature);
    signature[signature.length - 1]! ^= 1;
    tampered.response.signature = b64urlEncode(signature);
    const impostor = await SoftAuthenticator.create(algorithm);
    const foreign = await impostor.assert((await loginOptions()).options, { counter: 9 });
    const forged = { ...foreign, id: authenticator.credentialId, rawId: authenticator.credentialId };
    forged.response.userHandle = authenticator.userHandle ?? undefined;
    const noUv = await authenticator.assert((await loginOptions()).options, { counter: 10, userVerified: false });
    for (const [name, assertion] of [["tampered", tampered], ["signed by another key", forged], ["no UV", noUv]] as const) {
      const response = await loginVerify(assertion);
      expect(response.status, name).toBe(401);
      expect((await errorOf(response)).code, name).toBe("invalid_credentials");
    }
    // None of the refusals moved the stored counter.
    expect((await loginVerify(await authenticator.assert((await loginOptions()).options, { counter: 8 }))).status).toBe(200);
  });

  it("refuses a replayed and an expired login challenge, and a registration without user verification", async () => {
    const { token, authenticator } = await withPasskey(jwtEnv(), "Key", algorithm);
    const { options } = await loginOptions();
    const assertion = await authenticator.assert(options);
    expect((await loginVerify(assertion)).status).toBe(200);
    const replay = await loginVerify(assertion);
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).code).toBe("invalid_challenge");

    const late = await loginOptions();
    await expireChallenge(late.options.challenge);
    const expired = await loginVerify(await authenticator.assert(late.options));
    expect(expired.status).toBe(400);
    expect((await errorOf(expired)).code).toBe("challenge_expired");

    const reg = await registrationOptions(token);
    const noUv = await call("POST", "/auth/passkey/register/verify", {
      token,
      json: { response: await (await SoftAuthenticator.create(algorithm)).register(reg.options, { userVerified: false }) },
    });
    expect(noUv.status).toBe(400);
    expect((await errorOf(noUv)).code).toBe("passkey_verification_failed");
  });

  it("accepts a packed self attestation signed by the credential key, and refuses one with a bad signature", async () => {
    const { token } = await signedIn();
    const good = await call("POST", "/auth/passkey/register/verify", {
      token,
      json: { response: await (await SoftAuthenticator.create(algorithm)).register((await registrationOptions(token)).options, { attestation: "packed-self" }) },
    });
    expect(good.status).toBe(201);
    const bad = await call("POST", "/auth/passkey/register/verify", {
      token,
      json: { response: await (await SoftAuthenticator.create(algorithm)).register((await registrationOptions(token)).options, { attestation: "packed-bad" }) },
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("passkey_verification_failed");
  });
});

describe("passkey flags and client data", () => {
  it("with PASSKEY_USER_VERIFICATION=preferred, asks for UV but registers and logs in without it", async () => {
    const e = jwtEnv({ PASSKEY_USER_VERIFICATION: "preferred" });
    const { token } = await signedIn(e);
    const { options } = await registrationOptions(token, e);
    expect(options.authenticatorSelection?.userVerification).toBe("preferred");
    const authenticator = await SoftAuthenticator.create("EdDSA");
    const registered = await call("POST", "/auth/passkey/register/verify", {
      env: e,
      token,
      json: { response: await authenticator.register(options, { userVerified: false }) },
    });
    expect(registered.status).toBe(201);
    const login = await loginOptions(e);
    expect(login.options.userVerification).toBe("preferred");
    expect((await loginVerify(await authenticator.assert(login.options, { userVerified: false }), e)).status).toBe(200);
    // The same assertion is refused where UV is required.
    expect((await loginVerify(await authenticator.assert((await loginOptions()).options, { userVerified: false }))).status).toBe(401);
  });

  it("refuses responses without user presence, and client data of the other ceremony", async () => {
    const { token, authenticator } = await withPasskey();
    for (const bend of [{ userPresent: false }, { type: "webauthn.get" }]) {
      const response = await call("POST", "/auth/passkey/register/verify", {
        token,
        json: { response: await (await SoftAuthenticator.create()).register((await registrationOptions(token)).options, bend) },
      });
      expect(response.status, JSON.stringify(bend)).toBe(400);
      expect((await errorOf(response)).code).toBe("passkey_verification_failed");
    }
    for (const bend of [{ userPresent: false }, { type: "webauthn.create" }]) {
      const response = await loginVerify(await authenticator.assert((await loginOptions()).options, bend));
      expect(response.status, JSON.stringify(bend)).toBe(401);
      expect((await errorOf(response)).code).toBe("invalid_credentials");
    }
  });

  it("records backup eligibility and state, and refuses 'backed up' without 'eligible'", async () => {
    const { passkey } = await withPasskey(jwtEnv(), "Synced", "ES256", { backup: { eligible: true, state: true } });
    expect(passkey).toMatchObject({ device_type: "multiDevice", backed_up: true });
    const { token } = await signedIn();
    const response = await call("POST", "/auth/passkey/register/verify", {
      token,
      json: { response: await (await SoftAuthenticator.create()).register((await registrationOptions(token)).options, { backup: { eligible: false, state: true } }) },
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("passkey_verification_failed");
  });

  it("refuses an attestation with a certificate chain it cannot check", async () => {
    const { token } = await signedIn();
    const response = await call("POST", "/auth/passkey/register/verify", {
      token,
      json: { response: await (await SoftAuthenticator.create()).register((await registrationOptions(token)).options, { attestation: "packed-x5c" }) },
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("passkey_verification_failed");
    expect((await (await call("GET", "/auth/passkeys", { token })).json()) as unknown).toEqual({ passkeys: [] });
  });
});

describe("listing, renaming and deleting passkeys", () => {
  it("needs a signed-in user", async () => {
    expect((await call("GET", "/auth/passkeys")).status).toBe(401);
    const response = await call("DELETE", `/auth/passkeys/${crypto.randomUUID()}`);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("missing_token");
  });

  it("lets only the owner delete a passkey, and a deleted passkey no longer logs in", async () => {
    const owner = await withPasskey();
    const other = await signedIn();

    const foreign = await call("DELETE", `/auth/passkeys/${owner.passkey.id}`, { token: other.token });
    expect(foreign.status).toBe(404);
    expect((await errorOf(foreign)).code).toBe("not_found");
    const stillThere = (await (await call("GET", "/auth/passkeys", { token: owner.token })).json()) as { passkeys: Passkey[] };
    expect(stillThere.passkeys).toHaveLength(1);
    expect((await (await call("GET", "/auth/passkeys", { token: other.token })).json()) as unknown).toEqual({ passkeys: [] });

    const deleted = await call("DELETE", `/auth/passkeys/${owner.passkey.id}`, { token: owner.token });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: true, id: owner.passkey.id });
    const gone = await call("DELETE", `/auth/passkeys/${owner.passkey.id}`, { token: owner.token });
    expect(gone.status).toBe(404);

    const login = await loginVerify(await owner.authenticator.assert((await loginOptions()).options));
    expect(login.status).toBe(401);
    expect((await errorOf(login)).code).toBe("invalid_credentials");
  });

  it("answers 404 for an id that is not a passkey id, and 405 for other methods", async () => {
    const { token } = await signedIn();
    for (const id of ["abc", "' OR 1=1 --", crypto.randomUUID().toUpperCase()]) {
      const response = await call("DELETE", `/auth/passkeys/${encodeURIComponent(id)}`, { token });
      expect(response.status).toBe(404);
    }
    const put = await call("PUT", `/auth/passkeys/${crypto.randomUUID()}`, { token });
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("DELETE, PATCH");
  });

  it("lets only the owner rename a passkey: the label is trimmed and checked, and the list shows the new one", async () => {
    const owner = await withPasskey(jwtEnv(), "Laptop");
    const other = await signedIn();
    const rename = (token: string, json: unknown, id = owner.passkey.id) => call("PATCH", `/auth/passkeys/${id}`, { token, json });

    const renamed = await rename(owner.token, { label: "  Work laptop  " });
    expect(renamed.status).toBe(200);
    const { passkey } = (await renamed.json()) as { passkey: Passkey };
    expect(passkey).toEqual({ ...owner.passkey, label: "Work laptop" });
    const listed = (await (await call("GET", "/auth/passkeys", { token: owner.token })).json()) as { passkeys: Passkey[] };
    expect(listed.passkeys.map((p) => p.label)).toEqual(["Work laptop"]);

    // Someone else's passkey, a missing one and a malformed id all look the same.
    for (const [token, id] of [[other.token, owner.passkey.id], [owner.token, crypto.randomUUID()], [owner.token, "abc"]] as const) {
      const response = await rename(token, { label: "Mine now" }, id);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe("not_found");
    }
    for (const label of ["", "   ", "x".repeat(65), "tab\there", 42]) {
      const response = await rename(owner.token, { label });
      expect({ label, status: response.status }).toEqual({ label, status: 400 });
    }
    expect((await rename(owner.token, {})).status).toBe(400);
    expect((await call("PATCH", `/auth/passkeys/${owner.passkey.id}`, { json: { label: "x" } })).status).toBe(401);
    // Nothing of the refused attempts stuck, and the passkey still signs in.
    const after = (await (await call("GET", "/auth/passkeys", { token: owner.token })).json()) as { passkeys: Passkey[] };
    expect(after.passkeys.map((p) => p.label)).toEqual(["Work laptop"]);
    const login = await loginVerify(await owner.authenticator.assert((await loginOptions()).options));
    expect(login.status).toBe(200);
  });
});

describe("passkey configuration", () => {
  const base = { GENERAL_DB: env.GENERAL_DB, RP_ID: "localhost", RP_NAME: "x", RP_ORIGINS: DEV_ORIGIN };

  it("reads RP_ID, RP_NAME, RP_ORIGINS, the TTL and the UV policy", () => {
    expect(parsePasskeyConfig(base)).toEqual({
      rpId: "localhost",
      rpName: "x",
      origins: [DEV_ORIGIN],
      challengeTtl: 300,
      requireUserVerification: true,
    });
    const prod = parsePasskeyConfig({
      ...base,
      RP_ID: "example.com",
      RP_ORIGINS: "https://example.com, https://app.example.com",
      PASSKEY_CHALLENGE_TTL: "60",
      PASSKEY_USER_VERIFICATION: "preferred",
    });
    expect(prod.origins).toEqual(["https://example.com", "https://app.example.com"]);
    expect(prod.challengeTtl).toBe(60);
    expect(prod.requireUserVerification).toBe(false);
  });

  it("fails closed on bad settings", () => {
    const bad: Array<Partial<Env>> = [
      { RP_ID: "" },
      { RP_ID: "https://localhost" },
      { RP_NAME: "" },
      { RP_ORIGINS: "" },
      { RP_ORIGINS: "http://localhost:8787/" },
      { RP_ORIGINS: "https://evil.example" },
      { RP_ID: "example.com", RP_ORIGINS: "http://example.com" },
      { PASSKEY_CHALLENGE_TTL: "0" },
      { PASSKEY_CHALLENGE_TTL: "5m" },
      { PASSKEY_USER_VERIFICATION: "discouraged" },
    ];
    for (const override of bad) expect(() => parsePasskeyConfig({ ...base, ...override }), JSON.stringify(override)).toThrow();
  });

  it("answers 503 misconfigured on the passkey routes when the RP is not configured", async () => {
    const e = jwtEnv({ RP_ORIGINS: "" });
    const response = await call("POST", "/auth/passkey/login/options", { env: e });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("misconfigured");
    // Password login is unaffected.
    expect((await call("POST", "/auth/login", { env: e, json: { email: "a@b.cd", password: "whatever1" } })).status).toBe(401);
  });
});
