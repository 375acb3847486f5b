import { usageCounterOf } from "../src/lifecycle/usage";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import worker, { auth } from "../demo/worker";
import { hasLegacySessions } from "../src/db";
import type { Env } from "../demo/worker";

/** A fixed 43-byte secret for JWT mode. */
export const SECRET = "test-secret-0123456789abcdefghijklmnopqrstuv";
export const OTHER_SECRET = "another-secret-0123456789abcdefghijklmnopqrs";

/** JWT mode: the environment with JWT_SECRET set. */
export function jwtEnv(overrides: Partial<Env> = {}): Env {
  return { ...env, JWT_SECRET: SECRET, ...overrides };
}

/** Session mode: the same bindings with no JWT_SECRET (the seed's fallback). */
export function sessionEnv(overrides: Partial<Env> = {}): Env {
  const { JWT_SECRET: _omit, ...rest } = { ...env, ...overrides };
  return rest;
}

export interface CallOptions {
  env?: Env;
  json?: unknown;
  /** Raw body; sent with Content-Type application/json unless headers say otherwise. */
  body?: BodyInit;
  token?: string;
  headers?: Record<string, string>;
}

/** Sends one request through the Worker's fetch handler, as workerd would. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined = options.body;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (body !== undefined && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  if (options.token !== undefined) headers.set("Authorization", `Bearer ${options.token}`);
  // As behind Cloudflare: every call comes from its own client address unless
  // the test names one, so per-IP limits (which without the header share one
  // "unknown-ip" bucket) never couple unrelated tests.
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", randomClientIp());
  const request = new Request(`https://auth.test${path}`, { method, headers, body: body ?? null });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, options.env ?? jwtEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A random IPv6 client in 2001:db8::/32 (documentation range), its own /64. */
export function randomClientIp(): string {
  const group = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2001:db8:${group()}:${group()}::1`;
}

export interface ErrorJson {
  error: { code: string; message: string };
}

/** Asserts nothing by itself: returns the parsed error body for expect(). */
export async function errorOf(response: Response): Promise<ErrorJson["error"]> {
  const body = (await response.json()) as ErrorJson;
  return body.error;
}

/** A unique, valid email, so test files can share the one local D1. */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID()}@example.com`;
}

export const PASSWORD = "correct horse battery staple";

export interface LoginBody {
  token: string;
  token_type: "jwt" | "session";
  expires_at: number;
  refresh_token?: string;
  refresh_expires_at?: number;
  user: { id: string; email: string; name: string };
}

export async function registerUser(
  e: Env = jwtEnv(),
  email = uniqueEmail(),
  name = "Ada Lovelace",
): Promise<{ id: string; email: string; name: string }> {
  const response = await call("POST", "/auth/register", { env: e, json: { email, password: PASSWORD, name } });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  const { user } = (await response.json()) as { user: { id: string; email: string; name: string } };
  return { id: user.id, email: user.email, name: user.name };
}

export async function loginUser(e: Env, email: string, password = PASSWORD): Promise<LoginBody> {
  const response = await call("POST", "/auth/login", { env: e, json: { email, password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as LoginBody;
}

export interface DbCounts {
  prepare: number;
  batch: number;
  exec: number;
  other: number;
}

/**
 * Wraps the real D1 binding and counts every entry point. Statements are
 * still executed by the real database, so behaviour is unchanged.
 */
export function countingDb(db: D1Database): { db: D1Database; counts: DbCounts } {
  const counts: DbCounts = { prepare: 0, batch: 0, exec: 0, other: 0 };
  const proxy = new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "prepare" || prop === "batch" || prop === "exec") counts[prop]++;
        else counts.other++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { db: proxy, counts };
}

export function totalQueries(counts: DbCounts): number {
  return counts.prepare + counts.batch + counts.exec + counts.other;
}

/** A D1 binding that is down: every entry point throws, like a network failure. */
export function brokenDb(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return () => {
        throw new Error("D1_ERROR: Network connection lost.");
      };
    },
  });
}

/**
 * A D1 binding whose batch() fails half-way: the real statements run inside
 * the real transaction, then a statement that cannot succeed is appended.
 * Whatever the first statements wrote must be rolled back.
 */
export function batchFailsAtEnd(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          target.batch([...statements, target.prepare("INSERT INTO table_that_does_not_exist VALUES (1)")]);
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Puts this isolate in its steady state: the revocation snapshot just
 * refreshed and no usage counts pending. Then a JWT request costs no D1
 * query until REVOCATION_CACHE_SECONDS / USAGE_FLUSH_* come round again.
 */
export async function settleIsolate(): Promise<void> {
  await usageCounterOf(auth.state).flush(env.GENERAL_DB);
  await auth.state.revocations.refresh(env.GENERAL_DB);
  // Whether a seed-era legacy_sessions table exists is asked once per instance, on its first unknown session.
  auth.state.legacySessions ??= await hasLegacySessions(env.GENERAL_DB);
}

/** Sends a scheduled (Cron Trigger) event through the Worker, as workerd would. */
export async function runScheduled(e: Env = jwtEnv(), scheduledTime: number = Date.now()): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: "17 * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, e, ctx);
  await waitOnExecutionContext(ctx);
}

export { auth, env };

/** The `iss` and `aud` of access JWTs when JWT_ISSUER / JWT_AUDIENCE are unset (config.ts). */
export const DEFAULT_ISSUER = "hybrid-auth";
export const DEFAULT_AUDIENCE = "hybrid-auth";

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const b64urlJson = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * A JWT with exactly this header and these claims, MAC'd with HMAC-SHA256 by
 * WebCrypto, independently of the code under test, whatever the header says
 * (so `alg: "none"` or a missing `typ` can carry a valid MAC).
 */
export async function hs256Token(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string = SECRET): Promise<string> {
  const input = `${b64urlJson(header)}.${b64urlJson(claims)}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)));
  return `${input}.${b64url(mac)}`;
}

/**
 * The claims of an access token as this server issues them (bound: iss, aud, jti, and a `sid`, here of no
 * real family), for `user`, valid for `ttl` seconds. `{ sid: undefined }` makes one of before refresh families.
 */
export function accessClaims(user: { id: string; email: string; name: string }, ttl = 600, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(Date.now() / 1000);
  return { sub: user.id, email: user.email, name: user.name, iat, exp: iat + ttl, jti: crypto.randomUUID(), sid: crypto.randomUUID(), iss: DEFAULT_ISSUER, aud: DEFAULT_AUDIENCE, ...extra };
}

/** The decoded header and claims of a compact JWT (no verification). */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const part = (s: string | undefined) => JSON.parse(atob((s ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
  const [header, claims] = token.split(".");
  return { header: part(header), claims: part(claims) };
}

/** A JWT's claims, typed as the caller reads them (no verification: the tests read what the Worker signed). */
export function claimsOf<T = Record<string, unknown>>(token: string): T {
  return decodeJwt(token).claims as T;
}

/** Moves this isolate's clock to `atMs` (Date only; timers stay real). Undo with vi.useRealTimers(). */
export function setClock(atMs: number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(atMs);
}

/**
 * The documented `kid` of a secret (src/key.rs derive_kid): base64url of the first
 * 8 bytes of HMAC-SHA256(key = the secret's UTF-8 bytes, message "hybrid-auth/kid/v1"),
 * computed with WebCrypto, independently of the code under test.
 */
export async function independentKid(secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("hybrid-auth/kid/v1")));
  return b64url(mac.slice(0, 8));
}
