/**
 * Phase 2: who still authenticates how.
 *
 * Every authentication outcome is counted in memory, per isolate, by UTC
 * day, kind (jwt | session | refresh | failed), failure reason and client.
 * The counts are written to D1 in one batch, from ctx.waitUntil (after the
 * response is sent), when USAGE_FLUSH_REQUESTS events have accumulated or
 * the oldest unflushed one is USAGE_FLUSH_SECONDS old. No request waits for
 * a usage write. Counts still in memory when an isolate is evicted are lost:
 * the report is a trend, not a ledger.
 *
 * Client ids are chosen by clients, so they are bounded everywhere (issue 11):
 * at most 64 characters of [A-Za-z0-9._:/@-]; in memory at most
 * MAX_KEYS_PER_CLASS keys for failures and as many for successes between
 * flushes; in D1 the top TOP_CLIENTS_PER_DAY clients per day and kind, the
 * rest folded into the client "other". Failures and successes are capped
 * separately, so failed (unauthenticated) requests never displace successful
 * ones.
 */
import type { AuthState } from "../state";
import { OTHER_CLIENT, addUsage } from "../db";
import type { UsageDelta } from "../db";
import type { LifecycleConfig } from "../config";

export type UsageKind = "jwt" | "session" | "refresh" | "failed";

/** Keys kept in memory per class (failed / successful); beyond it new keys go to "other" (bounded memory). */
const MAX_KEYS_PER_CLASS = 250;
/** Clients kept per (day, kind) in D1; the others are folded into "other". */
export const TOP_CLIENTS_PER_DAY = 100;
/** Statements per D1 batch when flushing. */
const FLUSH_CHUNK = 100;

interface Pending {
  counts: Map<string, UsageDelta>;
  /** Keys in `counts` per class, so each class has its own cap. */
  keys: { failed: number; ok: number };
  events: number;
  since: number;
}

function fresh(): Pending {
  return { counts: new Map(), keys: { failed: 0, ok: 0 }, events: 0, since: Date.now() };
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `id:<X-Client-Id>` when the client names itself (bounded length and charset), else `ua:<User-Agent family>`. */
export function clientOf(headers: Headers): string {
  const id = headers.get("X-Client-Id");
  if (id !== null && /^[A-Za-z0-9._:/@-]{1,64}$/.test(id)) return `id:${id}`;
  return `ua:${userAgentFamily(headers.get("User-Agent"))}`;
}

const FAMILIES: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, "edge"],
  [/\bOPR\//, "opera"],
  [/\bFirefox\//, "firefox"],
  // HeadlessChrome (Puppeteer, Playwright) and CriOS (Chrome on iOS) too: without them the
  // "Safari/537.36" every Chromium UA carries would file them under safari.
  [/\b(?:Headless)?Chrom(?:e|ium)\/|\bCriOS\//, "chrome"],
  [/\bSafari\//, "safari"],
  [/^curl\//i, "curl"],
  [/^Wget\//i, "wget"],
  [/^okhttp\//i, "okhttp"],
  [/^Dart\//i, "dart"],
  [/^python-requests\//i, "python-requests"],
  [/^python-httpx\//i, "python-httpx"],
  [/^(node-fetch|undici|node)\b/i, "node"],
  [/^axios\//i, "axios"],
  [/^Go-http-client\//i, "go"],
  [/CFNetwork\//, "ios-cfnetwork"],
  [/^Mozilla\//, "browser-other"],
];

export function userAgentFamily(ua: string | null): string {
  if (ua === null || ua === "") return "none";
  for (const [pattern, family] of FAMILIES) if (pattern.test(ua)) return family;
  return "other";
}

const keyOf = (d: { day: string; kind: string; reason: string; client: string }) => `${d.day}\u0000${d.kind}\u0000${d.reason}\u0000${d.client}`;
const classOf = (kind: string): "failed" | "ok" => (kind === "failed" ? "failed" : "ok");

/**
 * The unflushed usage counts of one auth instance (createAuth). Each instance
 * owns one, so two instances never mix their counts.
 */
export class UsageCounter {
  private pending: Pending = fresh();

  /** Adds a count under its key, or under "other" once the key's class is full. */
  private add(delta: UsageDelta): void {
    const pending = this.pending;
    const cls = classOf(delta.kind);
    let entry = pending.counts.get(keyOf(delta));
    if (!entry && pending.keys[cls] >= MAX_KEYS_PER_CLASS) {
      delta = { ...delta, client: OTHER_CLIENT };
      entry = pending.counts.get(keyOf(delta));
    }
    if (!entry) {
      // "other" itself may exceed the cap by one key per (day, kind, reason): still bounded.
      entry = { ...delta, count: 0, lastSeen: 0 };
      pending.counts.set(keyOf(delta), entry);
      pending.keys[cls]++;
    }
    entry.count += delta.count;
    entry.lastSeen = Math.max(entry.lastSeen, delta.lastSeen);
  }

  /** Counts one event. Cheap: a Map update. */
  record(kind: UsageKind, reason: string, client: string, nowMs: number = Date.now()): void {
    this.add({ day: utcDay(nowMs), kind, reason, client, count: 1, lastSeen: Math.floor(nowMs / 1000) });
    this.pending.events++;
  }

  /** Whether the pending counts are due for a flush. */
  flushDue(config: LifecycleConfig, nowMs: number = Date.now()): boolean {
    const { events, since } = this.pending;
    return events >= config.usage.flushRequests || (events > 0 && nowMs - since >= config.usage.flushSeconds * 1000);
  }

  /**
   * Takes the pending counts and writes them. On failure they are merged back
   * (bounded like new counts), so a D1 hiccup delays counts rather than losing them.
   */
  async flush(db: D1Database): Promise<void> {
    const taken = this.pending;
    if (taken.events === 0) return;
    this.pending = fresh();
    const deltas = [...taken.counts.values()];
    for (let i = 0; i < deltas.length; i += FLUSH_CHUNK) {
      const chunk = deltas.slice(i, i + FLUSH_CHUNK);
      try {
        await addUsage(db, chunk, TOP_CLIENTS_PER_DAY);
      } catch (err) {
        console.error("[hybrid-auth] usage flush failed; keeping the counts for the next one", err instanceof Error ? err.message : err);
        // Only what was not written goes back (each chunk is one transaction).
        let events = 0;
        for (const delta of deltas.slice(i)) {
          events += delta.count;
          this.add(delta);
        }
        this.pending.events += events;
        this.pending.since = Math.min(this.pending.since, taken.since);
        return;
      }
    }
  }

  /** Schedules a flush after the response when one is due. Never awaits D1. */
  maybeFlush(db: D1Database, config: LifecycleConfig, waitUntil: ((p: Promise<unknown>) => void) | null): void {
    if (!this.flushDue(config)) return;
    const flush = this.flush(db);
    if (waitUntil) waitUntil(flush);
    else void flush;
  }

  /** Tests and diagnostics: the number of events not yet flushed. */
  pendingEvents(): number {
    return this.pending.events;
  }
}

/** The usage plugin's id: its UsageCounter is that plugin's per-instance state. */
export const USAGE_PLUGIN_ID = "usage";

/** This instance's counter (the usage plugin must be mounted). */
export function usageCounterOf(state: AuthState): UsageCounter {
  return state.plugin<UsageCounter>(USAGE_PLUGIN_ID);
}
