import { describe, expect, it, vi } from "vitest";
import { listRefreshFamilies } from "../src/db";
import { sha256Hex } from "../src/utils/encoding";
import { batchFailsAtEnd, call, countingDb, env, errorOf, jwtEnv, loginUser, registerUser, sessionEnv, totalQueries } from "./helpers";
import type { LoginBody } from "./helpers";
import type { Env } from "../demo/worker";

const now = () => Math.floor(Date.now() / 1000);

async function refresh(refreshToken: unknown, e: Env = jwtEnv(), headers: Record<string, string> = {}) {
  return call("POST", "/auth/refresh", { env: e, json: { refresh_token: refreshToken }, headers });
}

async function loggedIn(e: Env = jwtEnv()) {
  const user = await registerUser(e);
  const login = await loginUser(e, user.email);
  return { user, login, refreshToken: login.refresh_token as string };
}

async function tokenRow(token: string) {
  return env.GENERAL_DB.prepare("SELECT * FROM refresh_tokens WHERE token_hash = ?1")
    .bind(await sha256Hex(token))
    .first<{ family_id: string; used_at: number | null; replaced_by: string | null; expires_at: number }>();
}

describe("refresh tokens at login", () => {
  it("JWT login returns an opaque 256-bit refresh token (30 days), stored only as its SHA-256", async () => {
    const { user, login, refreshToken } = await loggedIn();
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Math.abs((login.refresh_expires_at ?? 0) - (now() + 2_592_000))).toBeLessThanOrEqual(2);
    const rows = await env.GENERAL_DB.prepare("SELECT * FROM refresh_tokens WHERE user_id = ?1").bind(user.id).all();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({ token_hash: await sha256Hex(refreshToken), used_at: null });
    expect(JSON.stringify(rows.results)).not.toContain(refreshToken);
    // The access JWT names its refresh family (`sid`).
    const claims = JSON.parse(atob(login.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sid: string };
    expect(claims.sid).toBe(rows.results[0]?.family_id);
  });

  it("honours REFRESH_TOKEN_TTL", async () => {
    const { login } = await loggedIn(jwtEnv({ REFRESH_TOKEN_TTL: "3600" }));
    expect(Math.abs((login.refresh_expires_at ?? 0) - (now() + 3600))).toBeLessThanOrEqual(2);
  });

  it("session mode issues no refresh token, and /auth/refresh refuses to work there", async () => {
    const user = await registerUser(sessionEnv());
    const login = await loginUser(sessionEnv(), user.email);
    expect(login.refresh_token).toBeUndefined();
    const response = await refresh("A".repeat(43), sessionEnv());
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_refresh_token");
  });
});

describe("POST /auth/refresh: rotation", () => {
  it("returns a new JWT and a new refresh token, retires the old one, and the new one works", async () => {
    const { user, refreshToken } = await loggedIn(jwtEnv({ ACCESS_TOKEN_TTL: "900" }));
    const response = await refresh(refreshToken, jwtEnv({ ACCESS_TOKEN_TTL: "900" }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as LoginBody;
    expect(body).toMatchObject({ token_type: "jwt", user });
    expect(Math.abs(body.expires_at - (now() + 900))).toBeLessThanOrEqual(2);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.refresh_token).not.toBe(refreshToken);
    expect((await call("GET", "/auth/me", { token: body.token })).status).toBe(200);

    const old = await tokenRow(refreshToken);
    expect(old?.used_at).not.toBeNull();
    expect(old?.replaced_by).toBe(await sha256Hex(body.refresh_token as string));
    const successor = await tokenRow(body.refresh_token as string);
    expect(successor?.family_id).toBe(old?.family_id);
    expect(successor?.used_at).toBeNull();
    // The chain goes on.
    expect((await refresh(body.refresh_token)).status).toBe(200);
  });

  it("a retired token within the grace window: 409 refresh_token_rotated, nothing revoked", async () => {
    const { user, refreshToken } = await loggedIn();
    const first = (await (await refresh(refreshToken)).json()) as LoginBody;
    const again = await refresh(refreshToken);
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("refresh_token_rotated");
    const [family] = await listRefreshFamilies(env.GENERAL_DB, user.id);
    expect(family?.revokedAt).toBeNull();
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it("a retired token after the grace window revokes the whole family (theft detection)", async () => {
    const log = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { user, refreshToken } = await loggedIn();
    const rotated = (await (await refresh(refreshToken)).json()) as LoginBody;
    // The legitimate client's token was retired 11 s ago (grace is 10 s).
    await env.GENERAL_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - 11 WHERE token_hash = ?1").bind(await sha256Hex(refreshToken)).run();
    const replay = await refresh(refreshToken);
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe("refresh_token_reused");
    const [family] = await listRefreshFamilies(env.GENERAL_DB, user.id);
    expect(family).toMatchObject({ revokedReason: "reuse" });
    expect(family?.revokedAt).not.toBeNull();
    // The thief's and the victim's newest token are both dead now.
    const successor = await refresh(rotated.refresh_token);
    expect(successor.status).toBe(401);
    expect((await errorOf(successor)).code).toBe("invalid_refresh_token");
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });

  it("REFRESH_REUSE_GRACE_SECONDS=0 revokes the whole family on any reuse: the newest refresh token and the family's access JWTs are refused", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const e = jwtEnv({ REFRESH_REUSE_GRACE_SECONDS: "0" });
    const { user, login, refreshToken } = await loggedIn(e);
    const rotatedResponse = await refresh(refreshToken, e);
    expect(rotatedResponse.status).toBe(200);
    const rotated = (await rotatedResponse.json()) as LoginBody;
    const sid = (JSON.parse(atob(rotated.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sid: string }).sid;
    // Before the reuse both access JWTs of the family work.
    expect((await call("GET", "/auth/me", { env: e, token: rotated.token })).status).toBe(200);
    expect((await call("GET", "/auth/me", { env: e, token: login.token })).status).toBe(200);
    await env.GENERAL_DB.prepare("UPDATE refresh_tokens SET used_at = used_at - 1 WHERE token_hash = ?1").bind(await sha256Hex(refreshToken)).run();
    const replay = await refresh(refreshToken, e);
    expect(replay.status).toBe(401);
    expect((await errorOf(replay)).code).toBe("refresh_token_reused");
    // The family is revoked, for the reason "reuse".
    const [family] = await listRefreshFamilies(env.GENERAL_DB, user.id);
    expect(family).toMatchObject({ id: sid, revokedReason: "reuse" });
    expect(family?.revokedAt).not.toBeNull();
    // The newest (rotated, never used) refresh token of the family is refused.
    const successor = await refresh(rotated.refresh_token, e);
    expect(successor.status).toBe(401);
    expect((await errorOf(successor)).code).toBe("invalid_refresh_token");
    // Every access JWT of the family (its `sid`) is refused, in this isolate and from D1.
    for (const mode of ["cached", "strict"]) {
      for (const token of [rotated.token, login.token]) {
        const me = await call("GET", "/auth/me", { env: jwtEnv({ REVOCATION: mode }), token });
        expect(me.status, `${mode}`).toBe(401);
        expect((await errorOf(me)).code).toBe("invalid_token");
      }
    }
    vi.restoreAllMocks();
  });

  it("parallel refreshes of one token: exactly one successor, in the same family", async () => {
    const { user, refreshToken } = await loggedIn();
    const responses = await Promise.all(Array.from({ length: 8 }, () => refresh(refreshToken)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of responses.filter((r) => r.status === 409)) expect((await errorOf(r)).code).toBe("refresh_token_rotated");
    const families = await listRefreshFamilies(env.GENERAL_DB, user.id);
    expect(families).toHaveLength(1);
    // The original and its single successor; only the successor is unused.
    expect(families[0]?.tokens).toBe(2);
    const unused = await env.GENERAL_DB.prepare("SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ?1 AND used_at IS NULL").bind(user.id).first<{ n: number }>();
    expect(unused?.n).toBe(1);
  });

  it("unknown, malformed, expired and non-string refresh tokens", async () => {
    const unknown = await refresh("B".repeat(42) + "A");
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe("invalid_refresh_token");

    // A malformed token costs no lookup (only the rate-limit counter).
    const { db, counts } = countingDb(env.GENERAL_DB);
    for (const bad of ["short", "A".repeat(44), `${"A".repeat(42)}=`, "B".repeat(43)]) {
      const response = await refresh(bad, jwtEnv({ GENERAL_DB: db, RATE_LIMIT_REFRESH_IP: "off" }));
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe("invalid_refresh_token");
    }
    expect(totalQueries(counts)).toBe(0);

    const { refreshToken } = await loggedIn();
    await env.GENERAL_DB.prepare("UPDATE refresh_tokens SET expires_at = ?2 WHERE token_hash = ?1").bind(await sha256Hex(refreshToken), now() - 1).run();
    expect((await errorOf(await refresh(refreshToken))).code).toBe("invalid_refresh_token");

    const missing = await call("POST", "/auth/refresh", { json: {} });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).code).toBe("missing_field");
    expect((await errorOf(await refresh(42))).code).toBe("invalid_field");
  });

  it("a rotation whose batch fails half-way changes nothing (the old token still works)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { refreshToken } = await loggedIn();
    const response = await refresh(refreshToken, jwtEnv({ GENERAL_DB: batchFailsAtEnd(env.GENERAL_DB) }));
    expect(response.status).toBe(503);
    expect((await tokenRow(refreshToken))?.used_at).toBeNull();
    expect((await refresh(refreshToken)).status).toBe(200);
    vi.restoreAllMocks();
  });

  it("a refresh reflects the user's current name and email", async () => {
    const { user, refreshToken } = await loggedIn();
    await env.GENERAL_DB.prepare("UPDATE users SET name = 'Renamed' WHERE id = ?1").bind(user.id).run();
    const body = (await (await refresh(refreshToken)).json()) as LoginBody;
    expect(body.user.name).toBe("Renamed");
  });
});
