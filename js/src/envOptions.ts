/**
 * optionsFromEnv: AuthOptions from the environment variables of the seed and
 * of v3 (JWT_SECRET, ACCESS_TOKEN_TTL, REVOCATION, RATE_LIMIT_*, RP_*...), for
 * deployments configured through wrangler vars and secrets. Only the text is
 * parsed here; bounds come from the same table the options check uses
 * (config.ts NUMERIC_SETTINGS), and errors name the variable.
 */
import { AuthConfigError } from "./options";
import type { AuthOptions, RateLimitOptions, RateRule } from "./options";
import { CLIENT_IP_SOURCES, MAX_RATE_WINDOW_SECONDS, NUMERIC_SETTINGS, RATE_RULES, checkSecret, integerVar } from "./config";
import type { RateLimitConfig } from "./config";
import type { AuthEnvVars } from "./env";
import { EDDSA_KEY_RING_NEEDED } from "./accessTokenSigning";
import type { EdDSAKeyRing } from "./accessTokenSigning";

export type { AuthEnvVars };

/** The variables as a record, for the table-driven reads below. */
type EnvRecord = Record<string, unknown>;

/** Everything optionsFromEnv cannot read from text: at least the database. */
export type EnvBase<E> = Pick<AuthOptions<E>, "database"> &
  Partial<Pick<AuthOptions<E>, "hooks">> & {
    /** `KeyRing` from "hybrid-auth/eddsa", needed when JWT_SIGNING_JWK is set (EdDSA access tokens). */
    eddsaKeyRing?: EdDSAKeyRing;
  };

/**
 * Builds AuthOptions from `env`. `base` supplies what variables cannot hold
 * (the database accessor, hooks). Throws AuthConfigError naming the variable.
 * The plugins' variables (RP_*, email) are read by their own readers.
 */
export function optionsFromEnv<E extends object>(env: E & AuthEnvVars, base: EnvBase<E>): AuthOptions<E> {
  const vars = env as EnvRecord;
  const { eddsaKeyRing, ...rest } = base;
  const options: AuthOptions<E> = { ...rest };
  const secret = vars.JWT_SECRET;
  if (secret !== undefined && secret !== null && secret !== "") {
    // Checked here too (not only by resolveOptions) so the error names the variable.
    checkSecret("JWT_SECRET", secret);
    options.secret = secret;
    const previous = vars.JWT_SECRET_PREVIOUS;
    if (typeof previous === "string" && previous !== "") {
      options.previousSecrets = previous
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
      for (const [index, value] of options.previousSecrets.entries()) checkSecret(`JWT_SECRET_PREVIOUS[${index}]`, value);
    }
  }

  // EdDSA access tokens (issue 24): checked with the option (accessTokenSigning.ts).
  const signingJwk = vars.JWT_SIGNING_JWK;
  if (typeof signingJwk === "string" && signingJwk !== "") {
    if (eddsaKeyRing === undefined) throw new AuthConfigError(`JWT_SIGNING_JWK is set but optionsFromEnv got no eddsaKeyRing: ${EDDSA_KEY_RING_NEEDED}`);
    options.accessTokenSigning = { alg: "EdDSA", key: signingJwk, publishedKeys: jwkList(vars.JWT_PUBLISHED_JWKS), keyRing: eddsaKeyRing };
  } else if (vars.JWT_PUBLISHED_JWKS !== undefined && vars.JWT_PUBLISHED_JWKS !== "") {
    throw new AuthConfigError("JWT_PUBLISHED_JWKS without JWT_SIGNING_JWK: set the signing key too");
  }

  // Token binding (RFC 8725 §3.9-3.11): the iss/aud of access JWTs, and the seed-era tokens' grace.
  for (const [name, option] of [["JWT_ISSUER", "issuer"], ["JWT_AUDIENCE", "audience"]] as const) {
    const raw = vars[name];
    if (raw === undefined || raw === "") continue;
    if (typeof raw !== "string") throw new AuthConfigError(`${name} must be a string`);
    options[option] = raw;
  }
  const legacy = enumVar(vars, "ACCEPT_LEGACY_JWT", ["on", "off"] as const);
  if (legacy) options.acceptLegacyTokens = legacy === "on";

  for (const setting of NUMERIC_SETTINGS) {
    const value = integerVar(vars, setting);
    if (value !== undefined) setPath(options, setting.path, value);
  }

  const revocationMode = enumVar(vars, "REVOCATION", ["cached", "strict"] as const);
  if (revocationMode) setPath(options, "revocation.mode", revocationMode);
  const sessionMode = enumVar(vars, "SESSION_AUTH", ["accept", "deprecated", "off"] as const);
  if (sessionMode) setPath(options, "sessionAuth.mode", sessionMode);
  const deprecatedAt = dateVar(vars, "SESSION_DEPRECATED_AT");
  if (deprecatedAt !== null) setPath(options, "sessionAuth.deprecatedAt", deprecatedAt);
  const sunset = dateVar(vars, "SESSION_SUNSET");
  if (sunset !== null) setPath(options, "sessionAuth.sunset", sunset);
  if (sessionMode && sessionMode !== "accept" && options.secret === undefined) {
    throw new AuthConfigError(`SESSION_AUTH=${sessionMode} needs JWT_SECRET: without it logins can only issue session tokens`);
  }

  const threshold = vars.PHASE3_SESSION_SHARE_THRESHOLD;
  if (threshold !== undefined && threshold !== "") {
    // A plain decimal ("0.01", "0.5", "1"): no exponent, no percent sign, no spaces.
    if (typeof threshold !== "string" || !/^(0|1)?(\.[0-9]{1,9})?$/.test(threshold) || !(Number(threshold) > 0) || Number(threshold) > 1) {
      throw new AuthConfigError(`PHASE3_SESSION_SHARE_THRESHOLD must be a decimal greater than 0 and at most 1 (e.g. 0.01), got ${JSON.stringify(String(threshold))}`);
    }
    setPath(options, "phase3.sessionShareThreshold", Number(threshold));
  }

  const rateLimits: RateLimitOptions = {};
  for (const [name, rule] of Object.entries(RATE_RULES) as [keyof RateLimitConfig, { env: string }][]) {
    const raw = vars[rule.env];
    if (raw === undefined || raw === "") continue;
    rateLimits[name] = ruleVar(rule.env, raw);
  }
  if (Object.keys(rateLimits).length) options.rateLimits = rateLimits;
  // Whose CF-Connecting-IP the per-IP rules believe (issue 19 §6).
  const clientIp = enumVar(vars, "CLIENT_IP", CLIENT_IP_SOURCES);
  if (clientIp) options.clientIp = clientIp;

  // The hash of new passwords (issue 21): PASSWORD_HASH=argon2id (the default) or
  // pbkdf2-sha256, and ARGON2ID_COST="m=<KiB>,t=<passes>,p=<lanes>" (one OWASP row or stronger).
  const algorithm = enumVar(vars, "PASSWORD_HASH", ["argon2id", "pbkdf2-sha256"] as const);
  if (algorithm) setPath(options, "passwordHashing.algorithm", algorithm);
  const cost = vars.ARGON2ID_COST;
  if (cost !== undefined && cost !== "") {
    const match = typeof cost === "string" ? /^m=([0-9]{1,6}),t=([0-9]{1,2}),p=([0-9]{1,2})$/.exec(cost) : null;
    if (!match) throw new AuthConfigError(`ARGON2ID_COST must look like m=19456,t=2,p=1, got ${JSON.stringify(String(cost))}`);
    setPath(options, "passwordHashing.argon2id", { memoryKiB: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) });
  }

  // The plugins read their own variables (passkeyOptionsFromEnv, emailOptionsFromEnv, browserOptionsFromEnv).
  return options;
}

function setPath(target: object, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function enumVar<T extends string>(vars: EnvRecord, name: string, allowed: readonly T[]): T | null {
  const raw = vars[name];
  if (raw === undefined || raw === "") return null;
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
    throw new AuthConfigError(`${name} must be one of ${allowed.join(" | ")}, got ${JSON.stringify(String(raw))}`);
  }
  return raw as T;
}

/** Unix seconds, or anything Date.parse understands (ISO 8601, an HTTP-date). */
function dateVar(vars: EnvRecord, name: string): number | null {
  const raw = vars[name];
  if (raw === undefined || raw === "") return null;
  if (typeof raw === "string" && /^[0-9]{1,12}$/.test(raw)) return Number(raw);
  const ms = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new AuthConfigError(`${name} must be a date (ISO 8601 like 2027-01-31T00:00:00Z, an HTTP-date, or Unix seconds), got ${JSON.stringify(String(raw))}`);
  }
  return Math.floor(ms / 1000);
}

/** "<max>/<seconds>" (e.g. "10/600"), or "off". */
function ruleVar(name: string, raw: unknown): RateRule | null {
  if (raw === "off") return null;
  const match = typeof raw === "string" ? /^([0-9]{1,7})\/([0-9]{1,7})$/.exec(raw) : null;
  const max = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || max < 1 || windowSeconds < 1 || windowSeconds > MAX_RATE_WINDOW_SECONDS) {
    throw new AuthConfigError(`${name} must be "<attempts>/<seconds>" (seconds 1..${MAX_RATE_WINDOW_SECONDS}) or "off", got ${JSON.stringify(String(raw))}`);
  }
  return { max, windowSeconds };
}

/** JWT_PUBLISHED_JWKS: a JSON array of JWKs (each kept as its JSON text). */
function jwkList(raw: unknown): string[] {
  if (raw === undefined || raw === "") return [];
  let list: unknown;
  try {
    list = typeof raw === "string" ? JSON.parse(raw) : null;
  } catch {
    list = null;
  }
  if (!Array.isArray(list)) throw new AuthConfigError("JWT_PUBLISHED_JWKS must be a JSON array of JWKs");
  return list.map((jwk) => JSON.stringify(jwk));
}
