/**
 * Issue 19 §3: the dashboard's "Seed-era access tokens" line (page/account.js
 * legacyJwtStatement), from the report's `legacy_jwt`. The page module only
 * touches `document` when its functions run, so the pure formatter imports here.
 */
import { describe, expect, it } from "vitest";
// @ts-expect-error: the page is plain JavaScript without declarations.
import { legacyJwtStatement } from "../src/page/account.js";

const at = (seconds: number | null) => `t=${seconds}`;

describe("dashboard: seed-era access tokens", () => {
  it("says whether they are accepted, how many were used and when the latest was", () => {
    expect(legacyJwtStatement({ accepted: true, count: 3, last_seen: 1_900_000_000 }, at)).toBe(
      "Accepted (ACCEPT_LEGACY_JWT is on): 3 used in this period, the latest at t=1900000000.",
    );
    expect(legacyJwtStatement({ accepted: true, count: 0, last_seen: null }, at)).toMatch(/^Accepted \(ACCEPT_LEGACY_JWT is on\); none was used in this period\. Turn it off/);
    expect(legacyJwtStatement({ accepted: false, count: 0, last_seen: null }, at)).toBe("Not accepted (ACCEPT_LEGACY_JWT is off). 0 accepted in this period.");
  });
});
