import { describe, expect, it } from "vitest";
import { findUserByEmail } from "../src/db";
import { PASSWORD, call, env, errorOf, jwtEnv, sessionEnv, uniqueEmail } from "./helpers";

describe("POST /auth/register", () => {
  it("creates a user and answers 201 with its public fields", async () => {
    const email = uniqueEmail("reg");
    const response = await call("POST", "/auth/register", { json: { email, password: PASSWORD, name: "Ada" } });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { user: Record<string, unknown> };
    expect(body.user).toMatchObject({ email, name: "Ada" });
    expect(body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body.user).not.toHaveProperty("password_hash");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });

  it("works the same in session mode", async () => {
    const email = uniqueEmail();
    const response = await call("POST", "/auth/register", {
      env: sessionEnv(),
      json: { email, password: PASSWORD, name: "Grace" },
    });
    expect(response.status).toBe(201);
    // The same answer as in JWT mode: {user: {id, email, name, created_at}}, nothing else.
    const body = (await response.json()) as { user: { id: string; email: string; name: string; created_at: number } };
    expect(Object.keys(body)).toEqual(["user"]);
    expect(Object.keys(body.user).sort()).toEqual(["created_at", "email", "id", "name"]);
    expect(body.user).toMatchObject({ email, name: "Grace" });
    expect(body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Math.abs(body.user.created_at - Date.now() / 1000)).toBeLessThan(60);
    // The account works in session mode: its login's session token authenticates as this user.
    const login = await call("POST", "/auth/login", { env: sessionEnv(), json: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const { token, token_type } = (await login.json()) as { token: string; token_type: string };
    expect(token_type).toBe("session");
    const me = await call("GET", "/auth/me", { env: sessionEnv(), token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { id: body.user.id, email, name: "Grace" }, token_type: "session" });
  });

  it("trims and lower-cases the email, trims the name", async () => {
    const email = uniqueEmail("MiXeD");
    const response = await call("POST", "/auth/register", {
      json: { email: `  ${email.toUpperCase()} \t`, password: PASSWORD, name: "  Ada  " },
    });
    expect(response.status).toBe(201);
    const stored = await findUserByEmail(env.GENERAL_DB, email.toLowerCase());
    expect(stored?.email).toBe(email.toLowerCase());
    expect(stored?.name).toBe("Ada");
  });

  it("stores a salted Argon2id hash as a PHC string at OWASP's default cost, never the password", async () => {
    const a = uniqueEmail();
    const b = uniqueEmail();
    await call("POST", "/auth/register", { json: { email: a, password: PASSWORD, name: "A" } });
    await call("POST", "/auth/register", { json: { email: b, password: PASSWORD, name: "B" } });
    const hashA = (await findUserByEmail(env.GENERAL_DB, a))?.passwordHash ?? "";
    const hashB = (await findUserByEmail(env.GENERAL_DB, b))?.passwordHash ?? "";
    const format = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
    // PHC base64 has no padding: add it back for atob.
    const atob = (b64: string) => globalThis.atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    expect(hashA).toMatch(format);
    expect(atob(format.exec(hashA)?.[1] ?? "")).toHaveLength(16);
    expect(atob(format.exec(hashA)?.[2] ?? "")).toHaveLength(32);
    expect(hashA).not.toContain(PASSWORD);
    // Same password, different salt, different hash.
    expect(hashA).not.toBe(hashB);
  });

  it("answers 409 email_taken for an email already registered, whatever its case or spacing", async () => {
    const email = uniqueEmail();
    expect((await call("POST", "/auth/register", { json: { email, password: PASSWORD, name: "A" } })).status).toBe(201);
    const again = await call("POST", "/auth/register", {
      json: { email: ` ${email.toUpperCase()} `, password: "another password", name: "B" },
    });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toEqual({ code: "email_taken", message: expect.any(String) });
  });

  it("lets exactly one of two concurrent registrations of one email win", async () => {
    const email = uniqueEmail("race");
    const send = () => call("POST", "/auth/register", { env: jwtEnv(), json: { email, password: PASSWORD, name: "R" } });
    const statuses = (await Promise.all([send(), send(), send()])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
  });
});
