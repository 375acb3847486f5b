import { afterEach, describe, expect, it, vi } from "vitest";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Env } from "../demo/worker";
import { quiet, sweep } from "./d1Faults";
import { call, env, jwtEnv, loginUser, registerUser, sessionEnv } from "./helpers";
import type { LoginBody } from "./helpers";
import { SoftAuthenticator } from "./passkeyAuthenticator";

// D1 faults in the passkey flows (issue 11): for every k, the k-th D1
// statement of registration options, registration verify, login options and
// login verify fails. Each faulted request answers 503 service_unavailable
// (checked by sweep()), and the database holds no half-written ceremony: no
// passkey row from a failed registration, no session or refresh family from a
// failed login, a challenge either untouched or spent (never reusable after a
// 503 that came after it was spent), and a counter that only ever holds a
// value the authenticator really signed. Then the flow works on the healthy
// binding. Ceremony steps that are not under test run on the healthy binding.

afterEach(() => vi.restoreAllMocks());

/** A test-only IP per run, so this file's rate-limit buckets are its own. */
const IP = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
const withIp = { "Content-Type": "application/json", "CF-Connecting-IP": IP };

const healthy = (e: Env) => quiet(e, env.GENERAL_DB);

const count = async (sql: string, ...binds: unknown[]) => (await env.GENERAL_DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
const challengeRows = (challenge: string) => count("SELECT COUNT(*) AS n FROM webauthn_challenges WHERE challenge = ?1", challenge);

async function signedIn(e: Env) {
  const user = await registerUser(e);
  const { token } = await loginUser(e, user.email);
  return { user, token };
}

async function registrationOptions(e: Env, token: string, db = env.GENERAL_DB): Promise<Response> {
  return call("POST", "/auth/passkey/register/options", { env: quiet(e, db), token, headers: withIp });
}

async function loginOptions(e: Env, db = env.GENERAL_DB): Promise<Response> {
  return call("POST", "/auth/passkey/login/options", { env: quiet(e, db), headers: withIp });
}

async function optionsOf<T>(response: Promise<Response>): Promise<T> {
  const r = await response;
  expect(r.status).toBe(200);
  return ((await r.json()) as { options: T }).options;
}

/** A user with a registered passkey, set up on the healthy binding. */
async function withPasskey(e: Env) {
  const { user, token } = await signedIn(e);
  const authenticator = await SoftAuthenticator.create();
  const options = await optionsOf<PublicKeyCredentialCreationOptionsJSON>(registrationOptions(e, token));
  const registered = await call("POST", "/auth/passkey/register/verify", { env: healthy(e), token, json: { response: await authenticator.register(options) }, headers: withIp });
  expect(registered.status).toBe(201);
  return { user, token, authenticator };
}

/**
 * The challenges the Worker draws during `run`: every 32-byte
 * crypto.getRandomValues() result, base64url-encoded as the options carry
 * it. A faulted options request answers 503 without its challenge, so this
 * is how the test learns which row must not exist.
 */
function drawnChallenges(): string[] {
  const drawn: string[] = [];
  const real = crypto.getRandomValues.bind(crypto);
  vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    const out = real(array as never) as T;
    if (out instanceof Uint8Array && out.length === 32) {
      drawn.push(btoa(String.fromCharCode(...out)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
    }
    return out;
  });
  return drawn;
}

describe("the k-th D1 statement of a passkey flow fails", () => {
  it("registration options: 503 for every k, no challenge stored for a faulted request", async () => {
    const e = jwtEnv();
    const { user, token } = await signedIn(e);
    const stored = () => count("SELECT COUNT(*) AS n FROM webauthn_challenges WHERE user_id = ?1", user.id);
    const n = await sweep(
      "register/options",
      (db) => registrationOptions(e, token, db),
      async () => expect(await stored()).toBe(0),
      async (response) => {
        const { options } = (await response.json()) as { options: PublicKeyCredentialCreationOptionsJSON };
        expect(await stored()).toBe(1);
        expect(await challengeRows(options.challenge)).toBe(1);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2); // the user's passkeys, the challenge
  });

  it("registration verify: 503 for every k, no passkey row; the challenge is untouched or spent", async () => {
    const e = jwtEnv();
    const { user, token } = await signedIn(e);
    const authenticator = await SoftAuthenticator.create("RS256");
    const passkeys = () => count("SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?1", user.id);
    let challenge = "";
    const n = await sweep(
      "register/verify",
      async (db) => {
        const options = await optionsOf<PublicKeyCredentialCreationOptionsJSON>(registrationOptions(e, token));
        challenge = options.challenge;
        return call("POST", "/auth/passkey/register/verify", { env: quiet(e, db), token, json: { response: await authenticator.register(options) }, headers: withIp });
      },
      async (k, sql) => {
        expect(await passkeys(), `k=${k}`).toBe(0);
        // Failing the DELETE … RETURNING leaves the challenge; any later fault finds it spent.
        expect(await challengeRows(challenge), `k=${k} ${sql.slice(0, 60)}`).toBe(/DELETE FROM webauthn_challenges/.test(sql) ? 1 : 0);
      },
      async (response) => {
        expect(response.status).toBe(201);
        expect(await passkeys()).toBe(1);
        expect(await challengeRows(challenge)).toBe(0);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2); // consume the challenge, insert the passkey
    // The credential that finally registered logs in.
    const login = await call("POST", "/auth/passkey/login/verify", {
      env: healthy(e),
      json: { response: await authenticator.assert(await optionsOf<PublicKeyCredentialRequestOptionsJSON>(loginOptions(e))) },
      headers: withIp,
    });
    expect(login.status).toBe(200);
  });

  it("login options: 503 for every k, no challenge stored for a faulted request", async () => {
    const e = jwtEnv();
    let drawn: string[] = [];
    const n = await sweep(
      "login/options",
      (db) => {
        vi.restoreAllMocks();
        drawn = drawnChallenges();
        return loginOptions(e, db);
      },
      async (k) => {
        expect(drawn.length, `k=${k}`).toBeLessThanOrEqual(1);
        for (const challenge of drawn) expect(await challengeRows(challenge), `k=${k}`).toBe(0);
      },
      async (response) => {
        vi.restoreAllMocks();
        const { options } = (await response.json()) as { options: PublicKeyCredentialRequestOptionsJSON };
        expect(drawn).toEqual([options.challenge]);
        expect(await challengeRows(options.challenge)).toBe(1);
      },
    );
    expect(n).toBeGreaterThanOrEqual(2); // rate limit, the challenge
  });

  for (const mode of ["jwt", "session"] as const) {
    it(`login verify (${mode} mode): 503 for every k, no token rows, a counter only ever at a signed value`, async () => {
      const e = mode === "jwt" ? jwtEnv() : sessionEnv();
      const { user, authenticator } = await withPasskey(e);
      const before = async () => ({
        sessions: await count("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1", user.id),
        families: await count("SELECT COUNT(*) AS n FROM refresh_families WHERE user_id = ?1", user.id),
      });
      const baseline = await before();
      const counter = async () => (await env.GENERAL_DB.prepare("SELECT counter FROM passkeys WHERE user_id = ?1").bind(user.id).first<{ counter: number }>())!.counter;
      const signed = new Set<number>([0]);
      let challenge = "";
      const n = await sweep(
        `login/verify ${mode}`,
        async (db) => {
          const options = await optionsOf<PublicKeyCredentialRequestOptionsJSON>(loginOptions(e));
          challenge = options.challenge;
          const assertion = await authenticator.assert(options);
          signed.add(authenticator.counter);
          return call("POST", "/auth/passkey/login/verify", { env: quiet(e, db), json: { response: assertion }, headers: withIp });
        },
        async (k, sql) => {
          // No login was issued: no new session, no new refresh family.
          expect(await before(), `k=${k}`).toEqual(baseline);
          expect(await challengeRows(challenge), `k=${k}`).toBe(/DELETE FROM webauthn_challenges/.test(sql) ? 1 : 0);
          // The stored counter is one the authenticator signed (it moves
          // forward when the compare-and-set ran before the fault), never more.
          const stored = await counter();
          expect(signed.has(stored), `k=${k} counter ${stored}`).toBe(true);
          expect(stored).toBeLessThanOrEqual(authenticator.counter);
        },
        async (response) => {
          const body = (await response.json()) as LoginBody;
          expect(body.token_type).toBe(mode);
          expect(body.user.id).toBe(user.id);
          expect(await counter()).toBe(authenticator.counter);
          const after = await before();
          expect(after).toEqual(mode === "jwt" ? { ...baseline, families: baseline.families + 1 } : { ...baseline, sessions: baseline.sessions + 1 });
          expect((await call("GET", "/auth/me", { env: e, token: body.token })).status).toBe(200);
        },
      );
      expect(n).toBeGreaterThanOrEqual(4); // challenge, credential, counter, token write
    });
  }
});
