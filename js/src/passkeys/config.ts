import type { Env } from "../env";

/** Five minutes: the lifetime for a WebAuthn challenge. */
export const DEFAULT_CHALLENGE_TTL_SECONDS = 300;
const MAX_CHALLENGE_TTL_SECONDS = 3600;

/** The relying party as configured (RP_ID, RP_NAME, RP_ORIGINS, PASSKEY_*). */
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

/** Validates the passkey settings; throws PasskeyConfigError rather than guessing. */
export function parsePasskeyConfig(env: Env): PasskeyConfig {
  const rpId = (env.RP_ID ?? "").trim();
  if (!HOSTNAME.test(rpId)) throw new PasskeyConfigError(`RP_ID must be a host name such as "localhost" or "example.com", got ${JSON.stringify(rpId)}`);
  const rpName = (env.RP_NAME ?? "").trim();
  if (rpName === "" || rpName.length > 64) throw new PasskeyConfigError("RP_NAME must be 1 to 64 characters");

  const origins = (env.RP_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  if (origins.length === 0) throw new PasskeyConfigError("RP_ORIGINS must list at least one origin, comma-separated");
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new PasskeyConfigError(`RP_ORIGINS entry ${JSON.stringify(origin)} is not a URL`);
    }
    if (url.origin !== origin) throw new PasskeyConfigError(`RP_ORIGINS entry ${JSON.stringify(origin)} must be a bare origin like ${url.origin}`);
    const host = url.hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new PasskeyConfigError(`RP_ORIGINS entry ${origin} is not on RP_ID ${rpId} or a subdomain of it`);
    }
    if (url.protocol !== "https:" && host !== "localhost") {
      throw new PasskeyConfigError(`RP_ORIGINS entry ${origin} must be https (http is only allowed for localhost)`);
    }
  }

  const rawTtl = env.PASSKEY_CHALLENGE_TTL;
  let challengeTtl = DEFAULT_CHALLENGE_TTL_SECONDS;
  if (rawTtl !== undefined && rawTtl !== "") {
    if (!/^[0-9]{1,4}$/.test(rawTtl) || Number(rawTtl) < 1 || Number(rawTtl) > MAX_CHALLENGE_TTL_SECONDS) {
      throw new PasskeyConfigError(`PASSKEY_CHALLENGE_TTL must be 1 to ${MAX_CHALLENGE_TTL_SECONDS} seconds`);
    }
    challengeTtl = Number(rawTtl);
  }

  const uv = env.PASSKEY_USER_VERIFICATION ?? "";
  if (uv !== "" && uv !== "required" && uv !== "preferred") {
    throw new PasskeyConfigError(`PASSKEY_USER_VERIFICATION must be "required" (the default) or "preferred"`);
  }
  return { rpId, rpName, origins, challengeTtl, requireUserVerification: uv !== "preferred" };
}

const reported = new Set<string>();

/** parsePasskeyConfig, or null after one console.error per distinct problem (per isolate). */
export function loadPasskeyConfig(env: Env): PasskeyConfig | null {
  try {
    return parsePasskeyConfig(env);
  } catch (err) {
    if (!(err instanceof PasskeyConfigError)) throw err;
    if (!reported.has(err.message)) {
      reported.add(err.message);
      console.error(`[hybrid-auth] passkeys misconfigured, refusing passkey requests: ${err.message}`);
    }
    return null;
  }
}
