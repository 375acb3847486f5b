// Compiled by the pack test's `tsc --noEmit`, never run: each @ts-expect-error below must
// be an error under the shipped types, or tsc fails with "Unused '@ts-expect-error'". So
// the shipped declarations are real types, not `any`.
import { Hono } from "hono";
import { createAuth } from "hybrid-auth/hono";
import type { AuthVariables, ErrorCode } from "hybrid-auth/hono";
import { passkeys } from "hybrid-auth/passkeys";
import { sessions } from "hybrid-auth/sessions";
import type { Env } from "./app";
import { createRevocationFilterBuilder, parseRevocationFilter, REVOCATION_KINDS, RevocationFilter } from "hybrid-auth/filter";

export function typeChecks(): void {
  // hybrid-auth/filter (issue 23): the classes and helpers are typed.
  const builder = createRevocationFilterBuilder(new Uint8Array(16));
  builder.add(REVOCATION_KINDS.sid, "family");
  // @ts-expect-error a subject is a string
  builder.add(REVOCATION_KINDS.sid, 42);
  const revoked: RevocationFilter = parseRevocationFilter(builder.finish());
  const hit: boolean = revoked.matchToken(undefined, "family", "user-1");
  // @ts-expect-error the user id is required
  revoked.matchToken(undefined, "family");
  // @ts-expect-error REVOCATION_KINDS is read-only
  REVOCATION_KINDS.sid = 2;
  const entries: number = revoked.entries + revoked.byteLength;
  void [hit, entries];

  // @ts-expect-error the D1 option is `database`, a function of the env
  createAuth<Env>({ db: (env: Env) => env.APP_DB });
  // @ts-expect-error no binding of that name in this adopter's Env
  createAuth<Env>({ database: (env) => env.GENERAL_DB });
  // @ts-expect-error accessTokenTtl is a number of seconds
  createAuth<Env>({ database: (env) => env.APP_DB, accessTokenTtl: "900" });

  const app = new Hono<{ Bindings: Env; Variables: AuthVariables }>();
  app.get("/x", (c) => {
    const principal = c.get("principal");
    // @ts-expect-error the principal's user has no such field
    void principal.user.password;
    // @ts-expect-error only JWT principals have a jti: narrow on `kind` first
    void principal.jti;
    if (principal.kind === "jwt") void principal.jti;
    return c.text(principal.user.email);
  });

  // The plugins' own entries are typed too: their options, and the ids createAuth mounts.
  // @ts-expect-error a passkey configuration needs rpName and origins
  passkeys({ rpId: "localhost" });
  // @ts-expect-error origins is a list of origins
  passkeys({ rpId: "localhost", rpName: "Adopter app", origins: "http://localhost:8787" });
  const withPlugins = createAuth({ database: (env: Env) => env.APP_DB, plugins: [sessions()] });
  const mounted: readonly "sessions"[] = withPlugins.plugins;
  // @ts-expect-error only "sessions" is mounted
  const notMounted: readonly "passkeys"[] = withPlugins.plugins;
  void [mounted, notMounted];

  const code: ErrorCode = "invalid_token";
  // @ts-expect-error not one of the stable error codes
  const wrong: ErrorCode = "no_such_code";
  void [code, wrong];
}
