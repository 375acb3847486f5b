import { deletePasskey, listPasskeys, renamePasskey } from "../../db/passkeys";
import type { PasskeyRenameBody } from "../../api/requests";
import { HttpError } from "../../errors";
import type { RouteInput } from "../../http/schema";
import { publicPasskey } from "../../passkeys/view";
import type { AppContext } from "../../types";

/** GET /auth/passkeys (Bearer) → {passkeys: [...]}, oldest first. */
export async function listUserPasskeys(c: AppContext): Promise<Response> {
  const { user } = c.get("principal");
  const passkeys = await listPasskeys(c.get("db"), user.id);
  return c.json({ passkeys: passkeys.map(publicPasskey) });
}

const PASSKEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The :id of a passkey route, or the 404 of a missing passkey (the same for someone else's, so ids cannot be probed). */
function passkeyIdOf(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!PASSKEY_ID.test(id)) throw noSuchPasskey();
  return id;
}

const noSuchPasskey = () => new HttpError(404, "not_found", "no such passkey");

/** DELETE /auth/passkeys/:id (Bearer, sudo mode) → {deleted: true, id}. */
export async function deleteUserPasskey(c: AppContext): Promise<Response> {
  const { user } = c.get("principal");
  const id = passkeyIdOf(c);
  if (!(await deletePasskey(c.get("db"), user.id, id))) throw noSuchPasskey();
  return c.json({ deleted: true, id });
}

/**
 * PATCH /auth/passkeys/:id {label} (Bearer) → {passkey}. Only the name the user
 * gave it changes; no sudo mode, as a name grants nothing.
 */
export async function renameUserPasskey(c: AppContext, input: RouteInput<PasskeyRenameBody, never>): Promise<Response> {
  const { user } = c.get("principal");
  const id = passkeyIdOf(c);
  const { label } = await input.body();
  const renamed = await renamePasskey(c.get("db"), user.id, id, label);
  if (!renamed) throw noSuchPasskey();
  return c.json({ passkey: publicPasskey(renamed) });
}
