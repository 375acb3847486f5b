/**
 * Issue 19 §9: SESSION_DEPRECATED_AT and SESSION_SUNSET as HTTP-dates
 * (env.ts and js/README.md: "ISO 8601, HTTP-date or Unix seconds"). RFC 9110
 * §5.6.7: a recipient accepts the IMF-fixdate and the two obsolete forms
 * (RFC 850, asctime). Each becomes the Deprecation header (RFC 9745,
 * "@<Unix seconds>") and the Sunset header (RFC 8594, an IMF-fixdate) of a
 * session-authenticated response.
 */
import { describe, expect, it, vi } from "vitest";
import { call, errorOf, jwtEnv, loginUser, registerUser, sessionEnv } from "./helpers";

const DEPRECATED = Date.UTC(2026, 11, 1) / 1000; // 2026-12-01T00:00:00Z, a Tuesday
const SUNSET = Date.UTC(2027, 2, 1) / 1000; // 2027-03-01T00:00:00Z, a Monday

async function sessionToken(): Promise<string> {
  const user = await registerUser(sessionEnv());
  return (await loginUser(sessionEnv(), user.email)).token;
}

describe("SESSION_DEPRECATED_AT / SESSION_SUNSET as HTTP-dates", () => {
  it.each([
    ["IMF-fixdate", "Tue, 01 Dec 2026 00:00:00 GMT", "Mon, 01 Mar 2027 00:00:00 GMT"],
    ["RFC 850", "Tuesday, 01-Dec-26 00:00:00 GMT", "Monday, 01-Mar-27 00:00:00 GMT"],
    ["asctime", "Tue Dec  1 00:00:00 2026", "Mon Mar  1 00:00:00 2027"],
  ])("%s: Deprecation: @<seconds> and Sunset: <IMF-fixdate> on a session-authenticated response", async (_form, deprecatedAt, sunset) => {
    const token = await sessionToken();
    const e = jwtEnv({ SESSION_AUTH: "deprecated", SESSION_DEPRECATED_AT: deprecatedAt, SESSION_SUNSET: sunset });
    const me = await call("GET", "/auth/me", { env: e, token });
    expect(me.status, me.status === 200 ? "" : (await errorOf(me)).code).toBe(200);
    expect(me.headers.get("Deprecation")).toBe(`@${DEPRECATED}`);
    expect(me.headers.get("Sunset")).toBe("Mon, 01 Mar 2027 00:00:00 GMT");
    expect(Date.parse(me.headers.get("Sunset") ?? "") / 1000).toBe(SUNSET);
  });

  it("an HTTP-date with a day that does not exist is a configuration error (503 misconfigured), not a header", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const token = await sessionToken();
    const me = await call("GET", "/auth/me", { env: jwtEnv({ SESSION_AUTH: "deprecated", SESSION_SUNSET: "Mon, 99 Mar 2027 00:00:00 GMT" }), token });
    expect(me.status).toBe(503);
    expect((await errorOf(me)).code).toBe("misconfigured");
    expect(log.mock.calls.some((args) => String(args[0]).includes("SESSION_SUNSET"))).toBe(true);
    log.mockRestore();
  });
});
