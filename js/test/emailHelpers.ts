/**
 * Shared by the email tests (issue 14 §2-4): the demo with the dev mailbox
 * on, and reading the links out of what it "sent". The mailbox is the auth
 * instance's memory (AuthState.mailbox), exactly what GET /auth/dev/mailbox shows.
 */
import { expect } from "vitest";
import type { Env } from "../demo/worker";
import { auth, env, jwtEnv, sessionEnv } from "./helpers";
import { mailboxOf } from "../src/email/devMailbox";
import type { MailboxEntry } from "../src/email/devMailbox";

/**
 * The page the links point at in these tests. The tests' requests go to
 * https://auth.test (helpers.call), which is not loopback: without an
 * APP_URL the email routes answer 503 app_url_required (issue 19 §7).
 */
export const TEST_APP_URL = "http://localhost:8787/";

/** JWT mode with the development mailbox as the sender. */
export function mailEnv(overrides: Partial<Env> = {}): Env {
  return jwtEnv({ DEV_MAILBOX: "on", APP_URL: TEST_APP_URL, ...overrides });
}

export function mailSessionEnv(overrides: Partial<Env> = {}): Env {
  return sessionEnv({ DEV_MAILBOX: "on", APP_URL: TEST_APP_URL, ...overrides });
}

/** Every message sent to `to`, newest first. */
export function mailTo(to: string): MailboxEntry[] {
  return mailboxOf(auth.state).list().filter((m) => m.to === to);
}

/** The token of the newest link of kind `fragment` ("reset", "verify-email", "confirm-email") sent to `to`. */
export function linkToken(to: string, fragment: string): string {
  const message = mailTo(to).find((m) => m.text.includes(`#${fragment}=`));
  expect(message, `no "${fragment}" email to ${to}`).toBeDefined();
  const match = new RegExp(`#${fragment}=([A-Za-z0-9_-]{43})\\b`).exec(message?.text ?? "");
  expect(match?.[1], `no token in ${message?.text}`).toBeDefined();
  return match?.[1] ?? "";
}

export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function one<T>(sql: string, ...binds: unknown[]): Promise<T | null> {
  return env.GENERAL_DB.prepare(sql).bind(...binds).first<T>();
}

export async function count(sql: string, ...binds: unknown[]): Promise<number> {
  return (await one<{ n: number }>(sql, ...binds))?.n ?? -1;
}

/** The JWT's payload (helpers.ts), re-exported for the email tests. */
export { claimsOf } from "./helpers";
