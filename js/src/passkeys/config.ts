import type { PasskeyOptions } from "../options";
import type { AuthEnvVars } from "../env";

/** Five minutes: the lifetime for a WebAuthn challenge. */
export const DEFAULT_CHALLENGE_TTL_SECONDS = 300;
const MAX_CHALLENGE_TTL_SECONDS = 3600;

/** The relying party as checked (AuthOptions.passkeys, or RP_ID, RP_NAME, RP_ORIGINS, PASSKEY_*). */
export interface PasskeyConfig {
  rpId: string;
  rpName: string;
  /** Exact origins clientDataJSON may name, e.g. ["http://localhost:8787"]. */
  origins: string[];
  challengeTtl: number;
  /** true unless PASSKEY_USER_VERIFICATION=preferred. */
  requireUserVerification: boolean;
}

export class PasskeyConfigError extends Error {
  override readonly name = "PasskeyConfigError";
}

// A bare DNS name (localhost included): no scheme, port, path or IP literal check
// beyond "letters, digits, dots and hyphens"; WebAuthn clients reject the rest anyway.
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Validates the passkey options; throws PasskeyConfigError rather than guessing. */
export function resolvePasskeyOptions(options: PasskeyOptions): PasskeyConfig {
  const rpId = typeof options.rpId === "string" ? options.rpId.trim() : "";
  if (!HOSTNAME.test(rpId)) throw new PasskeyConfigError(`passkeys.rpId must be a host name such as "localhost" or "example.com", got ${JSON.stringify(rpId)}`);
  const rpName = typeof options.rpName === "string" ? options.rpName.trim() : "";
  if (rpName === "" || rpName.length > 64) throw new PasskeyConfigError("passkeys.rpName must be 1 to 64 characters");

  const origins = Array.isArray(options.origins) ? options.origins.map((o) => String(o).trim()).filter((o) => o !== "") : [];
  if (origins.length === 0) throw new PasskeyConfigError("passkeys.origins must list at least one origin");
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new PasskeyConfigError(`passkeys.origins entry ${JSON.stringify(origin)} is not a URL`);
    }
    if (url.origin !== origin) throw new PasskeyConfigError(`passkeys.origins entry ${JSON.stringify(origin)} must be a bare origin like ${url.origin}`);
    const host = url.hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new PasskeyConfigError(`passkeys.origins entry ${origin} is not on rpId ${rpId} or a subdomain of it`);
    }
    if (url.protocol !== "https:" && host !== "localhost") {
      throw new PasskeyConfigError(`passkeys.origins entry ${origin} must be https (http is only allowed for localhost)`);
    }
  }

  const challengeTtl = options.challengeTtl ?? DEFAULT_CHALLENGE_TTL_SECONDS;
  if (!Number.isSafeInteger(challengeTtl) || challengeTtl < 1 || challengeTtl > MAX_CHALLENGE_TTL_SECONDS) {
    throw new PasskeyConfigError(`passkeys.challengeTtl must be 1 to ${MAX_CHALLENGE_TTL_SECONDS} seconds`);
  }
  const uv = options.userVerification ?? "required";
  if (uv !== "required" && uv !== "preferred") {
    throw new PasskeyConfigError(`passkeys.userVerification must be "required" (the default) or "preferred"`);
  }
  return { rpId, rpName, origins, challengeTtl, requireUserVerification: uv !== "preferred" };
}

/**
 * The passkey options from RP_ID, RP_NAME, RP_ORIGINS (comma-separated),
 * PASSKEY_CHALLENGE_TTL and PASSKEY_USER_VERIFICATION, as text; the check is
 * resolvePasskeyOptions's ("5m" becomes NaN, which it refuses).
 */
export function passkeyOptionsFromEnv(env: AuthEnvVars): PasskeyOptions {
  const options: PasskeyOptions = {
    rpId: env.RP_ID ?? "",
    rpName: env.RP_NAME ?? "",
    origins: (env.RP_ORIGINS ?? "").split(","),
  };
  const rawTtl = env.PASSKEY_CHALLENGE_TTL;
  if (rawTtl !== undefined && rawTtl !== "") options.challengeTtl = /^[0-9]{1,4}$/.test(rawTtl) ? Number(rawTtl) : Number.NaN;
  const uv = env.PASSKEY_USER_VERIFICATION;
  if (uv !== undefined && uv !== "") options.userVerification = uv as PasskeyOptions["userVerification"];
  return options;
}

/** The environment's passkey settings, checked (tests and tooling). */
export function parsePasskeyConfig(env: AuthEnvVars): PasskeyConfig {
  return resolvePasskeyOptions(passkeyOptionsFromEnv(env));
}
