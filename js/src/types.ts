import type { Context } from "hono";
import type { Config } from "./config";
import type { Env } from "./env";

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
  | { kind: "jwt"; user: PublicUser; expiresAt: number; issuedAt: number; issuedAtMs: number; kid: string; jti?: string; sid?: string }
  | { kind: "session"; user: PublicUser; expiresAt: number; sessionTokenHash: string };

export interface AppVariables {
  config: Config;
  principal: Principal;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

export type AppContext = Context<AppEnv>;
