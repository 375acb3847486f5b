import { expect, vi } from "vitest";
import type { Env } from "../demo/worker";
import { env, settleIsolate } from "./helpers";

// D1 fault injection, shared by faults.test.ts and passkeyFaults.test.ts
// (issues 7 and 11): a wrapper around the REAL binding fails the k-th
// statement. Statements are counted at prepare().run/first/all/raw, exec(),
// and one per statement inside batch(). A fault inside a batch replaces that
// statement by one that cannot succeed and sends the batch to the real
// database, so the statements before it really run inside D1's transaction
// and must be rolled back.

export interface Faults {
  db: D1Database;
  /** Statements seen so far (1-based index of the last one). */
  seen: number;
  /** The SQL of the statement that was failed, if the fault fired. */
  failed: string | null;
  /** Every statement's SQL, in order, for the failure messages. */
  trace: string[];
}

const INJECTED = "D1_ERROR: injected fault";

/** Fails the `failAt`-th statement (1-based) run through the returned binding. */
export function failKth(real: D1Database, failAt: number): Faults {
  const state: Faults = { db: real, seen: 0, failed: null, trace: [] };
  const realOf = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const tick = (sql: string): boolean => {
    state.seen++;
    state.trace.push(sql.replace(/\s+/g, " ").slice(0, 80));
    if (state.seen === failAt) {
      state.failed = sql;
      return true;
    }
    return false;
  };
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args), sql);
        if (prop === "run" || prop === "first" || prop === "all" || prop === "raw") {
          return (...args: unknown[]) => {
            if (tick(sql)) return Promise.reject(new Error(INJECTED));
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    realOf.set(proxy, statement);
    sqlOf.set(proxy, sql);
    return proxy;
  };
  state.db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          const unwrapped = statements.map((s) => {
            const sql = sqlOf.get(s) ?? "?";
            // A statement that fails inside the real transaction, after the ones before it ran.
            return tick(`batch: ${sql}`) ? target.prepare("INSERT INTO injected_fault_no_such_table VALUES (1)") : (realOf.get(s) ?? s);
          });
          return target.batch(unwrapped);
        };
      }
      if (prop === "exec") {
        return (sql: string) => (tick(`exec: ${sql}`) ? Promise.reject(new Error(INJECTED)) : target.exec(sql));
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return state;
}

export async function expect503(response: Response, what: string) {
  const text = await response.text();
  expect(response.status, `${what}: ${text}`).toBe(503);
  expect(response.headers.get("Retry-After"), what).toMatch(/^[1-9][0-9]*$/);
  expect(JSON.parse(text), what).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
  expect(text, what).not.toMatch(/injected|D1_ERROR|no_such_table/);
}

/**
 * Generous limits (the rate-limit statement stays on the path, with an IP,
 * so it is one of the statements failed) and no usage flush or revocation
 * refresh in the background: the statements a request runs are then exactly
 * those of its own path.
 */
export function quiet(e: Env, db: D1Database): Env {
  return {
    ...e,
    GENERAL_DB: db,
    RATE_LIMIT_LOGIN_EMAIL: "1000/600",
    RATE_LIMIT_LOGIN_IP: "1000/600",
    RATE_LIMIT_REGISTER_EMAIL: "1000/3600",
    RATE_LIMIT_REGISTER_IP: "1000/3600",
    RATE_LIMIT_REFRESH_IP: "1000/60",
    USAGE_FLUSH_REQUESTS: "100000",
    USAGE_FLUSH_SECONDS: "3600",
    REVOCATION_CACHE_SECONDS: "3600",
  };
}

/**
 * Runs `attempt` with the k-th statement failed for k = 1, 2, … until the
 * fault no longer fires; checks each faulted answer and the database after
 * it. Returns how many statements the successful run used.
 */
export async function sweep(
  name: string,
  attempt: (db: D1Database) => Promise<Response>,
  afterFault: (k: number, sql: string) => Promise<void>,
  onSuccess: (response: Response) => Promise<void>,
): Promise<number> {
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  for (let k = 1; k <= 40; k++) {
    await settleIsolate();
    const faults = failKth(env.GENERAL_DB, k);
    const response = await attempt(faults.db);
    if (faults.failed === null) {
      // The request ran fewer than k statements: this is the clean run.
      expect(response.status, `${name}: clean run ${faults.trace.join(" | ")}`).toBeLessThan(300);
      await onSuccess(response);
      expect(k, `${name} ran no statement at all`).toBeGreaterThan(1);
      errors.mockRestore();
      return k - 1;
    }
    await expect503(response, `${name} k=${k} (${faults.failed.slice(0, 60)})`);
    await afterFault(k, faults.failed);
  }
  throw new Error(`${name}: still failing after 40 statements`);
}

/**
 * A binding on which every statement whose SQL matches `pattern` fails (at
 * run/first/all/raw, like a lost connection), while `failing.on` is true;
 * every other statement reaches the real database. `failing.hits` counts the
 * statements failed. (Added for issue 19 §9: faults on one query, e.g. the
 * revocation snapshot's read, whatever comes before or after it.)
 */
export function failMatching(real: D1Database, pattern: RegExp): { db: D1Database; failing: { on: boolean; hits: number } } {
  const failing = { on: true, hits: 0 };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "run" || prop === "first" || prop === "all" || prop === "raw") {
          return (...args: unknown[]) => {
            if (failing.on) {
              failing.hits++;
              return Promise.reject(new Error(INJECTED));
            }
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => (pattern.test(sql) ? wrap(target.prepare(sql)) : target.prepare(sql));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db, failing };
}

/** The SQL of the revocation snapshot's read (db/revocations.ts readRevocationsSince). */
export const SNAPSHOT_READ = /FROM revocations\s+WHERE seq > \?1/;
