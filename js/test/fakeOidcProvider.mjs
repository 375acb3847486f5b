/**
 * vitest globalSetup (runs in Node, not in workerd): a fake OpenID Connect
 * provider and a fake GitHub-style OAuth 2.0 provider on 127.0.0.1, for the
 * social plugin's tests (social.test.ts). Workers tests cannot listen on a
 * socket, so the server lives here and its address reaches them through
 * vitest's provide/inject ("fakeOidcProvider").
 *
 * Each test may use its own tenant (a path segment), so JWKS fetch counts and
 * issued tokens never mix between tests. ID tokens are signed here with jose
 * (independently of oauth4webapi, which the Worker uses to check them).
 *
 * OIDC, issuer <base>/oidc/<tenant>:
 *   GET  /.well-known/openid-configuration, GET /jwks (RS256 kid "rs1", ES256 kid "es1")
 *   GET  /authorize  → 302 to redirect_uri?code&state. The "user" is chosen by the
 *        test's own query parameters (as a user picking an account): sub, email,
 *        email_verified ("true"/"false"), and `tweak`, a JSON object that alters this
 *        code's ID token: {iss, aud, exp (seconds from now), nonce, alg: "none" |
 *        "HS256-public-key" | "ES256", kid, forge: true (kid "rs1", signed by another key),
 *        emailVerifiedString: true (email_verified as the string "true"/"false", as Apple's),
 *        replay: "<an id_token to return as is>"}.
 *   POST /token      client_secret_post; the code is single use (a second use is
 *        invalid_grant, as real providers answer); PKCE S256 is enforced when the
 *        authorize request had a code_challenge (a missing or wrong verifier is invalid_grant).
 *   GET  /userinfo   bearer access token → {sub, email, email_verified}
 * GitHub-style, base <base>/github/<tenant>:
 *   GET  /login/oauth/authorize (user: id, login, email, verified) → 302 with code;
 *   POST /login/oauth/access_token → {access_token} or, as GitHub does, 200 {error};
 *   GET  /api/user, GET /api/user/emails (the primary address with its verified flag,
 *        plus a verified secondary one that must never be used).
 * Apple-style (Sign in with Apple), issuer <base>/apple/<tenant>, Apple's fixed paths:
 *   POST /__key {jwk, teamId, keyId}: the test gives the public key of its client secret JWTs;
 *   GET  /auth/authorize (response_mode=form_post required; user: sub, email, email_verified,
 *        is_private_email, and `user`, the JSON Apple adds on a first sign-in) → 200, an HTML
 *        page whose form auto-submits code, state (and user) to redirect_uri by POST, as Apple's does;
 *   POST /auth/token: client_secret must be an ES256 JWT that the tenant's key verifies, with
 *        header kid = keyId, iss = teamId, sub = client id, aud = https://appleid.apple.com, not
 *        expired and at most 6 months long (else invalid_client); ID tokens are RS256 with
 *        email_verified and is_private_email as the strings "true"/"false", as Apple sends them;
 *   GET  /auth/keys (the JWKS).
 * A tenant named "loose-*" lists HS256 and none among its ID-token algorithms (discovery).
 * Inspection: GET /__issued/<tenant> → {id_tokens: [...], jwks_fetches: n, token_requests: [...]}.
 */
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { SignJWT, decodeProtectedHeader, exportJWK, exportSPKI, generateKeyPair, importJWK, jwtVerify } from "jose";

export const CLIENT_ID = "test-client";
export const CLIENT_SECRET = "test-client-secret";

let server = null;

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");

async function readForm(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** @param {import("vitest/node").TestProject} project */
export async function setup(project) {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const rsaPem = await exportSPKI(rsa.publicKey);
  // A key the JWKS never lists (forged and unknown-kid tokens), made once: RSA generation is slow.
  const stranger = await generateKeyPair("RS256");
  const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: "rs1", alg: "RS256", use: "sig" }, { ...(await exportJWK(ec.publicKey)), kid: "es1", alg: "ES256", use: "sig" }] };
  /** code → what the authorize request said */
  const codes = new Map();
  /** access token → user */
  const accessTokens = new Map();
  /** tenant → inspection data */
  const tenants = new Map();
  const tenant = (name) => {
    if (!tenants.has(name)) tenants.set(name, { id_tokens: [], jwks_fetches: 0, token_requests: [] });
    return tenants.get(name);
  };
  let base = "";

  async function idToken(issuer, grant) {
    const tweak = grant.tweak;
    if (typeof tweak.replay === "string") return tweak.replay;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: tweak.iss ?? issuer,
      aud: tweak.aud ?? grant.clientId,
      sub: grant.user.sub,
      iat: now,
      exp: now + (tweak.exp ?? 300),
      // tweak.emailVerifiedString: "true"/"false" as a string, as only Apple sends it.
      ...(grant.user.email ? { email: grant.user.email, email_verified: tweak.emailVerifiedString === true ? String(grant.user.emailVerified) : grant.user.emailVerified } : {}),
      name: grant.user.name,
    };
    const nonce = tweak.nonce ?? grant.nonce;
    if (nonce) claims.nonce = nonce;
    if (tweak.alg === "none") {
      return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
    }
    if (tweak.alg === "HS256-public-key") {
      // The classic confusion attack: HMAC keyed with the provider's public key (PEM), which anyone can fetch.
      return new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: "rs1", typ: "JWT" }).sign(new TextEncoder().encode(rsaPem));
    }
    if (tweak.alg === "ES256") return new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: tweak.kid ?? "es1", typ: "JWT" }).sign(ec.privateKey);
    if (tweak.forge === true) {
      // A listed kid ("rs1") on a token another RSA key signed: only the signature check tells it apart.
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "rs1", typ: "JWT" }).sign(stranger.privateKey);
    }
    if (tweak.kid === "unknown") {
      // Signed by a key the JWKS does not have, under a kid it does not list.
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: `unknown-${randomBytes(4).toString("hex")}`, typ: "JWT" }).sign(stranger.privateKey);
    }
    return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: tweak.kid ?? "rs1", typ: "JWT" }).sign(rsa.privateKey);
  }

  function issueCode(url, user) {
    const redirectUri = url.searchParams.get("redirect_uri");
    if (!redirectUri || url.searchParams.get("client_id") !== CLIENT_ID) return null;
    const code = randomBytes(16).toString("hex");
    let tweak = {};
    try {
      tweak = JSON.parse(url.searchParams.get("tweak") ?? "{}");
    } catch {
      tweak = {};
    }
    codes.set(code, {
      clientId: CLIENT_ID,
      redirectUri,
      challenge: url.searchParams.get("code_challenge"),
      challengeMethod: url.searchParams.get("code_challenge_method"),
      nonce: url.searchParams.get("nonce"),
      user,
      tweak,
      used: false,
    });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    const state = url.searchParams.get("state");
    if (state !== null) back.searchParams.set("state", state);
    return back.toString();
  }

  /** The token endpoint's checks, shared by the providers: client, single-use code, redirect_uri, PKCE. `clientChecked`: the secret was checked already (Apple's JWT). */
  function redeem(form, clientChecked = false) {
    if (form.get("client_id") !== CLIENT_ID || (!clientChecked && form.get("client_secret") !== CLIENT_SECRET)) return { error: "invalid_client" };
    const grant = codes.get(form.get("code") ?? "");
    if (!grant) return { error: "invalid_grant", description: "unknown code" };
    if (grant.used) return { error: "invalid_grant", description: "code already used" };
    grant.used = true;
    if (form.get("redirect_uri") !== grant.redirectUri) return { error: "invalid_grant", description: "redirect_uri mismatch" };
    if (grant.challenge !== null) {
      const verifier = form.get("code_verifier");
      if (!verifier) return { error: "invalid_grant", description: "code_verifier missing" };
      if (grant.challengeMethod !== "S256" || b64url(createHash("sha256").update(verifier).digest()) !== grant.challenge) return { error: "invalid_grant", description: "code_verifier mismatch" };
    }
    const accessToken = randomBytes(16).toString("hex");
    accessTokens.set(accessToken, grant.user);
    return { grant, accessToken };
  }

  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const send = (status, body) => {
      response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      response.end(JSON.stringify(body));
    };
    const redirect = (location) => {
      response.writeHead(302, { Location: location });
      response.end();
    };
    const bearer = () => accessTokens.get((request.headers.authorization ?? "").replace(/^Bearer /i, ""));
    const issued = /^\/__issued\/([\w-]+)$/.exec(url.pathname);
    if (issued?.[1]) return send(200, tenant(issued[1]));

    const oidc = /^\/oidc\/([\w-]+)(\/.*)$/.exec(url.pathname);
    if (oidc?.[1] && oidc[2]) {
      const [, name, rest] = oidc;
      const issuer = `${base}/oidc/${name}`;
      if (rest === "/.well-known/openid-configuration") {
        return send(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          // A "loose-" tenant advertises HS256 and none too, as a careless or hostile provider could:
          // the client must not take the provider's word for which algorithms are acceptable.
          id_token_signing_alg_values_supported: name.startsWith("loose-") ? ["RS256", "ES256", "HS256", "none"] : ["RS256", "ES256"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_post"],
        });
      }
      if (rest === "/jwks") {
        tenant(name).jwks_fetches++;
        return send(200, jwks);
      }
      if (rest === "/authorize" && request.method === "GET") {
        const user = { sub: url.searchParams.get("sub") ?? "user-1", email: url.searchParams.get("email"), emailVerified: url.searchParams.get("email_verified") === "true", name: url.searchParams.get("name") ?? "Fake User" };
        const back = issueCode(url, user);
        return back ? redirect(back) : send(400, { error: "invalid_request" });
      }
      if (rest === "/token" && request.method === "POST") {
        const form = await readForm(request);
        tenant(name).token_requests.push(Object.fromEntries(form));
        const result = redeem(form);
        if (result.error) return send(400, { error: result.error, error_description: result.description });
        const token = await idToken(issuer, result.grant);
        tenant(name).id_tokens.push(token);
        return send(200, { access_token: result.accessToken, token_type: "Bearer", expires_in: 3600, id_token: token });
      }
      if (rest === "/userinfo") {
        const user = bearer();
        return user ? send(200, { sub: user.sub, email: user.email, email_verified: user.emailVerified }) : send(401, { error: "invalid_token" });
      }
      return send(404, { error: "not_found" });
    }

    const apple = /^\/apple\/([\w-]+)(\/.*)$/.exec(url.pathname);
    if (apple?.[1] && apple[2]) {
      const [, name, rest] = apple;
      const issuer = `${base}/apple/${name}`;
      if (rest === "/__key" && request.method === "POST") {
        const chunks = [];
        for await (const chunk of request) chunks.push(chunk);
        const given = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        tenant(name).apple = { key: await importJWK(given.jwk, "ES256"), teamId: given.teamId, keyId: given.keyId };
        return send(200, { ok: true });
      }
      if (rest === "/auth/keys") {
        tenant(name).jwks_fetches++;
        return send(200, jwks);
      }
      if (rest === "/auth/authorize" && request.method === "GET") {
        if (url.searchParams.get("response_mode") !== "form_post") return send(400, { error: "invalid_request", error_description: "response_mode must be form_post" });
        const user = { sub: url.searchParams.get("sub") ?? "apple-user-1", email: url.searchParams.get("email"), emailVerified: url.searchParams.get("email_verified") ?? "true", privateEmail: url.searchParams.get("is_private_email") ?? "false" };
        const back = issueCode(url, user);
        if (!back) return send(400, { error: "invalid_request" });
        const target = new URL(back);
        const fields = new URLSearchParams(target.search);
        const appleUser = url.searchParams.get("user");
        if (appleUser !== null) fields.set("user", appleUser);
        target.search = "";
        const escape = (text) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
        const inputs = [...fields].map(([field, value]) => `<input type="hidden" name="${escape(field)}" value="${escape(value)}">`).join("");
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
        return response.end(`<!doctype html><body onload="document.forms[0].submit()"><form method="POST" action="${escape(target.toString())}">${inputs}</form></body>`);
      }
      if (rest === "/auth/token" && request.method === "POST") {
        const form = await readForm(request);
        tenant(name).token_requests.push(Object.fromEntries(form));
        const registered = tenant(name).apple;
        const secret = form.get("client_secret") ?? "";
        let secretOk = false;
        try {
          const { payload, protectedHeader } = await jwtVerify(secret, registered.key, { algorithms: ["ES256"], issuer: registered.teamId, subject: CLIENT_ID, audience: "https://appleid.apple.com" });
          secretOk = protectedHeader.kid === registered.keyId && decodeProtectedHeader(secret).alg === "ES256" && typeof payload.iat === "number" && typeof payload.exp === "number" && payload.exp - payload.iat <= 15_777_000;
        } catch {
          secretOk = false;
        }
        if (!secretOk) return send(400, { error: "invalid_client" });
        const result = redeem(form, true);
        if (result.error) return send(400, { error: result.error, error_description: result.description });
        const now = Math.floor(Date.now() / 1000);
        const grant = result.grant;
        const claims = { iss: issuer, aud: grant.clientId, sub: grant.user.sub, iat: now, exp: now + 300, ...(grant.user.email ? { email: grant.user.email, email_verified: grant.user.emailVerified, is_private_email: grant.user.privateEmail } : {}), ...(grant.nonce ? { nonce: grant.nonce } : {}) };
        const token = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "rs1" }).sign(rsa.privateKey);
        tenant(name).id_tokens.push(token);
        return send(200, { access_token: result.accessToken, token_type: "Bearer", expires_in: 3600, id_token: token });
      }
      return send(404, { error: "not_found" });
    }

    const gh = /^\/github\/([\w-]+)(\/.*)$/.exec(url.pathname);
    if (gh?.[1] && gh[2]) {
      const [, name, rest] = gh;
      if (rest === "/login/oauth/authorize" && request.method === "GET") {
        const user = { id: Number(url.searchParams.get("id") ?? "1"), login: url.searchParams.get("login") ?? "octocat", name: url.searchParams.get("name"), email: url.searchParams.get("email"), verified: url.searchParams.get("verified") === "true" };
        const back = issueCode(url, user);
        return back ? redirect(back) : send(400, { error: "invalid_request" });
      }
      if (rest === "/login/oauth/access_token" && request.method === "POST") {
        const form = await readForm(request);
        tenant(name).token_requests.push(Object.fromEntries(form));
        const result = redeem(form);
        // GitHub answers its errors with 200 and an error field.
        if (result.error) return send(200, { error: result.error, error_description: result.description });
        return send(200, { access_token: result.accessToken, token_type: "bearer", scope: "read:user,user:email" });
      }
      if (rest === "/api/user") {
        const user = bearer();
        return user ? send(200, { id: user.id, login: user.login, name: user.name }) : send(401, { message: "Bad credentials" });
      }
      if (rest === "/api/user/emails") {
        const user = bearer();
        if (!user) return send(401, { message: "Bad credentials" });
        const emails = [{ email: `secondary-${user.id}@example.org`, primary: false, verified: true }];
        if (user.email) emails.push({ email: user.email, primary: true, verified: user.verified });
        return send(200, emails);
      }
      return send(404, { error: "not_found" });
    }
    return send(404, { error: "not_found" });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake OIDC provider: no port");
  base = `http://127.0.0.1:${address.port}`;
  project.provide("fakeOidcProvider", base);
}

export async function teardown() {
  await new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
