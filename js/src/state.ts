/**
 * Everything an auth instance (createAuth) remembers between requests. In
 * the seed this was module state; here each instance owns its own, so two
 * instances in one Worker (two apps, two databases, tests) never share a
 * revocation snapshot, usage counts, key rings or "logged once" marks.
 */
import { RevocationCache } from "./lifecycle/revocation";
import { UsageCounter } from "./lifecycle/usage";
import { IssuerCache } from "./utils/jwt";
import { DevMailbox } from "./email/devMailbox";

export class AuthState {
  readonly revocations = new RevocationCache();
  readonly usage = new UsageCounter();
  readonly issuers = new IssuerCache();
  /** The development sender's messages (devMailbox, issue 14 §3); empty unless it is on. */
  readonly mailbox = new DevMailbox();
  /** Whether the database has a seed-era legacy_sessions table; asked once, on the first unknown session. */
  legacySessions: boolean | undefined = undefined;
  private readonly logged = new Set<string>();

  /** Runs `log` the first time `key` is seen by this instance: one line per problem, not per request. */
  readonly logOnce = (key: string, log: () => void): void => {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    log();
  };
}
