/**
 * createAuth: the whole v3 auth as one instance an existing Hono Worker
 * adopts by import (the shape of Hono's `jwt(options)` and openauth's
 * `issuer(input)`): options checked once, a sub-app mountable at any prefix,
 * authenticate()/requireAuth for the adopter's own routes, and the cron
 * cleanup. All state (revocation snapshot, usage counts, key rings) lives in
 * the instance, never in module globals.
 */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { resolveOptions } from "./config";
import type { Config } from "./config";
import { DatabaseError } from "./db";
import { HttpError, errorBody, serviceUnavailable } from "./errors";
import { runCleanup } from "./lifecycle/cleanup";
import type { CleanupReport } from "./lifecycle/cleanup";
import { authenticate as authenticateScope, authenticateOrThrow, requireAuth as requireAuthInApp, sessionDeprecationHeaders } from "./middleware/auth";
import type { AuthOutcome, AuthScope } from "./middleware/auth";
import { requireRecentAuth } from "./middleware/recentAuth";
import { AuthConfigError } from "./options";
import type { AuthOptions } from "./options";
import { routeInput } from "./http/input";
import type { AuthPlugin } from "./plugin";
import { CORE_ROUTES, metaRoutes } from "./routes";
import type { MountedPlugin, RouteDeclaration } from "./routes";
import { AuthState } from "./state";
import type { AppEnv, Principal } from "./types";

/** What a preflight to an adopter's route may ask for, unless `auth.cors(methods)` says otherwise. */
const ADOPTER_CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/** What requireAuth adds to the adopter's context. */
export interface AuthVariables {
  principal: Principal;
}

/** What createAuth mounts besides the core (the function form's second argument). */
export interface MountOptions<P extends readonly AuthPlugin[] = readonly AuthPlugin[]> {
  plugins?: P;
}

/** The ids of a plugin list, as a union ("passkeys" | "email"). */
export type PluginIds<P extends readonly AuthPlugin[]> = P[number]["id"];

export interface Auth<E extends object, Ids extends string = string> {
  /** Every auth route; mount it anywhere: `app.route("/auth", auth.app)`. */
  readonly app: Hono<{ Bindings: E }>;
  /** Authenticates a request of the adopter's own routes (both token kinds); never throws for a bad token. */
  authenticate(c: Context<{ Bindings: E }>): Promise<AuthOutcome>;
  /** Guard for the adopter's routes: 401 unless authenticated, then `c.get("principal")`. */
  readonly requireAuth: MiddlewareHandler<{ Bindings: E; Variables: AuthVariables }>;
  /** The Cron Trigger handler: deletes expired rows (`export default { fetch, scheduled: auth.scheduled }`). */
  readonly scheduled: (controller: ScheduledController, env: E, ctx: ExecutionContext) => Promise<void>;
  /** Runs the cleanup once and returns its report (tooling, tests). */
  cleanup(env: E, nowMs?: number): Promise<CleanupReport>;
  /** Writes what the mounted plugins hold in memory now, e.g. the usage plugin's counts (otherwise flushed in the background). */
  flushUsage(env: E): Promise<void>;
  /** The ids of the mounted plugins, in mount order (GET <mount>/plugins says the same to clients). */
  readonly plugins: readonly Ids[];
  /**
   * The sub-app's CORS policy (CORS_ORIGINS / `cors`) for the adopter's own routes, so a
   * browser app on an allowed origin can call them with the same token:
   * `app.use("/api/*", auth.cors())`. A preflight may ask for `methods`
   * (default GET, HEAD, POST, PUT, PATCH, DELETE).
   */
  cors(methods?: readonly string[]): MiddlewareHandler<{ Bindings: E }>;
  /** The mounted routes (method, path, guard, summary, and "core" or the plugin that brings each), e.g. for docs. */
  readonly routes: readonly (Pick<RouteDeclaration, "method" | "path" | "guard" | "summary"> & { plugin: string })[];
  /** This instance's state. Diagnostics and tests only: not a stable API. */
  readonly state: AuthState;
}

/**
 * Creates an auth instance.
 *
 * `options` is either the options object, checked here (a mistake throws
 * AuthConfigError at once, before any request), or a function of the env
 * for configuration that lives in bindings (`(env) => optionsFromEnv(env,
 * {database: (e) => e.DB})`): that one is checked once per env object, and a
 * mistake makes every auth route answer 503 `misconfigured` (the reason is
 * logged once), so a bad secret never signs anything.
 */
export function createAuth<E extends object, const P extends readonly AuthPlugin[] = []>(options: Omit<AuthOptions<E>, "plugins"> & { plugins?: P }): Auth<E, PluginIds<P>>;
export function createAuth<E extends object, const P extends readonly AuthPlugin[] = []>(options: (env: E) => AuthOptions<E>, mount?: MountOptions<P>): Auth<E, PluginIds<P>>;
export function createAuth<E extends object>(options: AuthOptions<E> | ((env: E) => AuthOptions<E>), mount: MountOptions = {}): Auth<E> {
  const plugins = checkPlugins(typeof options === "function" ? mount.plugins : (options as AuthOptions<E>).plugins, typeof options !== "function" && mount.plugins !== undefined);
  const state = new AuthState(plugins);
  const configFor = configResolver(options, plugins, state);
  const ROUTES: readonly RouteDeclaration[] = [
    ...CORE_ROUTES,
    ...plugins.flatMap((plugin) => plugin.routes),
    ...metaRoutes(
      () => ROUTES,
      (c) => plugins.map((plugin): MountedPlugin => ({ id: plugin.id, routes: plugin.routes.map(({ method, path }) => ({ method, path })), facts: plugin.describe?.(c.get("config")) ?? {} })),
    ),
  ];
  checkRouteOverlap(ROUTES);
  /** Which plugin brought each route (the others are the core's), known as the list is built. */
  const ownerOf = new Map<RouteDeclaration, string>(plugins.flatMap((plugin) => plugin.routes.map((route): [RouteDeclaration, string] => [route, plugin.id])));

  /** The scope of a request: checked config, database, state; or the 503 of a bad configuration. */
  const scopeFor = (env: E): AuthScope => {
    const config = configFor(env);
    if (config instanceof AuthConfigError) throw new HttpError(503, "misconfigured", "the authentication service is misconfigured");
    return { config, db: config.database(env), auth: state };
  };

  const app = new Hono<AppEnv>();
  // Auth answers carry tokens and personal data: never cache them anywhere.
  app.use("*", async (c, next) => {
    await next();
    // The one public answer (the JWKS) declares its own caching; every other is no-store.
    if (!c.res.headers.get("Cache-Control")?.startsWith("public")) c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
  });
  app.use("*", async (c, next) => {
    const scope = scopeFor(c.env as E);
    c.set("config", scope.config);
    c.set("db", scope.db);
    c.set("auth", scope.auth);
    await next();
  });
  // Plugins' middleware (browserApps: CORS preflights for any path under the mount point).
  for (const middleware of state.hooks.middleware) app.use("*", middleware(ROUTES));
  const GUARDS: Record<RouteDeclaration["guard"], MiddlewareHandler<AppEnv>> = {
    none: async (_c, next) => next(),
    auth: requireAuthInApp,
    recent: async (c, next) => {
      await requireAuthInApp(c, async () => {
        await requireRecentAuth(c, next);
      });
    },
  };
  for (const route of ROUTES) app.on(route.method, route.path, GUARDS[route.guard], (c) => route.handler(c, routeInput(c, route)));
  // A known path with the wrong method is a 405 with Allow, not a 404.
  const allowed = new Map<string, string[]>();
  for (const route of ROUTES) allowed.set(route.path, [...(allowed.get(route.path) ?? []), route.method]);
  for (const [path, methods] of allowed) {
    const allow = methods.join(", ");
    app.all(path, (c) => c.json(errorBody("method_not_allowed", `use ${allow}`), 405, { Allow: allow }));
  }
  // Mounted, a sub-app's notFound is not consulted: answer unknown paths under the prefix here.
  app.all("*", (c) => c.json(errorBody("not_found", "no such route"), 404));
  app.onError(handleError);

  const requireAuth = createMiddleware<{ Bindings: E; Variables: AuthVariables }>(async (c, next) => {
    const scope = scopeFor(c.env);
    const principal = await authenticateOrThrow(scope, c);
    c.set("principal", principal);
    await next();
    if (principal.kind === "session") {
      for (const [name, value] of Object.entries(sessionDeprecationHeaders(scope.config))) c.header(name, value);
    }
  });

  const cleanup = async (env: E, nowMs: number = Date.now()): Promise<CleanupReport> => {
    const config = configFor(env);
    if (config instanceof AuthConfigError) throw config;
    const db = config.database(env);
    const tasks = plugins.flatMap((plugin) => plugin.cleanup?.(db, config, nowMs, config.cleanupBatchRows) ?? []);
    return runCleanup(db, config, nowMs, tasks);
  };

  return {
    app: app as unknown as Hono<{ Bindings: E }>,
    authenticate: (c) => authenticateScope(scopeFor(c.env), c.req.header("Authorization")),
    requireAuth: async (c, next) => {
      try {
        return await requireAuth(c, next);
      } catch (err) {
        // The adopter's app has its own error handler; answer ours as JSON with a stable code.
        if (err instanceof HttpError || err instanceof DatabaseError) return handleError(err, c);
        throw err;
      }
    },
    scheduled: async (controller, env, ctx) => {
      const work = cleanup(env, controller.scheduledTime)
        .then(
          (report) => {
            if (report.errors.length) console.error("[hybrid-auth] cleanup errors", report.errors.join("; "));
            console.log(`[hybrid-auth] cleanup (${controller.cron}): ${JSON.stringify(report.deleted)} in ${report.statements} statements`);
          },
          (err: unknown) => console.error(`[hybrid-auth] cleanup skipped: ${err instanceof Error ? err.message : String(err)}`),
        )
        // Then the plugins' periodic work (the revocation filter's publication), on the cleaned table.
        .then(async () => {
          if (state.hooks.scheduled.length === 0) return;
          const config = configFor(env);
          if (config instanceof AuthConfigError) return;
          const scope: AuthScope = { config, db: config.database(env), auth: state };
          for (const run of state.hooks.scheduled) await run(scope, controller.scheduledTime);
        });
      ctx.waitUntil(work);
      await work;
    },
    cors: (methods = ADOPTER_CORS_METHODS) => {
      const adopterCors = state.hooks.adopterCors;
      if (!adopterCors) throw new AuthConfigError('auth.cors() needs the browserApps plugin: plugins: [browserApps({ cors: { origins } })] from "hybrid-auth/browser"');
      const cors = adopterCors(methods, (c) => scopeFor(c.env as E).config);
      return async (c, next) => {
        try {
          scopeFor(c.env); // checked once per env, then cached
        } catch (err) {
          // As requireAuth: a misconfigured instance answers its JSON 503 here too.
          if (err instanceof HttpError) return handleError(err, c);
          throw err;
        }
        return cors(c, next);
      };
    },
    cleanup,
    flushUsage: async (env) => {
      const config = configFor(env);
      if (config instanceof AuthConfigError) throw config;
      const scope: AuthScope = { config, db: config.database(env), auth: state };
      for (const flush of state.hooks.flush) await flush(scope);
    },
    plugins: plugins.map((plugin) => plugin.id),
    routes: ROUTES.map((route) => ({ method: route.method, path: route.path, guard: route.guard, summary: route.summary, plugin: ownerOf.get(route) ?? "core" })),
    state,
  };
}

/**
 * The checked configuration for an env: the one Config of a static options
 * object (checked now, throwing), or, for an options function, one per env
 * object (Workers hand every request of an isolate the same one), with a
 * mistake kept as the error and logged once.
 */
function configResolver<E extends object>(options: AuthOptions<E> | ((env: E) => AuthOptions<E>), plugins: readonly AuthPlugin[], state: AuthState): (env: E) => Config | AuthConfigError {
  /** The core's config plus what each mounted plugin fills in, for one env. */
  const withPlugins = (core: Config, env: E): Config => {
    let config = core;
    for (const plugin of plugins) if (plugin.configure) config = { ...config, ...plugin.configure(env, config) };
    return config;
  };
  const staticCore = typeof options === "function" ? null : resolveOptions(options as AuthOptions<never>);
  const checked = new WeakMap<object, Config | AuthConfigError>();
  /** A request without bindings (app.request() in Node tests) still has one cache entry. */
  const noEnv = {};
  return (given) => {
    const env = (typeof given === "object" && given !== null ? given : noEnv) as E;
    let result = checked.get(env);
    if (result === undefined) {
      try {
        if (staticCore) result = withPlugins(staticCore, env);
        else {
          const own = (options as (env: E) => AuthOptions<E>)(env);
          if (own && typeof own === "object" && "plugins" in own) throw new AuthConfigError("with an options function, pass plugins as createAuth's second argument: createAuth((env) => options, { plugins })");
          result = withPlugins(resolveOptions(own as AuthOptions<never>), env);
        }
      } catch (err) {
        if (!(err instanceof AuthConfigError)) throw err;
        result = err;
      }
      checked.set(env, result);
    }
    if (result instanceof AuthConfigError) {
      const message = result.message;
      state.logOnce(`config:${message}`, () => console.error(`[hybrid-auth] misconfigured, refusing to serve auth requests: ${message}`));
    }
    return result;
  };
}

/** The plugin list, checked once at createAuth: plugin values, unique ids, "core" reserved. */
function checkPlugins(plugins: readonly AuthPlugin[] | undefined, twice: boolean): readonly AuthPlugin[] {
  if (twice) throw new AuthConfigError("plugins are given twice: in the options object and as createAuth's second argument");
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) throw new AuthConfigError("plugins must be an array, e.g. plugins: [passkeys({...}), email()]");
  const ids = new Set<string>(["core"]);
  for (const [index, plugin] of plugins.entries()) {
    const value = plugin as Partial<AuthPlugin> | null;
    if (!value || typeof value !== "object" || typeof value.id !== "string" || !Array.isArray(value.routes)) {
      throw new AuthConfigError(`plugins[${index}] is not a plugin: call its factory, e.g. passkeys({...}) rather than passkeys`);
    }
    if (ids.has(value.id)) throw new AuthConfigError(`plugins[${index}]: the id ${JSON.stringify(value.id)} is ${value.id === "core" ? "reserved" : "mounted twice"}`);
    ids.add(value.id);
  }
  return plugins;
}

/** Two declarations of one method and path (a plugin shadowing the core or another plugin) are refused at createAuth. */
function checkRouteOverlap(routes: readonly RouteDeclaration[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path.replace(/:[A-Za-z0-9_]+/g, ":")}`;
    if (seen.has(key)) throw new AuthConfigError(`the route ${route.method} ${route.path} is declared twice (a plugin overlaps the core or another plugin)`);
    seen.add(key);
  }
}

/**
 * The single exit for errors: every failure leaves as JSON with a stable
 * code, and nothing internal (stack, SQL, secret) reaches the client.
 */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof HttpError) {
    return c.json(errorBody(err.code, err.message), err.status, err.headers);
  }
  if (err instanceof DatabaseError) {
    console.error(`[hybrid-auth] ${err.message}`);
    const unavailable = serviceUnavailable();
    return c.json(errorBody(unavailable.code, unavailable.message), unavailable.status, unavailable.headers);
  }
  console.error("[hybrid-auth] unhandled error", err);
  return c.json(errorBody("internal_error", "internal error"), 500);
}
