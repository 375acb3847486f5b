import { KeyRing, deriveKid } from "hybrid-auth";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, OTHER_SECRET, SECRET, call, errorOf, independentKid, jwtEnv, loginUser, registerUser } from "./helpers";
import type { LoginBody } from "./helpers";

const THIRD_SECRET = "third-secret-0123456789abcdefghijklmnopqrstu";

function headerOf(token: string): { alg: string; kid?: string } {
  return JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))) as { alg: string; kid?: string };
}

describe("the kid: known answers from an independent HMAC", () => {
  // deriveKid is documented (src/key.rs derive_kid, js/README.md) as base64url of the
  // first 8 bytes of HMAC-SHA256(key = the secret's UTF-8 bytes, "hybrid-auth/kid/v1").
  // The literals were computed with Python's hmac module:
  //   base64.urlsafe_b64encode(hmac.new(secret.encode(), b"hybrid-auth/kid/v1", hashlib.sha256).digest()[:8])
  const KNOWN: [string, string][] = [
    [SECRET, "KyCuQqlrsUE"],
    [OTHER_SECRET, "3MJ9WhSHOvU"],
  ];

  it.each(KNOWN)("the kid of %j is %s, by WebCrypto HMAC and by deriveKid", async (secret, kid) => {
    expect(await independentKid(secret)).toBe(kid);
    expect(deriveKid(secret)).toBe(kid);
  });

  it("a login's token header names the signing secret's kid, as computed independently", async () => {
    const e = jwtEnv({ JWT_SECRET: OTHER_SECRET });
    const user = await registerUser(e);
    const { token } = await loginUser(e, user.email);
    expect(headerOf(token).kid).toBe(await independentKid(OTHER_SECRET));
    expect(headerOf(token).kid).toBe("3MJ9WhSHOvU");
  });
});

describe("secret rotation: JWT_SECRET signs, JWT_SECRET_PREVIOUS still verifies", () => {
  it("rotating mid-test: old tokens live until expiry, new ones carry the new kid", async () => {
    const before = jwtEnv({ JWT_SECRET: SECRET });
    const after = jwtEnv({ JWT_SECRET: OTHER_SECRET, JWT_SECRET_PREVIOUS: SECRET });
    const user = await registerUser(before);
    const old = await loginUser(before, user.email);
    expect(headerOf(old.token).kid).toBe(deriveKid(SECRET));
    // The kid names the key without revealing it.
    expect(old.token).not.toContain(SECRET);
    expect(deriveKid(SECRET)).not.toBe(deriveKid(OTHER_SECRET));

    // --- rotate ---
    const oldMe = await call("GET", "/auth/me", { env: after, token: old.token });
    expect(oldMe.status).toBe(200);
    const fresh = await loginUser(after, user.email);
    expect(headerOf(fresh.token).kid).toBe(deriveKid(OTHER_SECRET));
    expect((await call("GET", "/auth/me", { env: after, token: fresh.token })).status).toBe(200);
    // A refresh token from before the rotation mints a token with the new kid.
    const refreshed = await call("POST", "/auth/refresh", { env: after, json: { refresh_token: old.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(headerOf(((await refreshed.json()) as LoginBody).token).kid).toBe(deriveKid(OTHER_SECRET));

    // "Until expiry": an old-key token past its exp is refused even though its key is still trusted.
    // Tokens the old deployment issued an hour ago: one for 60 s (expired now), one for 2 h.
    const nowS = Math.floor(Date.now() / 1000);
    const oldRing = new KeyRing({
      keys: [{ kid: deriveKid(SECRET), secret: SECRET }],
      signWith: deriveKid(SECRET),
      issuer: DEFAULT_ISSUER,
      audience: DEFAULT_AUDIENCE,
      tokenType: "at+jwt",
      now: () => nowS - 3600,
    });
    const claims = { sub: user.id, email: user.email, name: user.name, sid: crypto.randomUUID() };
    const expired = oldRing.sign(claims, 60);
    const stillValid = oldRing.sign(claims, 7200);
    expect(headerOf(expired).kid).toBe(deriveKid(SECRET));
    expect((await call("GET", "/auth/me", { env: after, token: expired })).status).toBe(401);
    expect((await call("GET", "/auth/me", { env: after, token: stillValid })).status).toBe(200);

    // Once the old secret is dropped from JWT_SECRET_PREVIOUS, its tokens stop working.
    const dropped = jwtEnv({ JWT_SECRET: OTHER_SECRET });
    const gone = await call("GET", "/auth/me", { env: dropped, token: old.token });
    expect(gone.status).toBe(401);
    expect((await errorOf(gone)).code).toBe("invalid_token");
    expect((await call("GET", "/auth/me", { env: dropped, token: fresh.token })).status).toBe(200);
  });

  it("several previous secrets, comma-separated, with spaces", async () => {
    const user = await registerUser();
    const a = await loginUser(jwtEnv({ JWT_SECRET: SECRET }), user.email);
    const b = await loginUser(jwtEnv({ JWT_SECRET: OTHER_SECRET }), user.email);
    const e = jwtEnv({ JWT_SECRET: THIRD_SECRET, JWT_SECRET_PREVIOUS: ` ${OTHER_SECRET} , ${SECRET}` });
    expect((await call("GET", "/auth/me", { env: e, token: a.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: b.token })).status).toBe(200);
    expect(headerOf((await loginUser(e, user.email)).token).kid).toBe(deriveKid(THIRD_SECRET));
  });

  it("a short previous secret is a configuration error (503 misconfigured, never echoed)", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("GET", "/auth/me", { env: jwtEnv({ JWT_SECRET_PREVIOUS: `${SECRET},too-short-secret` }), token: crypto.randomUUID() });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("misconfigured");
    const lines = log.mock.calls.map((args) => String(args[0]));
    expect(lines.some((l) => /JWT_SECRET_PREVIOUS\[1\] is 16 bytes/.test(l))).toBe(true);
    expect(lines.join("\n")).not.toContain("too-short-secret");
    log.mockRestore();
  });
});
