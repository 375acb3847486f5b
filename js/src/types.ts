import type { Context } from "hono";
import type { Config } from "./config";
import type { AuthState } from "./state";

/** The public view of a user: what /auth/me and /auth/login return. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
}

export type TokenType = "jwt" | "session";

/**
 * Who made the request and with what. The token kind is kept so that logout
 * (and, later, revocation and usage tracking) know what they are dealing with.
 */
export type Principal =
  | { kind: "jwt"; user: PublicUser; expiresAt: number; issuedAt: number; issuedAtMs: number; kid: string; jti?: string; sid?: string; authTime?: number; emailVerified?: boolean }
  | { kind: "session"; user: PublicUser; expiresAt: number; sessionTokenHash: string; authTime: number; lastUsedAt?: number; emailVerified?: boolean };

/**
 * What the auth sub-app puts on the context before any route runs: the
 * checked configuration, the database (AuthOptions.database applied to the
 * env) and the instance's state. Routes never read `c.env` themselves.
 */
export interface AppVariables {
  config: Config;
  db: D1Database;
  auth: AuthState;
  principal: Principal;
}

export interface AppEnv {
  Bindings: object;
  Variables: AppVariables;
}

export type AppContext = Context<AppEnv>;
