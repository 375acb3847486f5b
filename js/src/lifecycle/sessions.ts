/**
 * The sign-ins list (issue 14 §1): which login a request was made with, the
 * shape of a login id, and the JSON view of a login. Pure.
 */
import type { LoginRecord, SecondFactor } from "../db/logins";
import type { Principal } from "../types";

/** The login a principal belongs to: its refresh family (a JWT's `sid`) or its session's token hash. */
export function currentLoginOf(principal: Principal): { familyId: string | null; sessionHash: string | null } {
  if (principal.kind === "session") return { familyId: null, sessionHash: principal.sessionTokenHash };
  return { familyId: principal.sid ?? null, sessionHash: null };
}

// Family ids are UUID v4s; session ids are UUIDs too, or 32 hex digits for
// sessions that existed before migration 0006.
const LOGIN_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Whether `id` can name a login at all; anything else is refused without a query. */
export function isLoginId(id: string): boolean {
  return LOGIN_ID.test(id);
}

/** One login as GET /auth/sessions answers it. */
export interface LoginView {
  id: string;
  /** "jwt": a refresh family (JWT mode); "session": a session token. */
  kind: "jwt" | "session";
  /** The login this request was made with. */
  current: boolean;
  /** Unix seconds. */
  created_at: number;
  last_used_at: number;
  expires_at: number;
  /** The User-Agent family at the latest login/refresh ("chrome", "curl", ...); null when never recorded. */
  user_agent: string | null;
  /** From Cloudflare's request.cf; null outside Cloudflare. */
  location: { country: string; region: string | null; city: string | null } | null;
  /** The "remember me" choice: the long (true) or the short lifetime. */
  remember: boolean;
  /** Whether the login used a second factor (issue 21), and which. */
  mfa: boolean;
  second_factor: SecondFactor | null;
  /** How the login was proven: "password", "passkey" or "social:<provider>" (the provider used); null for older logins. */
  method: string | null;
}

export function loginView(login: LoginRecord): LoginView {
  return {
    id: login.id,
    kind: login.kind,
    current: login.current,
    created_at: login.createdAt,
    last_used_at: login.lastUsedAt,
    expires_at: login.expiresAt,
    user_agent: login.userAgent,
    location: login.country === null ? null : { country: login.country, region: login.region, city: login.city },
    remember: login.remember,
    mfa: login.secondFactor !== null,
    second_factor: login.secondFactor,
    method: login.method,
  };
}
