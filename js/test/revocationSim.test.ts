/**
 * Issue 23: the simulation harness (js/bench/revocationSim/simulate.ts) at a
 * scale CI can afford: 50 simulated isolates of the real revocation filter
 * checker, the real publisher and KV, the local D1, a stream of 200,000
 * users' logouts (about 2.3 per second, ~2,100 live entries) over four
 * simulated minutes with isolates ending and starting. The 1 M / 10 M / 100 M
 * runs are bench/revocation-sim.mjs's (SECURITY.md).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_PARAMS, simulate } from "../bench/revocationSim/simulate";
import { SECRET } from "./helpers";

interface TestEnv {
  GENERAL_DB: D1Database;
  REVOCATION_KV: KVNamespace;
}
const testEnv = env as unknown as TestEnv;

describe("revocation simulation, 200,000 users, 50 isolates, 4 simulated minutes", () => {
  it("no valid token refused, no revoked one accepted after the window, confirmations under 0.5%, cold isolates ready after one KV and one D1 read", async () => {
    const report = await simulate(testEnv.GENERAL_DB, testEnv.REVOCATION_KV, {
      ...DEFAULT_PARAMS,
      users: 200_000,
      simSeconds: 240,
      isolateLifetimeSeconds: 120,
      validChecksPerIsolatePerTick: 6,
      secret: SECRET,
      kvKey: `sim/${crypto.randomUUID()}`,
    });
    expect(report.checks.valid).toBe(50 * 6 * 240);
    expect(report.checks.validRefused, "a valid token refused").toBe(0);
    expect(report.window.samples, "revocations followed").toBeGreaterThan(100);
    expect(report.window.acceptedAfterBound, "a revoked token accepted after the window").toBe(0);
    expect(report.window.max).toBeLessThanOrEqual(DEFAULT_PARAMS.deltaSeconds + DEFAULT_PARAMS.tickSeconds);
    expect(report.checks.confirmationRate).toBeLessThanOrEqual(0.005);
    expect(report.isolates.cold, "isolates ended and cold ones started").toBeGreaterThan(50);
    expect(report.cold.storeReadsMax).toBe(1);
    expect(report.cold.d1ReadsMax).toBe(1);
    expect(report.publishes.count, "at the start, then every simulated minute").toBe(5);
    // ~19 bits per entry: the filter of ~2,100 live entries (plus other tests' rows) stays a few KiB.
    expect(report.memory.filterBytesMax).toBeGreaterThan(0);
    expect(report.memory.filterBytesMax).toBeLessThan(64 * 1024);
  }, 240_000);
});
