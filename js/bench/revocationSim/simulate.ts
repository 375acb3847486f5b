/**
 * The revocation simulation (issue 23): N simulated isolates, each the real
 * per-instance revocation check of `hybrid-auth/revocation`
 * (FilterRevocations), against one local D1 and one KV namespace, with the
 * real publisher, under a revocation stream scaled from SECURITY.md's model:
 * `users` accounts, `revocationsPerUserPerDay` logouts each, access tokens of
 * `ttlSeconds`. Time is compressed: a simulated clock moves by `tickSeconds`
 * per step and is the only clock the isolates, the publisher and the rows
 * see, so ten simulated minutes take as long as their work does.
 *
 * What is simulated rather than run: the JWT signature (bench/eddsa.mjs and
 * bench/run.mjs measure it), and the writes of revocations, which go in as
 * rows of the same shape as revokeFamily's (kind 'sid', the family's user,
 * its recorded iat and exp) rather than through refresh families, because
 * the read side is what is measured and a million families would take the
 * run's time to create. Tokens are identities (sid, jti, user, iat).
 *
 * Used by test/revocationSim.test.ts (small scale, with assertions) and by
 * bench/revocation-sim.mjs through js/bench/revocationSim/worker.ts (1 M, 10 M
 * and 100 M users, for SECURITY.md).
 */
import type { Config } from "../../src/config";
import { FilterRevocations, kvFilterStore, publishRevocationFilter } from "hybrid-auth/revocation";
import type { FilterStore } from "hybrid-auth/revocation";
import type { JwtIdentity } from "../../src/utils/jwt";

export interface SimParams {
  users: number;
  ttlSeconds: number;
  revocationsPerUserPerDay: number;
  isolates: number;
  simSeconds: number;
  tickSeconds: number;
  /** REVOCATION_CACHE_SECONDS: the delta's period, the window's bound. */
  deltaSeconds: number;
  filterRefreshSeconds: number;
  publishEverySeconds: number;
  /** Mean life of an isolate (exponential): replaced by a cold one when it ends. */
  isolateLifetimeSeconds: number;
  /** Checks of valid (never revoked) tokens per isolate per tick. */
  validChecksPerIsolatePerTick: number;
  /** Revoked tokens followed per tick (each isolate checks each one until it refuses it). */
  trackedPerTick: number;
  secret: string;
  kvKey: string;
}

export const DEFAULT_PARAMS: Omit<SimParams, "users" | "secret" | "kvKey"> = {
  ttlSeconds: 900,
  revocationsPerUserPerDay: 1,
  isolates: 50,
  simSeconds: 600,
  tickSeconds: 1,
  deltaSeconds: 30,
  filterRefreshSeconds: 60,
  publishEverySeconds: 60,
  isolateLifetimeSeconds: 300,
  validChecksPerIsolatePerTick: 10,
  trackedPerTick: 1,
};

export interface SimReport {
  params: SimParams;
  /** Revocations per second, live entries at steady state. */
  model: { revocationsPerSecond: number; liveEntries: number };
  rowsInserted: number;
  /** Live revocation rows found before the run seeded its own (the driver resets the table: 0 when the run is clean). */
  rowsBefore: number;
  publishes: { count: number; lastEntries: number; lastBytes: number; readsEach: number };
  isolates: { simulated: number; cold: number };
  /** Per isolate, sampled every tick: the filter's bytes, the exact rows beside it. */
  memory: { filterBytesMax: number; deltaRowsP50: number; deltaRowsMax: number; confirmationsCachedMax: number };
  /** Per isolate-minute: envelope bytes from the store, rows from D1 (count), and D1/store reads. */
  perIsolateMinute: { storeBytes: number; deltaRows: number; deltaReads: number; storeReads: number; confirmations: number };
  checks: { valid: number; validRefused: number; filterHitsOnValid: number; confirmationsOnValid: number; falsePositiveRate: number; confirmationRate: number };
  /** Simulated seconds from a revocation to each isolate alive then refusing it. */
  window: { samples: number; p50: number; p99: number; max: number; acceptedAfterBound: number };
  /** Reads before a cold isolate's first answer, and the I/O time it waited (workerd's clock moves only across I/O). */
  cold: { samples: number; storeReadsMax: number; d1ReadsMax: number; ioMsP50: number; ioMsP99: number };
}

interface SimIsolate {
  source: FilterRevocations;
  startedAt: number;
  endsAt: number;
  firstCheckDone: boolean;
}

interface Tracked {
  identity: JwtIdentity;
  revokedAt: number;
  /** Isolate index → still to refuse it (the isolates alive when it was revoked). */
  pending: Map<SimIsolate, true>;
}

const quantile = (values: number[], q: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const exponential = (mean: number) => -Math.log(1 - Math.random()) * mean;

/** Rows of the stream, written as revokeFamily writes them, 400 per statement. */
async function insertRows(db: D1Database, rows: { sid: string; user: string; nbMs: number; exp: number }[], nowS: number): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += 400) {
    const values = rows
      .slice(i, i + 400)
      .map((r) => `('sid','${r.sid}','${r.user}',${Math.floor(r.nbMs)},${r.exp},${nowS})`)
      .join(",");
    statements.push(db.prepare(`INSERT INTO revocations (kind, subject, user_id, not_before_ms, expires_at, created_at) VALUES ${values}`));
  }
  for (let i = 0; i < statements.length; i += 20) await db.batch(statements.slice(i, i + 20));
}

export async function simulate(db: D1Database, kv: KVNamespace, params: SimParams): Promise<SimReport> {
  let t = Date.now();
  const store: FilterStore = kvFilterStore(kv, params.kvKey, 60);
  const slot = { store, secret: params.secret, filterRefreshSeconds: params.filterRefreshSeconds, confirmationCacheSize: 10_000, now: () => t };
  const config = { revocation: { mode: "cached", cacheSeconds: params.deltaSeconds }, revocationFilter: slot } as unknown as Config;
  const rate = (params.users * params.revocationsPerUserPerDay) / 86_400;
  const live = Math.round(rate * params.ttlSeconds);

  const before = await db.prepare("SELECT COUNT(*) AS n FROM revocations WHERE expires_at > ?1").bind(Math.floor(t / 1000)).first<{ n: number }>();
  const rowsBefore = before?.n ?? 0;
  // Steady state before the run: the live set, expiring evenly over the next TTL.
  const nowS = () => Math.floor(t / 1000);
  const seed = Array.from({ length: live }, () => ({ sid: crypto.randomUUID(), user: crypto.randomUUID(), nbMs: t - Math.random() * params.ttlSeconds * 1000, exp: nowS() + 1 + Math.floor(Math.random() * params.ttlSeconds) }));
  await insertRows(db, seed, nowS());
  let rowsInserted = live;
  const publishes = { count: 0, lastEntries: 0, lastBytes: 0, readsEach: 0 };
  const publish = async () => {
    const report = await publishRevocationFilter({ db, store, secret: params.secret, nowMs: t });
    publishes.count += 1;
    publishes.lastEntries = report.entries;
    publishes.lastBytes = report.bytes;
    publishes.readsEach = report.reads;
  };
  await publish();
  let lastPublish = t;

  const coldSamples: { store: number; d1: number; ioMs: number }[] = [];
  const spawn = (): SimIsolate => ({ source: new FilterRevocations(), startedAt: t, endsAt: t + exponential(params.isolateLifetimeSeconds) * 1000, firstCheckDone: false });
  let isolates = Array.from({ length: params.isolates }, spawn);
  let simulated = isolates.length;
  let coldCount = isolates.length;
  const retired: FilterRevocations[] = [];

  const memory = { filterBytesMax: 0, deltaRows: [] as number[], confirmationsCachedMax: 0 };
  const checks = { valid: 0, validRefused: 0, filterHitsOnValid: 0, confirmationsOnValid: 0 };
  const windows: number[] = [];
  let acceptedAfterBound = 0;
  let tracked: Tracked[] = [];
  let carry = 0;
  const bound = (params.deltaSeconds + params.tickSeconds) * 1000;

  const check = async (isolate: SimIsolate, identity: JwtIdentity): Promise<boolean> => {
    if (isolate.firstCheckDone) return isolate.source.isRevoked(db, config, identity);
    const started = Date.now();
    const answer = await isolate.source.isRevoked(db, config, identity);
    coldSamples.push({ store: isolate.source.stats.storeReads, d1: isolate.source.stats.deltaReads, ioMs: Date.now() - started });
    isolate.firstCheckDone = true;
    return answer;
  };

  for (let elapsed = 0; elapsed < params.simSeconds; elapsed += params.tickSeconds) {
    t += params.tickSeconds * 1000;
    // The stream: this tick's revocations, one of them followed.
    carry += rate * params.tickSeconds;
    const count = Math.floor(carry);
    carry -= count;
    const rows = Array.from({ length: count }, () => ({ sid: crypto.randomUUID(), user: crypto.randomUUID(), nbMs: t - 1, exp: nowS() + params.ttlSeconds }));
    await insertRows(db, rows, nowS());
    rowsInserted += count;
    for (const row of rows.slice(0, params.trackedPerTick)) {
      tracked.push({ identity: { id: row.user, sid: row.sid, jti: crypto.randomUUID(), iatMs: row.nbMs } as JwtIdentity, revokedAt: t, pending: new Map(isolates.map((isolate) => [isolate, true] as const)) });
    }
    if (t - lastPublish >= params.publishEverySeconds * 1000) {
      await publish();
      lastPublish = t;
    }
    // Isolates end and cold ones start.
    isolates = isolates.map((isolate) => {
      if (t < isolate.endsAt) return isolate;
      retired.push(isolate.source);
      simulated += 1;
      coldCount += 1;
      return spawn();
    });
    for (const isolate of isolates) {
      for (let n = 0; n < params.validChecksPerIsolatePerTick; n++) {
        const before = { hits: isolate.source.stats.filterHits, confirmations: isolate.source.stats.confirmations };
        const identity = { id: crypto.randomUUID(), sid: crypto.randomUUID(), jti: crypto.randomUUID(), iatMs: t - 1000 } as JwtIdentity;
        if (await check(isolate, identity)) checks.validRefused += 1;
        checks.valid += 1;
        checks.filterHitsOnValid += isolate.source.stats.filterHits - before.hits;
        checks.confirmationsOnValid += isolate.source.stats.confirmations - before.confirmations;
      }
      for (const token of tracked) {
        const waiting = token.pending.has(isolate);
        const revoked = await check(isolate, token.identity);
        if (waiting && revoked) {
          windows.push((t - token.revokedAt) / 1000);
          token.pending.delete(isolate);
        } else if (!revoked && (!waiting || t - token.revokedAt > bound)) {
          acceptedAfterBound += 1; // a cold isolate must refuse at once; a warm one within the bound
        }
      }
      const info = isolate.source.info();
      memory.filterBytesMax = Math.max(memory.filterBytesMax, info.filterBytes);
      memory.deltaRows.push(info.deltaRows);
      memory.confirmationsCachedMax = Math.max(memory.confirmationsCachedMax, info.confirmationsCached);
    }
    // A token is followed until every isolate alive at its revocation refused it (or ended).
    tracked = tracked.filter((token) => {
      for (const isolate of token.pending.keys()) if (!isolates.includes(isolate)) token.pending.delete(isolate);
      return token.pending.size > 0 || t - token.revokedAt <= bound;
    });
  }

  const all = [...retired, ...isolates.map((isolate) => isolate.source)];
  const sum = (pick: (s: FilterRevocations["stats"]) => number) => all.reduce((total, source) => total + pick(source.stats), 0);
  const isolateMinutes = (params.isolates * params.simSeconds) / 60;
  return {
    params,
    model: { revocationsPerSecond: rate, liveEntries: live },
    rowsInserted,
    rowsBefore,
    publishes,
    isolates: { simulated, cold: coldCount },
    memory: { filterBytesMax: memory.filterBytesMax, deltaRowsP50: quantile(memory.deltaRows, 0.5), deltaRowsMax: Math.max(0, ...memory.deltaRows), confirmationsCachedMax: memory.confirmationsCachedMax },
    perIsolateMinute: {
      storeBytes: sum((s) => s.storeBytes) / isolateMinutes,
      deltaRows: sum((s) => s.deltaRows) / isolateMinutes,
      deltaReads: sum((s) => s.deltaReads) / isolateMinutes,
      storeReads: sum((s) => s.storeReads) / isolateMinutes,
      confirmations: sum((s) => s.confirmations) / isolateMinutes,
    },
    checks: {
      ...checks,
      falsePositiveRate: checks.valid === 0 ? 0 : checks.filterHitsOnValid / checks.valid,
      confirmationRate: checks.valid === 0 ? 0 : checks.confirmationsOnValid / checks.valid,
    },
    window: { samples: windows.length, p50: quantile(windows, 0.5), p99: quantile(windows, 0.99), max: Math.max(0, ...windows), acceptedAfterBound },
    cold: {
      samples: coldSamples.length,
      storeReadsMax: Math.max(0, ...coldSamples.map((s) => s.store)),
      d1ReadsMax: Math.max(0, ...coldSamples.map((s) => s.d1)),
      ioMsP50: quantile(coldSamples.map((s) => s.ioMs), 0.5),
      ioMsP99: quantile(coldSamples.map((s) => s.ioMs), 0.99),
    },
  };
}
