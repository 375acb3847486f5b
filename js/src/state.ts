/**
 * Everything an auth instance (createAuth) remembers between requests. In
 * the seed this was module state; here each instance owns its own, so two
 * instances in one Worker (two apps, two databases, tests) never share a
 * revocation snapshot, key rings, "logged once" marks or a plugin's state
 * (usage counts, the dev mailbox: AuthPlugin.createState).
 */
import { RevocationCache } from "./lifecycle/revocation";
import type { RevocationSource } from "./lifecycle/revocation";
import type { AuthPlugin, MountedHooks } from "./plugin";
import { mountedHooks } from "./plugin";
import { IssuerCache } from "./utils/jwt";

export class AuthState {
  /** The core's snapshot of every revocation row (REVOCATION=cached/strict). */
  readonly revocations = new RevocationCache();
  /** What JWT checks ask and revocations are told: a mounted plugin's (the revocation filter) or the core's snapshot. */
  readonly revocationSource: RevocationSource;
  readonly issuers = new IssuerCache();
  /** The mounted plugins' hooks, in mount order. */
  readonly hooks: MountedHooks;
  /** Whether the database has a seed-era legacy_sessions table; asked once, on the first unknown session. */
  legacySessions: boolean | undefined = undefined;
  private readonly logged = new Set<string>();
  private readonly pluginStates = new Map<string, unknown>();

  constructor(plugins: readonly AuthPlugin[] = []) {
    this.hooks = mountedHooks(plugins);
    this.revocationSource = this.hooks.revocationSource?.() ?? this.revocations;
    for (const plugin of plugins) if (plugin.createState) this.pluginStates.set(plugin.id, plugin.createState());
  }

  /** The state a mounted plugin made for this instance (its own modules know its type). */
  plugin<T>(id: string): T {
    if (!this.pluginStates.has(id)) throw new Error(`plugin ${JSON.stringify(id)} has no state in this instance (not mounted?)`);
    return this.pluginStates.get(id) as T;
  }

  /** Runs `log` the first time `key` is seen by this instance: one line per problem, not per request. */
  readonly logOnce = (key: string, log: () => void): void => {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    log();
  };
}
