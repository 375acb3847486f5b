import type { AppContext } from "../../types";

/** GET /auth/me → the authenticated user and how they authenticated. */
export function getCurrentUser(c: AppContext): Response {
  const principal = c.get("principal");
  return c.json({ user: principal.user, token_type: principal.kind, expires_at: principal.expiresAt });
}
