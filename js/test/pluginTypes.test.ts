/**
 * Issue 20: types follow the plugins. createAuth's result knows which plugins
 * it mounts (`auth.plugins`), and the typed client, `createClient<typeof
 * auth>(...)`, has only the methods of those plugins. The `@ts-expect-error`
 * lines are checked by `tsc -p js` (the typecheck suite of `npm test`): if a
 * method of an unmounted plugin became reachable, the directive would be unused
 * and the typecheck would fail. The runtime assertions check the same values.
 */
import { describe, expect, it } from "vitest";
import { createAuth } from "hybrid-auth/hono";
import { passkeys } from "hybrid-auth/passkeys";
import { sessions } from "hybrid-auth/sessions";
import { createClient } from "../client/index";

const database = (e: { GENERAL_DB: D1Database }) => e.GENERAL_DB;
const coreOnly = createAuth({ database });
const withSessions = createAuth({ database, plugins: [sessions()] });
const withBoth = createAuth((_env: { GENERAL_DB: D1Database }) => ({ database }), {
  plugins: [sessions(), passkeys({ rpId: "localhost", rpName: "types", origins: ["http://localhost:8787"] })],
});

describe("types follow the plugins", () => {
  it("auth.plugins lists exactly the mounted ids, typed as their union", () => {
    const none: readonly never[] = coreOnly.plugins;
    const one: readonly "sessions"[] = withSessions.plugins;
    const two: readonly ("sessions" | "passkeys")[] = withBoth.plugins;
    // @ts-expect-error an instance with sessions() is not typed as one without plugins
    const notNone: readonly never[] = withSessions.plugins;
    expect([none, one, two, notNone]).toEqual([[], ["sessions"], ["sessions", "passkeys"], ["sessions"]]);
  });

  it("a client typed by a core-only server has the core methods and none of a plugin's", () => {
    const client = createClient<typeof coreOnly>({ baseUrl: "https://auth.test/auth", channel: false });
    expect(typeof client.login).toBe("function");
    expect(typeof client.plugins).toBe("function");
    // @ts-expect-error passkeys() is not mounted: no passkey methods
    void client.passkeys;
    // @ts-expect-error sessions() is not mounted
    void client.sessions;
    // @ts-expect-error email() is not mounted
    void client.requestPasswordReset;
    // @ts-expect-error usage() is not mounted
    void client.usage;
  });

  it("a client typed by a server with sessions() and passkeys() has their methods, and still not email's", () => {
    const client = createClient<typeof withBoth>({ baseUrl: "https://auth.test/auth", channel: false });
    expect([typeof client.sessions, typeof client.revokeSession, typeof client.passkeys, typeof client.loginWithPasskey]).toEqual(["function", "function", "function", "function"]);
    // @ts-expect-error email() is not mounted
    void client.verifyEmail;
  });

  it("an untyped client has every method (0.1's client)", () => {
    const client = createClient({ baseUrl: "https://auth.test/auth", channel: false });
    expect([typeof client.usage, typeof client.devMailbox, typeof client.sessions, typeof client.addPasskey]).toEqual(["function", "function", "function", "function"]);
  });
});
