/**
 * `passkeys(options)`: WebAuthn sign-in and passkey management (issue 9):
 * register a passkey under sudo mode, sign in with one, list, rename and
 * remove them. The WebAuthn verifier (@oslojs) is loaded with import() on the
 * first ceremony, so even a Worker that mounts this plugin does not parse it
 * at start-up.
 *
 * Options: the relying party ({ rpId, rpName, origins, challengeTtl?,
 * userVerification? }), or a function of the env such as
 * `passkeyOptionsFromEnv` (RP_ID, RP_NAME, RP_ORIGINS, PASSKEY_*). A mistake
 * in a static object throws AuthConfigError at createAuth; read from the env,
 * it only turns the passkey routes into 503 `misconfigured` (the
 * rest of the auth keeps working), as it always did.
 */
import { PASSKEY_LOGIN_VERIFY_BODY, PASSKEY_REGISTER_VERIFY_BODY, PASSKEY_RENAME_BODY } from "../api/requests";
import * as R from "../api/responses";
import { passkeyLoginOptions } from "../endpoints/v3/passkeyLoginOptions";
import { passkeyLoginVerify } from "../endpoints/v3/passkeyLoginVerify";
import { passkeyRegisterOptions } from "../endpoints/v3/passkeyRegisterOptions";
import { passkeyRegisterVerify } from "../endpoints/v3/passkeyRegisterVerify";
import { deleteUserPasskey, listUserPasskeys, renameUserPasskey } from "../endpoints/v3/passkeys";
import { deleteExpiredChunk } from "../db";
import { CHALLENGES_TABLE } from "../lifecycle/cleanup";
import { AuthConfigError } from "../options";
import type { PasskeyOptions } from "../options";
import { PasskeyConfigError, resolvePasskeyOptions } from "../passkeys/config";
import type { PasskeyConfig } from "../passkeys/config";
import type { AuthPlugin, PluginOptionsInput } from "../plugin";
import { optionsFor } from "../plugin";
import { defineRoute, ok } from "../routes";

export { passkeyOptionsFromEnv } from "../passkeys/config";
export type { PasskeyOptions };

export function passkeys(options: PluginOptionsInput<PasskeyOptions>): AuthPlugin<"passkeys"> {
  const fromEnv = typeof options === "function";
  // A static object is checked now, so a mistake throws where the plugin is made.
  const fixed = fromEnv ? null : resolveStatic(options);
  return {
    id: "passkeys",
    tables: ["passkeys", "webauthn_challenges"],
    routes: [
      defineRoute({ method: "POST", path: "/passkey/register/options", guard: "recent", summary: "start adding a passkey (sudo mode)", body: null, response: ok(R.PASSKEY_OPTIONS_RESPONSE, "options for startRegistration()"), handler: passkeyRegisterOptions }),
      defineRoute({ method: "POST", path: "/passkey/register/verify", guard: "recent", summary: "finish adding a passkey (sudo mode)", body: PASSKEY_REGISTER_VERIFY_BODY, response: ok(R.PASSKEY_CREATED_RESPONSE, "the passkey was added", 201), handler: passkeyRegisterVerify }),
      defineRoute({ method: "POST", path: "/passkey/login/options", guard: "none", summary: "start a passkey login", body: null, response: ok(R.PASSKEY_OPTIONS_RESPONSE, "options for startAuthentication()"), handler: passkeyLoginOptions }),
      defineRoute({ method: "POST", path: "/passkey/login/verify", guard: "none", summary: "finish a passkey login → the /login answer", body: PASSKEY_LOGIN_VERIFY_BODY, response: ok(R.LOGIN_RESPONSE, "signed in"), handler: passkeyLoginVerify }),
      defineRoute({ method: "GET", path: "/passkeys", guard: "auth", summary: "the user's passkeys", response: ok(R.PASSKEY_LIST_RESPONSE, "the passkeys"), handler: listUserPasskeys }),
      defineRoute({ method: "DELETE", path: "/passkeys/:id", guard: "recent", summary: "remove a passkey (sudo mode)", response: ok(R.PASSKEY_DELETED_RESPONSE, "removed"), handler: deleteUserPasskey }),
      defineRoute({ method: "PATCH", path: "/passkeys/:id", guard: "auth", summary: "rename a passkey {label}", body: PASSKEY_RENAME_BODY, response: ok(R.PASSKEY_RENAMED_RESPONSE, "renamed"), handler: renameUserPasskey }),
    ],
    configure(env) {
      if (fixed) return { passkeys: fixed };
      try {
        return { passkeys: resolvePasskeyOptions(optionsFor(options, env)) };
      } catch (err) {
        if (!(err instanceof PasskeyConfigError)) throw err;
        return { passkeys: err };
      }
    },
    cleanup: (db, _config, nowMs, limit) => [{ table: CHALLENGES_TABLE, optional: true, chunk: () => deleteExpiredChunk(db, CHALLENGES_TABLE, Math.floor(nowMs / 1000), limit) }],
    describe: (config): Record<string, string | boolean> => (config.passkeys && !(config.passkeys instanceof PasskeyConfigError) ? { rpId: config.passkeys.rpId, configured: true } : { configured: false }),
  };
}

function resolveStatic(options: PasskeyOptions): PasskeyConfig {
  try {
    return resolvePasskeyOptions(options);
  } catch (err) {
    throw err instanceof PasskeyConfigError ? new AuthConfigError(err.message) : err;
  }
}
