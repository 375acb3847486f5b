/**
 * httpEmailSender (Resend's POST /emails) against a fake provider that
 * vitest's globalSetup runs in Node on 127.0.0.1 (test/fakeEmailProvider.mjs):
 * the request shape it documents, the retry rule, the errors, and the whole
 * path through the demo Worker configured by RESEND_API_KEY / EMAIL_FROM /
 * RESEND_API_URL / APP_URL.
 */
import { describe, expect, inject, it, vi } from "vitest";
import { EmailSendError, httpEmailSender } from "hybrid-auth/email";
import { call, errorOf, loginUser, registerUser, uniqueEmail } from "./helpers";
import { mailEnv } from "./emailHelpers";

declare module "vitest" {
  export interface ProvidedContext {
    fakeEmailProvider: string;
  }
}

interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: { from: string; to: string[]; subject: string; html: string; text: string };
}

const provider = inject("fakeEmailProvider");
const API_KEY = "re_test_0123456789";
const FROM = "hybrid-auth <no-reply@example.com>";
const message = { to: "ada@example.com", subject: "Hello", text: "Hi https://x.test/#reset=abc\n", html: "<p>Hi</p>" };

function box(behaviour: "ok" | "flaky" | "reject" | "echo" | "down") {
  const id = crypto.randomUUID();
  return { endpoint: `${provider}/${behaviour}/${id}/emails`, received: async () => (await (await fetch(`${provider}/__received/${id}`)).json()) as Received[] };
}

describe("httpEmailSender (Resend's API shape) against a fake provider on 127.0.0.1", () => {
  it("POSTs the documented request: bearer key, JSON {from, to[], subject, html, text}, an Idempotency-Key", async () => {
    const { endpoint, received } = box("ok");
    await httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint })(message);
    const [request, ...rest] = await received();
    expect(rest).toEqual([]);
    expect(request?.method).toBe("POST");
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(request?.body).toEqual({ from: FROM, to: [message.to], subject: message.subject, html: message.html, text: message.text });
  });

  it("retries a 5xx once with the same Idempotency-Key (the provider then sends it once)", async () => {
    const { endpoint, received } = box("flaky");
    await httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint })(message);
    const requests = await received();
    expect(requests).toHaveLength(2);
    expect(requests[1]?.headers["idempotency-key"]).toBe(requests[0]?.headers["idempotency-key"]);
  });

  it("a refusal (4xx) throws EmailSendError with the status, is not retried, and never contains the key", async () => {
    const { endpoint, received } = box("reject");
    const error = await httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint })(message).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmailSendError);
    expect((error as EmailSendError).status).toBe(422);
    expect((error as Error).message).not.toContain(API_KEY);
    expect(await received()).toHaveLength(1);
  });

  it("an unreachable provider throws EmailSendError after exactly one retry (two attempts, the same Idempotency-Key)", async () => {
    // A provider that takes the request and drops the connection: it records each attempt.
    const { endpoint, received } = box("down");
    const error = await httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint, timeoutMs: 2000 })(message).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmailSendError);
    expect((error as EmailSendError).status).toBeNull();
    const attempts = await received();
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.headers["idempotency-key"]).toBe(attempts[0]?.headers["idempotency-key"]);

    // Nothing listening at all: the same two attempts, counted at the fetch the sender was given.
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const refused = await httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint: "http://127.0.0.1:9/emails", timeoutMs: 2000, fetch: counting })(message).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(EmailSendError);
    expect((refused as EmailSendError).status).toBeNull();
    expect(calls).toBe(2);
  });

  it("a provider error that echoes the email: the EmailSendError (which is logged) carries no link and no token", async () => {
    const { endpoint, received } = box("echo");
    const token = "A".repeat(20) + "b_c-".repeat(5) + "xyz";
    const withLink = { ...message, text: `Open https://app.example.com/#reset=${token}\n` };
    const error = await httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint })(withLink).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmailSendError);
    expect((await received())[0]?.body.text).toContain(token); // the provider did get it, and echoed it
    const text = (error as Error).message;
    expect(text).toMatch(/^email provider answered 422: /);
    expect(text).not.toContain(token);
    expect(text).not.toContain("#reset=");
    expect(text).not.toContain("app.example.com");
  });

  it("refuses, when made, a key-less sender or an endpoint that would send the key in clear to another host", () => {
    expect(() => httpEmailSender({ apiKey: "", from: FROM })).toThrow(/apiKey/);
    expect(() => httpEmailSender({ apiKey: API_KEY, from: " " })).toThrow(/from/);
    expect(() => httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint: "http://api.example.com/emails" })).toThrow(/https/);
    expect(() => httpEmailSender({ apiKey: API_KEY, from: FROM, endpoint: "not a url" })).toThrow(/URL/);
  });

  it("end to end: the demo Worker configured by RESEND_API_KEY sends the reset email through the provider; its link resets the password", async () => {
    const { endpoint, received } = box("ok");
    const e = mailEnv({ DEV_MAILBOX: "off", RESEND_API_KEY: API_KEY, EMAIL_FROM: FROM, RESEND_API_URL: endpoint, APP_URL: "https://app.example.com/account" });
    const user = await registerUser(e);
    expect((await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } })).status).toBe(202);
    const [request] = await received();
    expect(request?.body.to).toEqual([user.email]);
    expect(request?.body.from).toBe(FROM);
    const token = /https:\/\/app\.example\.com\/account#reset=([A-Za-z0-9_-]{43})/.exec(request?.body.text ?? "")?.[1];
    expect(token).toBeDefined();
    expect(request?.body.html).toContain(`href="https://app.example.com/account#reset=${token}"`);
    const done = await call("POST", "/auth/password/reset/complete", { env: e, json: { token, password: "sent by the provider 1" } });
    expect(done.status).toBe(200);
    await loginUser(e, user.email, "sent by the provider 1");
  });

  it("a provider failure never reaches the answer: the same 202, one log line", async () => {
    const { endpoint } = box("reject");
    const e = mailEnv({ DEV_MAILBOX: "off", RESEND_API_KEY: API_KEY, EMAIL_FROM: FROM, RESEND_API_URL: endpoint, APP_URL: "https://app.example.com/" });
    const user = await registerUser(e);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("POST", "/auth/password/reset/request", { env: e, json: { email: user.email } });
    expect(response.status).toBe(202);
    expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/password reset request failed/);
    errors.mockRestore();
  });

  it("misconfigurations are 503 misconfigured: no EMAIL_FROM, no APP_URL, an http endpoint to another host", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const overrides of [
      { RESEND_API_KEY: API_KEY, APP_URL: "https://app.example.com/" },
      { RESEND_API_KEY: API_KEY, EMAIL_FROM: FROM, APP_URL: "" },
      { RESEND_API_KEY: API_KEY, EMAIL_FROM: FROM, APP_URL: "https://app.example.com/", RESEND_API_URL: "http://mail.example.com/emails" },
      { RESEND_API_KEY: API_KEY, EMAIL_FROM: FROM, APP_URL: "https://app.example.com/#x" },
      { EMAIL_FROM: FROM },
    ]) {
      const response = await call("POST", "/auth/password/reset/request", { env: mailEnv({ DEV_MAILBOX: "off", ...overrides }), json: { email: uniqueEmail() } });
      expect(response.status, JSON.stringify(overrides)).toBe(503);
      expect((await errorOf(response)).code).toBe("misconfigured");
    }
    errors.mockRestore();
  });
});
