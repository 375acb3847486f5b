import { describe, expect, it, vi } from "vitest";
import { MAX_BODY_BYTES } from "../src/http/body";
import { PASSWORD, call, jwtEnv, registerUser, uniqueEmail } from "./helpers";

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(Object.keys(body)).toEqual(["error"]);
}

const valid = () => ({ email: uniqueEmail(), password: PASSWORD, name: "Valid Name" });

describe.each(["/auth/register", "/auth/login"])("bad bodies on %s", (path) => {
  it.each([
    ["not JSON", "{email:"],
    ["truncated JSON", '{"email": "a@b.co"'],
    ["empty body", ""],
  ])("%s → 400 invalid_json", async (_label, body) => {
    await expectError(await call("POST", path, { body }), 400, "invalid_json");
  });

  it("invalid UTF-8 → 400 invalid_json", async () => {
    await expectError(await call("POST", path, { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), 400, "invalid_json");
  });

  it.each([["an array", "[]"], ["a string", '"hello"'], ["null", "null"], ["a number", "42"]])(
    "%s → 400 invalid_body",
    async (_label, body) => {
      await expectError(await call("POST", path, { body }), 400, "invalid_body");
    },
  );

  it.each(["email", "password"])("missing %s → 400 missing_field", async (field) => {
    const body: Record<string, unknown> = valid();
    delete body[field];
    await expectError(await call("POST", path, { json: body }), 400, "missing_field");
    await expectError(await call("POST", path, { json: { ...valid(), [field]: null } }), 400, "missing_field");
  });

  it.each([42, true, ["a@b.co"], { a: 1 }])("email of the wrong type (%j) → 400 invalid_field", async (email) => {
    await expectError(await call("POST", path, { json: { ...valid(), email } }), 400, "invalid_field");
  });

  it.each([12345678, false, ["pw"]])("password of the wrong type (%j) → 400 invalid_field", async (password) => {
    await expectError(await call("POST", path, { json: { ...valid(), password } }), 400, "invalid_field");
  });

  it("a declared Content-Length over 16 KiB → 400 body_too_large before reading", async () => {
    const response = await call("POST", path, {
      body: "{}",
      headers: { "Content-Type": "application/json", "Content-Length": String(MAX_BODY_BYTES + 1) },
    });
    await expectError(response, 400, "body_too_large");
  });

  it("an actual body over 16 KiB with no Content-Length (streamed) → 400 body_too_large", async () => {
    const big = new TextEncoder().encode(JSON.stringify({ ...valid(), name: "x".repeat(MAX_BODY_BYTES) }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 1000) controller.enqueue(big.slice(i, i + 1000));
        controller.close();
      },
    });
    await expectError(await call("POST", path, { body: stream }), 400, "body_too_large");
  });

  it("a body of exactly 16 KiB is read (and then judged on its fields)", async () => {
    const base = JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: "N", pad: "" });
    const padded = base.replace('"pad":""', `"pad":"${"p".repeat(MAX_BODY_BYTES - base.length)}"`);
    expect(new TextEncoder().encode(padded).byteLength).toBe(MAX_BODY_BYTES);
    const response = await call("POST", path, { body: padded });
    // Register creates the user; login finds no such user.
    expect(response.status).toBe(path === "/auth/register" ? 201 : 401);
  });

  it("an invalid Content-Length → 400 invalid_json", async () => {
    const response = await call("POST", path, {
      body: "{}",
      headers: { "Content-Type": "application/json", "Content-Length": "abc" },
    });
    await expectError(response, 400, "invalid_json");
  });

  it.each([undefined, "text/plain", "application/x-www-form-urlencoded", "application/jsonp"])(
    "Content-Type %j → 415 unsupported_media_type",
    async (type) => {
      // "" stands for "no usable Content-Type" (call() would otherwise add one).
      const response = await call("POST", path, { body: JSON.stringify(valid()), headers: { "Content-Type": type ?? "" } });
      await expectError(response, 415, "unsupported_media_type");
    },
  );

  it("accepts application/json with a charset parameter", async () => {
    const response = await call("POST", path, {
      body: JSON.stringify(valid()),
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    expect(response.status).toBe(path === "/auth/register" ? 201 : 401);
  });
});

describe("register field limits", () => {
  const register = (fields: Record<string, unknown>) => call("POST", "/auth/register", { json: { ...valid(), ...fields } });

  it("missing name → 400 missing_field; wrong type → invalid_field", async () => {
    const body: Record<string, unknown> = valid();
    delete body.name;
    await expectError(await call("POST", "/auth/register", { json: body }), 400, "missing_field");
    await expectError(await register({ name: 7 }), 400, "invalid_field");
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["101 characters", "n".repeat(101)],
    ["a control character", "Ada\u0000Lovelace"],
    ["a newline", "Ada\nLovelace"],
  ])("name %s → 400 invalid_field", async (_label, name) => {
    await expectError(await register({ name }), 400, "invalid_field");
  });

  it("name of exactly 100 characters (emoji count as one) is accepted", async () => {
    expect((await register({ name: "😀".repeat(100) })).status).toBe(201);
  });

  it.each([
    ["empty", ""],
    ["no @", "user.example.com"],
    ["no domain dot", "user@localhost"],
    ["two @", "a@b@example.com"],
    ["inner space", "a b@example.com"],
    ["over 254 characters", `${"a".repeat(64)}@${"d".repeat(186)}.com`],
  ])("email %s → 400 invalid_field", async (_label, email) => {
    await expectError(await register({ email }), 400, "invalid_field");
  });

  it.each([
    ["7 characters", "1234567"],
    ["1025 characters", "p".repeat(1025)],
  ])("password of %s → 400 invalid_field", async (_label, password) => {
    await expectError(await register({ password }), 400, "invalid_field");
  });

  it("password of exactly 8 and of exactly 1024 characters is accepted", async () => {
    expect((await register({ password: "12345678" })).status).toBe(201);
    expect((await register({ password: "p".repeat(1024) })).status).toBe(201);
  });
});

describe("login field limits", () => {
  it("an over-long email or password is refused before any hashing", async () => {
    const user = await registerUser(jwtEnv());
    // PBKDF2 (passwords.ts) runs through crypto.subtle.deriveBits: count its calls.
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    try {
      await expectError(
        await call("POST", "/auth/login", { json: { email: `${"a".repeat(300)}@example.com`, password: PASSWORD } }),
        400,
        "invalid_field",
      );
      await expectError(await call("POST", "/auth/login", { json: { email: user.email, password: "p".repeat(1025) } }), 400, "invalid_field");
      await expectError(await call("POST", "/auth/register", { json: { ...valid(), password: "p".repeat(1025) } }), 400, "invalid_field");
      expect(derive).not.toHaveBeenCalled();
      // Control: the spy does see the hashing of a well-formed (wrong) login.
      expect((await call("POST", "/auth/login", { json: { email: user.email, password: "p".repeat(1024) } })).status).toBe(401);
      expect(derive).toHaveBeenCalled();
    } finally {
      derive.mockRestore();
    }
  });
});
