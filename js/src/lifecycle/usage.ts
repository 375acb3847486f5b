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
 */
import { addUsage } from "../db";
import type { UsageDelta } from "../db";
import type { LifecycleConfig } from "../config";

export type UsageKind = "jwt" | "session" | "refresh" | "failed";

/** Keys kept in memory at most; beyond it new keys go to "other" (bounded memory). */
const MAX_KEYS = 500;
/** Statements per D1 batch when flushing. */
const FLUSH_CHUNK = 100;

interface Pending {
  counts: Map<string, UsageDelta>;
  events: number;
  since: number;
}

let pending: Pending = fresh();

function fresh(): Pending {
  return { counts: new Map(), events: 0, since: Date.now() };
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `id:<X-Client-Id>` when the client names itself, else `ua:<User-Agent family>`. */
export function clientOf(headers: Headers): string {
  const id = headers.get("X-Client-Id");
  if (id !== null && /^[A-Za-z0-9._:/@-]{1,64}$/.test(id)) return `id:${id}`;
  return `ua:${userAgentFamily(headers.get("User-Agent"))}`;
}

const FAMILIES: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, "edge"],
  [/\bOPR\//, "opera"],
  [/\bFirefox\//, "firefox"],
  [/\bChrom(e|ium)\//, "chrome"],
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

/** Counts one event. Cheap: a Map update. */
export function recordUsage(kind: UsageKind, reason: string, client: string, nowMs: number = Date.now()): void {
  const day = utcDay(nowMs);
  let key = `${day}\u0000${kind}\u0000${reason}\u0000${client}`;
  let entry = pending.counts.get(key);
  if (!entry && pending.counts.size >= MAX_KEYS) {
    client = "other";
    key = `${day}\u0000${kind}\u0000${reason}\u0000${client}`;
    entry = pending.counts.get(key);
  }
  if (!entry) {
    entry = { day, kind, reason, client, count: 0, lastSeen: 0 };
    pending.counts.set(key, entry);
  }
  entry.count++;
  entry.lastSeen = Math.floor(nowMs / 1000);
  pending.events++;
}

/** Whether the pending counts are due for a flush. */
export function usageFlushDue(config: LifecycleConfig, nowMs: number = Date.now()): boolean {
  return pending.events >= config.usage.flushRequests || (pending.events > 0 && nowMs - pending.since >= config.usage.flushSeconds * 1000);
}

/**
 * Takes the pending counts and writes them. On failure they are merged back
 * (bounded by MAX_KEYS), so a D1 hiccup delays counts rather than losing them.
 */
export async function flushUsage(db: D1Database): Promise<void> {
  const taken = pending;
  if (taken.events === 0) return;
  pending = fresh();
  const deltas = [...taken.counts.values()];
  for (let i = 0; i < deltas.length; i += FLUSH_CHUNK) {
    const chunk = deltas.slice(i, i + FLUSH_CHUNK);
    try {
      await addUsage(db, chunk);
    } catch (err) {
      console.error("[hybrid-auth] usage flush failed; keeping the counts for the next one", err instanceof Error ? err.message : err);
      // Only what was not written goes back (each chunk is one transaction).
      let events = 0;
      for (const delta of deltas.slice(i)) {
        events += delta.count;
        const key = `${delta.day}\u0000${delta.kind}\u0000${delta.reason}\u0000${delta.client}`;
        const entry = pending.counts.get(key);
        if (entry) {
          entry.count += delta.count;
          entry.lastSeen = Math.max(entry.lastSeen, delta.lastSeen);
        } else if (pending.counts.size < MAX_KEYS) {
          pending.counts.set(key, delta);
        }
      }
      pending.events += events;
      pending.since = Math.min(pending.since, taken.since);
      return;
    }
  }
}

/** Schedules a flush after the response when one is due. Never awaits D1. */
export function maybeFlushUsage(db: D1Database, config: LifecycleConfig, waitUntil: ((p: Promise<unknown>) => void) | null): void {
  if (!usageFlushDue(config)) return;
  const flush = flushUsage(db);
  if (waitUntil) waitUntil(flush);
  else void flush;
}

/** Tests: the number of events not yet flushed. */
export function pendingUsageEvents(): number {
  return pending.events;
}
