/**
 * The plugin contract (issue 20): what a feature brings to createAuth so that
 * an adopter who does not import it does not bundle it. A plugin is the value
 * a factory of a subpath export returns (`passkeys({...})` from
 * `hybrid-auth/passkeys`); it declares its routes once (the same
 * RouteDeclaration as the core's), checks its own options once per env, and
 * reaches into the core only through the closed list of hooks below, each
 * called from one place of the core.
 *
 * Per-instance state (a usage counter, the dev mailbox) is made by
 * `createState` for each createAuth instance, never kept in the plugin value,
 * so one plugin value mounted by two instances shares nothing.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { HttpError } from "./errors";
import type { LoginResponse } from "./lifecycle/loginTokens";
import type { RevocationSource } from "./lifecycle/revocation";
import type { Config, PluginSlots } from "./config";
import type { CleanupTable, CreateUserResult } from "./db";
import type { RouteDeclaration } from "./routes";
import type { AuthScope } from "./scope";
import { AuthConfigError } from "./options";
import type { LoginMethod } from "./options";
import type { AppContext, AppEnv, PublicUser } from "./types";

/** Where a login's refresh token goes (the `refresh` field of a login body). */
export type RefreshDelivery = "body" | "cookie";

/** A refresh token a request carries outside its body (cookie mode), as read. */
export type CarriedRefreshToken = { kind: "absent" } | { kind: "present"; token: string } | { kind: "invalid"; message: string };

/**
 * How refresh tokens travel besides the JSON body: the browserApps plugin's
 * HttpOnly cookie. Without it, the core's body-only transport refuses
 * `"refresh": "cookie"` and ignores cookies.
 */
export interface RefreshTransport {
  /** Checks a login's delivery choice before any credential work (refuses with an HttpError). */
  accept(c: AppContext, delivery: RefreshDelivery): RefreshDelivery;
  /** The token a POST /refresh carries outside its body, after this transport's own request checks (CSRF). */
  read(c: AppContext): CarriedRefreshToken;
  /** The answer of a login or refresh with this delivery. */
  answer(c: AppContext, response: LoginResponse, delivery: RefreshDelivery, remember: boolean): Response;
  /** Logout: forget the carried token (clear the cookie) on the response being built. */
  clear(c: AppContext): void;
  /** A refusal of a carried token, with what makes the client stop sending it. */
  refuse(c: AppContext, error: HttpError): HttpError;
}

/** A plugin's options: the object, or a function of the env read once per env object (wrangler vars). */
export type PluginOptionsInput<O> = O | ((env: never) => O);

/** What the core reports to `observe`. */
export interface UsageEvent {
  kind: "jwt" | "session" | "refresh" | "failed";
  reason: string;
}

/** One table's cleanup: `chunk` deletes at most the run's limit of rows and says how many went. */
export interface CleanupTask {
  table: CleanupTable;
  chunk(): Promise<number>;
  /** Skip the table when it does not exist (a table of an optional migration). */
  optional?: boolean;
}

/** A login whose first factor was just proven, before any token is issued (PluginHooks.secondFactor). */
export interface FirstFactorLogin {
  user: PublicUser;
  method: LoginMethod;
  /** A passkey login whose authenticator verified the user (the UV flag): two factors in one. Always false for a password. */
  userVerified: boolean;
  remember: boolean;
  delivery: RefreshDelivery;
}

/** The closed list of places where the core calls plugins, in mount order. */
export interface PluginHooks {
  /** Before register does any work (email verification: a link must be sendable). Throws an HttpError to refuse. */
  beforeRegister?(c: AppContext): void;
  /** After the account row was tried: an answer replaces the core's 201/409 (email verification's same-for-all 202). */
  afterRegister?(c: AppContext, created: CreateUserResult, user: { email: string; name: string }): Promise<Response | undefined>;
  /**
   * Every guarded authentication and every refresh, as a usage event (the usage counters): `kind` is
   * the token kind, "refresh" or "failed", `reason` the failure's code ("" on success). Must not throw
   * or wait: the request does not.
   */
  observe?(scope: AuthScope, c: Context, event: UsageEvent): void;
  /**
   * A login's first factor is proven (password checked and rehashed, or passkey assertion verified),
   * no token issued yet. An answer replaces the login's (a TOTP challenge); the plugin then finishes
   * the login itself with completeLogin. undefined: the core issues the tokens as usual.
   */
  secondFactor?(c: AppContext, login: FirstFactorLogin): Promise<Response | undefined>;
  /** Writes what the plugin holds in memory (auth.flushUsage). */
  flush?(scope: AuthScope): Promise<void>;
  /** Runs on every request of the sub-app, after its configuration is on the context (CORS). Gets the mounted routes. */
  middleware?(mounted: readonly RouteDeclaration[]): MiddlewareHandler<AppEnv>;
  /** Backs `auth.cors(methods)`: the same policy for the adopter's own routes. */
  adopterCors?(methods: readonly string[], configOf: (c: Context) => Config): MiddlewareHandler;
  /** Replaces the core's body-only refresh transport (at most one mounted plugin may). */
  readonly refreshTransport?: RefreshTransport;
  /**
   * Makes this instance's revocation check, replacing the core's snapshot of every row (at most one
   * mounted plugin may): the revocation filter of `hybrid-auth/revocation` (issue 23). Called once per
   * createAuth instance, so its state is the instance's.
   */
  readonly revocationSource?: () => RevocationSource;
  /** The Cron Trigger's run (auth.scheduled), after the cleanup: publishing the revocation filter. Logs, never throws. */
  scheduled?(scope: AuthScope, nowMs: number): Promise<void>;
}

export interface AuthPlugin<Id extends string = string> {
  /** Unique per instance; "core" is reserved. Also the name in GET /plugins. */
  readonly id: Id;
  /** Its routes, relative to the mount point, declared once (routes.ts's defineRoute). */
  readonly routes: readonly RouteDeclaration[];
  /**
   * The D1 tables this plugin's routes fill (docs, and the tests that an app without it leaves them
   * untouched). The core still maintains them: its cleanup deletes their expired rows, and
   * change-password retires outstanding email links, whether or not the plugin is mounted.
   */
  readonly tables: readonly string[];
  /**
   * Checks this plugin's options for one env (once per env object, with the
   * core's) and returns the configuration slots it fills. Throws
   * AuthConfigError naming the option; with a static options object that
   * happens at createAuth, otherwise every auth route answers 503.
   */
  configure?(env: object, core: Config): Partial<PluginSlots>;
  /** This plugin's per-instance state (see the file comment). */
  createState?(): unknown;
  /**
   * The cleanup work of this plugin's tables (the Cron Trigger's run): one
   * chunked DELETE per task, run by the core's loop with the core's limits.
   * Not mounted, not cleaned: an adopter who drops a plugin drops its tables.
   */
  cleanup?(db: D1Database, config: Config, nowMs: number, limit: number): readonly CleanupTask[];
  /** Public facts for GET /plugins, e.g. the passkeys' rpId. Never a secret. */
  describe?(config: Config): Record<string, string | number | boolean | null>;
  readonly hooks?: PluginHooks;
}

/** The hooks of the mounted plugins, in mount order, for the core's call sites. */
export interface MountedHooks {
  readonly beforeRegister: readonly NonNullable<PluginHooks["beforeRegister"]>[];
  readonly afterRegister: readonly NonNullable<PluginHooks["afterRegister"]>[];
  readonly observe: readonly NonNullable<PluginHooks["observe"]>[];
  readonly secondFactor: readonly NonNullable<PluginHooks["secondFactor"]>[];
  readonly flush: readonly NonNullable<PluginHooks["flush"]>[];
  readonly middleware: readonly NonNullable<PluginHooks["middleware"]>[];
  readonly adopterCors: NonNullable<PluginHooks["adopterCors"]> | null;
  readonly refreshTransport: RefreshTransport | null;
  readonly revocationSource: (() => RevocationSource) | null;
  readonly scheduled: readonly NonNullable<PluginHooks["scheduled"]>[];
}

export function mountedHooks(plugins: readonly AuthPlugin[]): MountedHooks {
  const pick = <K extends keyof PluginHooks>(name: K) =>
    plugins.flatMap((plugin) => {
      const hook = plugin.hooks?.[name];
      if (!hook) return [];
      return [(typeof hook === "function" ? hook.bind(plugin.hooks) : hook) as NonNullable<PluginHooks[K]>];
    });
  const single = <K extends "adopterCors" | "refreshTransport" | "revocationSource">(name: K): NonNullable<PluginHooks[K]> | null => {
    const found = pick(name);
    if (found.length > 1) throw new AuthConfigError(`two mounted plugins provide ${name}: mount only one of them`);
    return found[0] ?? null;
  };
  return {
    beforeRegister: pick("beforeRegister"),
    afterRegister: pick("afterRegister"),
    observe: pick("observe"),
    secondFactor: pick("secondFactor"),
    flush: pick("flush"),
    middleware: pick("middleware"),
    adopterCors: single("adopterCors"),
    refreshTransport: single("refreshTransport"),
    revocationSource: single("revocationSource"),
    scheduled: pick("scheduled"),
  };
}

/** Resolves a PluginOptionsInput for one env. */
export function optionsFor<O>(input: PluginOptionsInput<O>, env: object): O {
  return typeof input === "function" ? (input as (env: object) => O)(env) : input;
}
