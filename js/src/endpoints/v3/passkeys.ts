import { deletePasskey, listPasskeys } from "../../db/passkeys";
import { HttpError } from "../../errors";
import { publicPasskey } from "../../passkeys/view";
import type { AppContext } from "../../types";

/** GET /auth/passkeys (Bearer) → {passkeys: [...]}, oldest first. */
export async function listUserPasskeys(c: AppContext): Promise<Response> {
  const { user } = c.get("principal");
  const passkeys = await listPasskeys(c.get("db"), user.id);
  return c.json({ passkeys: passkeys.map(publicPasskey) });
}

const PASSKEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * DELETE /auth/passkeys/:id (Bearer) → {deleted: true}.
 * Someone else's passkey answers exactly like a missing one (404), so ids
 * cannot be probed.
 */
export async function deleteUserPasskey(c: AppContext): Promise<Response> {
  const { user } = c.get("principal");
  const id = c.req.param("id") ?? "";
  if (!PASSKEY_ID.test(id) || !(await deletePasskey(c.get("db"), user.id, id))) {
    throw new HttpError(404, "not_found", "no such passkey");
  }
  return c.json({ deleted: true, id });
}
