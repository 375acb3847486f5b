/**
 * `sessions()`: the user's live logins and devices (issue 14 §1): list them
 * (refresh families and session tokens, the current one marked), end one, or
 * end every other. The rows themselves are the core's (every login writes
 * them), so this plugin owns no table and has no options.
 */
import { REVOKE_OTHERS_RESPONSE, SESSIONS_RESPONSE, SESSION_REVOKED_RESPONSE } from "../api/responses";
import { listSessions, revokeOtherSessions, revokeSession } from "../endpoints/v3/sessions";
import type { AuthPlugin } from "../plugin";
import { defineRoute, ok } from "../routes";

export function sessions(): AuthPlugin<"sessions"> {
  return {
    id: "sessions",
    tables: [],
    routes: [
      defineRoute({ method: "GET", path: "/sessions", guard: "auth", summary: "the user's live logins (refresh families and sessions), the current one marked", response: ok(SESSIONS_RESPONSE, "the logins"), handler: listSessions }),
      defineRoute({ method: "DELETE", path: "/sessions/:id", guard: "auth", summary: "end one login of the user (its JWTs are refused too)", response: ok(SESSION_REVOKED_RESPONSE, "the login ended"), handler: revokeSession }),
      defineRoute({ method: "POST", path: "/sessions/revoke-others", guard: "auth", summary: "end every login of the user but the current one", body: null, response: ok(REVOKE_OTHERS_RESPONSE, "the other logins ended"), handler: revokeOtherSessions }),
    ],
  };
}
