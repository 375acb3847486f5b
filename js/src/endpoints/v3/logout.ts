import { deleteSession } from "../../db";
import type { AppContext } from "../../types";

/**
 * POST /auth/logout → ends the presented token.
 *
 * A session token is deleted from D1 and stops working at once.
 * A JWT cannot be revoked yet: it is stateless and stays valid until its
 * `exp`. The answer says so (`revoked: false`) so clients know to discard it;
 * jti deny-listing arrives with the token-lifecycle work (refresh tokens,
 * revocation), which hooks in here.
 */
export async function logout(c: AppContext): Promise<Response> {
  const principal = c.get("principal");
  if (principal.kind === "session") {
    await deleteSession(c.env.GENERAL_DB, principal.sessionTokenHash);
    return c.json({ logged_out: true, token_type: "session", revoked: true });
  }
  return c.json({
    logged_out: true,
    token_type: "jwt",
    revoked: false,
    message: "JWTs stay valid until they expire; discard this token on the client",
  });
}
