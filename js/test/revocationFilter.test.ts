/**
 * Issue 23: the revocation filter plugin (`hybrid-auth/revocation`). Each
 * test mounts its own createAuth instance (its own isolate state) with its own
 * store: the real KV binding, wrapped so a test can make it fail, serve an old
 * value or a cut one. The instance's revocation clock is injected, so the
 * delta's period is crossed without waiting.
 */
import { Hono } from "hono";
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuth, handleError } from "hybrid-auth/hono";
import { FilterRevocations, kvFilterStore, publishRevocationFilter, revocationFilter } from "hybrid-auth/revocation";
import type { FilterStore, RevocationFilterOptions } from "hybrid-auth/revocation";
import { failKth, failMatching } from "./d1Faults";
import { OTHER_SECRET, PASSWORD, SECRET, randomClientIp, registerUser, uniqueEmail } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
  REVOCATION_KV: KVNamespace;
}
const testEnv = env as unknown as TestEnv;

afterEach(() => {
  vi.restoreAllMocks();
});

/** The KV store under a key of this test, with switches for the faults. */
class SwitchableStore implements FilterStore {
  down = false;
  /** When set, served instead of the stored value (an old or cut envelope). */
  serve: Uint8Array | null = null;
  reads = 0;
  readonly inner: FilterStore;
  constructor(key = `test/${crypto.randomUUID()}`) {
    this.inner = kvFilterStore(testEnv.REVOCATION_KV, key, 60);
  }
  async get(): Promise<Uint8Array | null> {
    this.reads += 1;
    if (this.down) throw new Error("injected KV outage");
    return this.serve ?? this.inner.get();
  }
  put(envelope: Uint8Array): Promise<void> {
    return this.inner.put(envelope);
  }
}

interface Instance {
  source: FilterRevocations;
  clock: { ms: number };
  send(method: string, path: string, o?: { json?: unknown; token?: string; db?: D1Database }): Promise<Response>;
  login(email: string): Promise<{ token: string; refresh_token: string }>;
}

/** One auth instance (one simulated isolate) with the filter plugin. */
function instance(store: FilterStore, options: RevocationFilterOptions = {}): Instance {
  const clock = { ms: Date.now() };
  const auth = createAuth({
    database: (e: TestEnv) => e.GENERAL_DB,
    secret: SECRET,
    revocation: { cacheSeconds: 30 },
    plugins: [revocationFilter({ store: () => store, now: () => clock.ms, ...options })],
  });
  const app = new Hono<{ Bindings: TestEnv }>();
  app.route("/auth", auth.app);
  app.onError(handleError);
  const send: Instance["send"] = async (method, path, o = {}) => {
    const headers = new Headers({ "CF-Connecting-IP": randomClientIp() });
    if (o.json !== undefined) headers.set("Content-Type", "application/json");
    if (o.token !== undefined) headers.set("Authorization", `Bearer ${o.token}`);
    const ctx = createExecutionContext();
    const request = new Request(`http://localhost${path}`, { method, headers, body: o.json === undefined ? null : JSON.stringify(o.json) });
    const response = await app.fetch(request, { ...testEnv, GENERAL_DB: o.db ?? testEnv.GENERAL_DB }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  return {
    source: auth.state.revocationSource as FilterRevocations,
    clock,
    send,
    async login(email) {
      const response = await send("POST", "/auth/login", { json: { email, password: PASSWORD } });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as { token: string; refresh_token: string };
    },
  };
}

const publish = (store: FilterStore, secret = SECRET) => publishRevocationFilter({ db: testEnv.GENERAL_DB, store, secret, nowMs: Date.now() });
const me = (i: Instance, token: string, db?: D1Database) => i.send("GET", "/auth/me", db ? { token, db } : { token });
const newUser = () => registerUser(undefined, uniqueEmail("revocation-filter"));
/** Statements whose SQL reads `revocations` (the filter's delta, a confirmation, the core's snapshot). */
const revocationReads = (trace: string[]) => trace.filter((sql) => /FROM revocations/.test(sql)).length;

/** A JWT whose login was logged out (its family's `sid` row written), through an instance on `store`. */
async function loggedOutToken(store: SwitchableStore): Promise<string> {
  const user = await newUser();
  const a = instance(store);
  const { token } = await a.login(user.email);
  expect((await a.send("POST", "/auth/logout", { token })).status).toBe(200);
  return token;
}

/**
 * A user with a stamp (logout-all) and a login made after it, a published
 * filter that holds the stamp, and a cold instance: the fresh login's token
 * hits the filter (its user) but is valid.
 */
async function stampedUser(): Promise<{ a: Instance; cold: Instance; store: SwitchableStore; old: { token: string }; fresh: { token: string } }> {
  const store = new SwitchableStore();
  const user = await newUser();
  const a = instance(store);
  const old = await a.login(user.email);
  expect((await a.send("POST", "/auth/logout-all", { token: old.token })).status).toBe(200);
  const fresh = await a.login(user.email);
  await publish(store);
  return { a, cold: instance(store), store, old, fresh };
}

async function expect503(response: Response, what: string): Promise<void> {
  const text = await response.text();
  expect(response.status, `${what}: ${text}`).toBe(503);
  expect(JSON.parse(text), what).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
}

describe("revocation filter: the check path", () => {
  it("a warm isolate checks JWTs with no D1 read: one store read and one delta read when cold, then none within the period", async () => {
    const store = new SwitchableStore();
    const published = await publish(store);
    const i = instance(store);
    const user = await newUser();
    const { token } = await i.login(user.email);
    const traced = failKth(testEnv.GENERAL_DB, Number.POSITIVE_INFINITY);
    store.reads = 0; // the publisher's own read of the store
    expect((await me(i, token, traced.db)).status).toBe(200);
    expect(store.reads, "the store, once").toBe(1);
    expect(revocationReads(traced.trace), "the delta, once").toBe(1);
    for (let n = 0; n < 5; n++) expect((await me(i, token, traced.db)).status).toBe(200);
    expect(store.reads).toBe(1);
    expect(revocationReads(traced.trace), "no read of revocations per check").toBe(1);
    expect(i.source.stats.checks).toBe(6);
    expect(i.source.info().filterSeq).toBe(published.seq);
  });

  it("a revocation made by another isolate is refused once the delta period has passed, and not sooner", async () => {
    const store = new SwitchableStore();
    await publish(store);
    const [a, b] = [instance(store), instance(store)];
    const user = await newUser();
    const { token } = await a.login(user.email);
    expect((await me(b, token)).status).toBe(200);
    expect((await a.send("POST", "/auth/logout", { token })).status).toBe(200);
    expect((await me(a, token)).status, "the revoking isolate knows at once").toBe(401);
    expect((await me(b, token)).status, "within the period, b has not read it yet").toBe(200);
    b.clock.ms += 30_000;
    const refused = await me(b, token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("invalid_token");
    expect(b.source.stats.deltaReads, "the second delta read brought it").toBe(2);
  });

  it("a revoked family held only by the filter (not the delta) is refused after D1 confirms it", async () => {
    const store = new SwitchableStore();
    const token = await loggedOutToken(store);
    const report = await publish(store);
    const cold = instance(store);
    const response = await me(cold, token);
    expect(response.status).toBe(401);
    expect(cold.source.info().deltaRows, "the row is below the filter's seq: not in the delta").toBe(0);
    expect(cold.source.info().filterSeq).toBe(report.seq);
    expect(cold.source.stats.filterHits).toBe(1);
    expect(cold.source.stats.confirmedRevoked).toBe(1);
  });

  it("a valid token that hits the filter (its user has a stamp) is accepted after one D1 confirmation, then from memory", async () => {
    const { old, fresh, cold } = await stampedUser();
    const traced = failKth(testEnv.GENERAL_DB, Number.POSITIVE_INFINITY);
    expect((await me(cold, fresh.token, traced.db)).status, "issued after the stamp: valid").toBe(200);
    expect(cold.source.stats.filterHits).toBe(1);
    expect(cold.source.stats.confirmations).toBe(1);
    expect((await me(cold, fresh.token, traced.db)).status).toBe(200);
    expect(cold.source.stats.confirmations, "the answer is kept").toBe(1);
    expect(revocationReads(traced.trace), "the delta and one confirmation").toBe(2);
    expect((await me(cold, old.token)).status, "issued before the stamp: revoked").toBe(401);
  });

  it("a kept confirmation does not outlive its filter: a token confirmed valid, then revoked, is refused after a newer filter replaces the delta", async () => {
    const { a, fresh, cold, store } = await stampedUser();
    expect((await me(cold, fresh.token)).status, "hits the user's stamp, confirmed valid").toBe(200);
    expect(cold.source.info().confirmationsCached).toBe(1);
    expect((await a.send("POST", "/auth/logout", { token: fresh.token })).status).toBe(200);
    cold.clock.ms += 30_000;
    expect((await me(cold, fresh.token)).status, "the delta brings the logout").toBe(401);
    const report = await publish(store);
    cold.clock.ms += 60_000;
    const response = await me(cold, fresh.token);
    expect(cold.source.info().filterSeq, "the newer filter was installed").toBe(report.seq);
    expect(cold.source.info().deltaRows, "and the logout's row left the delta").toBe(0);
    expect(response.status, "the old 'valid' answer is not reused").toBe(401);
  });

  it("a confirmation D1 cannot answer is a 503, never an accepted token", async () => {
    const store = new SwitchableStore();
    const token = await loggedOutToken(store);
    await publish(store);
    const cold = instance(store);
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { db } = failMatching(testEnv.GENERAL_DB, /SELECT 1 AS hit FROM revocations/);
    await expect503(await me(cold, token, db), "confirmation failed");
  });

  it("with nothing published, an isolate reads every row from D1 (an empty filter at seq 0) and still refuses revoked tokens", async () => {
    const store = new SwitchableStore();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const user = await newUser();
    const a = instance(store);
    const { token } = await a.login(user.email);
    expect((await a.send("POST", "/auth/logout", { token })).status).toBe(200);
    const cold = instance(store);
    expect((await me(cold, token)).status).toBe(401);
    expect(cold.source.info().filterSeq).toBe(0);
    expect(cold.source.info().deltaRows).toBeGreaterThan(0);
  });

  it("the Cron Trigger publishes after the cleanup: the store then holds a filter complete up to the table's last seq", async () => {
    const key = `test/${crypto.randomUUID()}`;
    const auth = createAuth({ database: (e: TestEnv) => e.GENERAL_DB, secret: SECRET, plugins: [revocationFilter({ key })] });
    const user = await newUser();
    const store = kvFilterStore(testEnv.REVOCATION_KV, key, 60);
    const i = instance(store);
    const { token } = await i.login(user.email);
    expect((await i.send("POST", "/auth/logout", { token })).status).toBe(200);
    const last = await testEnv.GENERAL_DB.prepare("SELECT MAX(seq) AS seq FROM revocations").first<{ seq: number }>();
    vi.spyOn(console, "log").mockImplementation(() => {});
    const ctx = createExecutionContext();
    await auth.scheduled({ scheduledTime: Date.now(), cron: "* * * * *", noRetry() {} } as ScheduledController, testEnv, ctx);
    await waitOnExecutionContext(ctx);
    const cold = instance(store);
    expect((await me(cold, token)).status).toBe(401);
    expect(cold.source.info().filterSeq).toBe(last?.seq);
  });

  it("a missing KV binding fails createAuth's check with a message naming it", async () => {
    const auth = createAuth({ database: (e: { GENERAL_DB: D1Database }) => e.GENERAL_DB, secret: SECRET, plugins: [revocationFilter({ binding: "NO_SUCH_KV" })] });
    const app = new Hono<{ Bindings: { GENERAL_DB: D1Database } }>().route("/auth", auth.app);
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await app.fetch(new Request("http://localhost/auth/me"), { GENERAL_DB: testEnv.GENERAL_DB }, createExecutionContext());
    expect(response.status).toBe(503);
    expect(() => revocationFilter({ binding: "X" }).configure?.({}, { mode: "jwt", jwtSecret: SECRET } as never)).toThrow(/KV binding X is missing/);
  });
});

describe("revocation filter: faults", () => {
  it("store down on a cold isolate: 503 (fail closed), then served once the store answers", async () => {
    const store = new SwitchableStore();
    await publish(store);
    const user = await newUser();
    const a = instance(store);
    const { token } = await a.login(user.email);
    const cold = instance(store);
    store.down = true;
    await expect503(await me(cold, token), "store down");
    expect(cold.source.info().loaded).toBe(false);
    store.down = false;
    expect((await me(cold, token)).status).toBe(200);
  });

  it("store down on a warm isolate: it keeps its filter, still reads the delta from D1, and refuses a revocation made meanwhile", async () => {
    const store = new SwitchableStore();
    await publish(store);
    const user = await newUser();
    const [a, warm] = [instance(store), instance(store)];
    const { token } = await a.login(user.email);
    expect((await me(a, token)).status).toBe(200);
    expect((await me(warm, token)).status).toBe(200);
    store.reads = 0;
    store.down = true;
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect((await a.send("POST", "/auth/logout", { token })).status).toBe(200);
    warm.clock.ms += 600_000; // past both the delta's and the filter's periods
    expect((await me(warm, token)).status).toBe(401);
    expect(store.reads, "the store was tried").toBe(1);
    expect(warm.source.info().loaded).toBe(true);
  });

  it("a forged filter (sealed with another secret) and a cut one are refused: 503 when cold, the last filter kept when warm", async () => {
    const store = new SwitchableStore();
    await publish(store);
    const good = await store.inner.get();
    const forgedStore = new SwitchableStore();
    await publish(forgedStore, OTHER_SECRET);
    const forged = await forgedStore.inner.get();
    if (good === null || forged === null) throw new Error("nothing published");
    const user = await newUser();
    const a = instance(store);
    const { token } = await a.login(user.email);
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const [what, bytes] of [["forged", forged], ["cut", good.subarray(0, good.byteLength - 7)], ["one bit flipped", flip(good, 40)]] as const) {
      store.serve = bytes;
      await expect503(await me(instance(store), token), `${what}, cold`);
    }
    store.serve = null;
    const warm = instance(store);
    expect((await me(warm, token)).status).toBe(200);
    const seq = warm.source.info().filterSeq;
    store.serve = forged;
    warm.clock.ms += 600_000;
    expect((await me(warm, token)).status, "warm: the forged value is ignored").toBe(200);
    expect(warm.source.info().filterSeq).toBe(seq);
  });

  it("an older filter (stale KV, a publisher that lost a race) is ignored when warm, and a cold isolate given it still refuses what came later", async () => {
    const store = new SwitchableStore();
    await publish(store);
    const old = await store.inner.get();
    if (old === null) throw new Error("nothing published");
    const user = await newUser();
    const a = instance(store);
    const { token } = await a.login(user.email);
    expect((await a.send("POST", "/auth/logout", { token })).status).toBe(200);
    const newer = await publish(store);
    const warm = instance(store);
    expect((await me(warm, token)).status).toBe(401);
    expect(warm.source.info().filterSeq).toBe(newer.seq);
    store.serve = old;
    warm.clock.ms += 600_000;
    expect((await me(warm, token)).status).toBe(401);
    expect(warm.source.info().filterSeq, "kept the newer one").toBe(newer.seq);
    const cold = instance(store);
    expect((await me(cold, token)).status, "cold with the old filter: the row comes from the delta").toBe(401);
    expect(cold.source.info().filterSeq).toBeLessThan(newer.seq);
    expect(cold.source.info().deltaRows).toBeGreaterThan(0);
  });

  it("racing publishers: the one that read an older high-water mark does not overwrite a newer filter", async () => {
    const store = new SwitchableStore();
    const user = await newUser();
    const a = instance(store);
    const { token } = await a.login(user.email);
    // The slow publisher read the table before the logout...
    const slow = store.inner;
    const before = await publishRevocationFilter({ db: testEnv.GENERAL_DB, store: { get: () => slow.get(), put: async () => {} }, secret: SECRET, nowMs: Date.now() });
    expect((await a.send("POST", "/auth/logout", { token })).status).toBe(200);
    const after = await publish(store);
    expect(after.seq).toBeGreaterThan(before.seq);
    // ...and writes last: a put of the older envelope is skipped when the store already holds a newer one.
    const stale = await publishRevocationFilter({ db: failOnHighWaterAbove(before.seq), store, secret: SECRET, nowMs: Date.now() });
    expect(stale.skipped).toBe(true);
    const cold = instance(store);
    expect((await me(cold, token)).status).toBe(401);
    expect(cold.source.info().filterSeq).toBe(after.seq);
  });
});

/** A copy with one bit changed at `index`. */
function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

/** The real D1, except that the high-water query answers `seq` (a publisher that read the table earlier). */
function failOnHighWaterAbove(seq: number): D1Database {
  const real = testEnv.GENERAL_DB;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => (/SELECT COALESCE\(MAX\(seq\), 0\) AS seq FROM revocations/.test(sql) ? target.prepare("SELECT ?1 AS seq").bind(seq) : target.prepare(sql));
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}


