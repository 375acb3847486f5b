/**
 * The Worker behind bench/revocation-sim.mjs (issue 23), on 127.0.0.1 only:
 *  - POST /simulate {params}: one run of simulate.ts, answered with its report;
 *  - POST /reset: empties `revocations` between runs;
 *  - POST /bench/setup {entries}: a revocation table of `entries` live rows, a
 *    published filter, and two warm checkers: the filter (FilterRevocations)
 *    and the core's snapshot of every row (RevocationCache, today's map);
 *  - GET /bench?impl=filter|map|verify&n=N: N JWT verifications (HS256 KeyRing),
 *    each followed by the revocation check of `impl` (none for verify). The
 *    driver times requests from outside (the clock stands still during CPU
 *    work inside a request) and subtracts an n=0 request.
 */
import { KeyRing } from "hybrid-auth";
import type { Config } from "../../src/config";
import { RevocationCache } from "../../src/lifecycle/revocation";
import type { JwtIdentity } from "../../src/utils/jwt";
import { FilterRevocations, kvFilterStore, publishRevocationFilter } from "hybrid-auth/revocation";
import { DEFAULT_PARAMS, simulate } from "./simulate";
import type { SimParams } from "./simulate";

interface Env {
  GENERAL_DB: D1Database;
  REVOCATION_KV: KVNamespace;
}

const SECRET = "revocation-sim-secret-0123456789abcdefghij";
const TOKENS = 1000;

let bench: { filter: FilterRevocations; map: RevocationCache; config: Config; ring: KeyRing; tokens: string[] } | null = null;

async function insertLive(db: D1Database, entries: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < entries; i += 400) {
    const values = Array.from({ length: Math.min(400, entries - i) }, () => `('sid','${crypto.randomUUID()}','${crypto.randomUUID()}',${Date.now()},${now + 3600},${now})`).join(",");
    statements.push(db.prepare(`INSERT INTO revocations (kind, subject, user_id, not_before_ms, expires_at, created_at) VALUES ${values}`));
  }
  for (let i = 0; i < statements.length; i += 20) await db.batch(statements.slice(i, i + 20));
}

async function setup(env: Env, entries: number): Promise<Record<string, number>> {
  await env.GENERAL_DB.prepare("DELETE FROM revocations").run();
  await insertLive(env.GENERAL_DB, entries);
  const store = kvFilterStore(env.REVOCATION_KV, "bench", 60);
  const published = await publishRevocationFilter({ db: env.GENERAL_DB, store, secret: SECRET, nowMs: Date.now() });
  // Long periods: nothing is re-read during the timed loops.
  const config = {
    revocation: { mode: "cached", cacheSeconds: 3600 },
    revocationFilter: { store, secret: SECRET, filterRefreshSeconds: 3600, confirmationCacheSize: 10_000, now: Date.now },
  } as unknown as Config;
  const ring = new KeyRing({ keys: [{ kid: "bench", secret: SECRET }], signWith: "bench" });
  // Valid tokens, each its own login (sid), as the traffic of many users is.
  const tokens = Array.from({ length: TOKENS }, () => ring.sign({ sub: crypto.randomUUID(), sid: crypto.randomUUID() }, 900));
  const filter = new FilterRevocations();
  const map = new RevocationCache();
  bench = { filter, map, config, ring, tokens };
  // Warm both: the first check loads (store + delta, or every row), and every token is checked once
  // (the filter's few false positives are confirmed by D1 here, then answered from memory).
  for (const token of tokens) {
    await check("filter", token);
    await check("map", token);
  }
  return { entries, filterEnvelopeBytes: published.bytes, filterEntries: published.entries };
}

async function check(impl: string, token: string): Promise<void> {
  if (bench === null) throw new Error("POST /bench/setup first");
  const result = bench.ring.verify(token);
  if (!result.ok) throw new Error(`verify: ${result.reason}`);
  if (impl === "verify") return;
  const claims = result.claims as { sub: string; sid: string; jti: string; iat: number };
  const identity = { id: claims.sub, sid: claims.sid, jti: claims.jti, iatMs: claims.iat * 1000 } as JwtIdentity;
  const source = impl === "filter" ? bench.filter : bench.map;
  if (await source.isRevoked(benchDb, bench.config, identity)) throw new Error("a valid token was refused");
}

let benchDb: D1Database;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    benchDb = env.GENERAL_DB;
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (request.method === "POST" && url.pathname === "/reset") {
      await env.GENERAL_DB.prepare("DELETE FROM revocations").run();
      return Response.json({ ok: true });
    }
    if (request.method === "POST" && url.pathname === "/simulate") {
      const body = (await request.json()) as Partial<SimParams> & { users: number };
      const params: SimParams = { ...DEFAULT_PARAMS, secret: SECRET, kvKey: `sim/${crypto.randomUUID()}`, ...body };
      return Response.json(await simulate(env.GENERAL_DB, env.REVOCATION_KV, params));
    }
    if (request.method === "POST" && url.pathname === "/bench/setup") {
      const { entries } = (await request.json()) as { entries: number };
      return Response.json(await setup(env, entries));
    }
    if (request.method === "POST" && url.pathname === "/bench/cold") {
      // A cold isolate's first check: a fresh checker over the set-up table, D1 reads counted.
      if (bench === null) return new Response("POST /bench/setup first", { status: 409 });
      const impl = url.searchParams.get("impl") ?? "filter";
      let d1Reads = 0;
      const counted = new Proxy(env.GENERAL_DB, {
        get(target, prop) {
          if (prop === "prepare") return (sql: string) => ((d1Reads += 1), target.prepare(sql));
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const source = impl === "filter" ? new FilterRevocations() : new RevocationCache();
      const result = bench.ring.verify(bench.tokens[0] as string);
      if (!result.ok) throw new Error(result.reason);
      const claims = result.claims as { sub: string; sid: string; jti: string; iat: number };
      await source.isRevoked(counted, bench.config, { id: claims.sub, sid: claims.sid, jti: claims.jti, iatMs: claims.iat * 1000 } as JwtIdentity);
      const storeReads = source instanceof FilterRevocations ? source.stats.storeReads : 0;
      if (source instanceof FilterRevocations) source.reset();
      return Response.json({ reads: d1Reads + storeReads, d1Reads, storeReads });
    }
    if (url.pathname === "/bench") {
      const impl = url.searchParams.get("impl") ?? "verify";
      const n = Number(url.searchParams.get("n") ?? "0");
      if (bench === null) return new Response("POST /bench/setup first", { status: 409 });
      for (let i = 0; i < n; i++) await check(impl, bench.tokens[i % TOKENS] as string);
      return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  },
};
