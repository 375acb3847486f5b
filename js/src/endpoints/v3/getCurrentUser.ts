import type { MeResponseBody } from "../../api/responses";
import type { AppContext } from "../../types";

/**
 * GET /auth/me → the authenticated user, how they authenticated, and whether
 * their address is verified (issue 14 §4): a session reads it with its own
 * lookup, a JWT carries it as issued (the `email_verified` claim; the next
 * login or refresh brings a change). A JWT without the claim (issued before
 * it existed, or by someone else) answers null, "unknown": a JWT request
 * stays free of D1 queries.
 */
export function getCurrentUser(c: AppContext): Response {
  const principal = c.get("principal");
  const answer: MeResponseBody = { user: principal.user, token_type: principal.kind, expires_at: principal.expiresAt, email_verified: principal.emailVerified ?? null };
  return c.json(answer);
}
