/**
 * Argon2id through the package's own Rust module (`hybrid-auth/argon2`, its own
 * .wasm, instantiated on the first password call): the hashes createAuth writes
 * by default (issue 21). workerd's WebCrypto has no Argon2 and caps PBKDF2 at
 * 100,000 iterations, a sixth of OWASP's floor for PBKDF2-SHA256.
 */
import { hashPassword, verifyPassword } from "hybrid-auth/argon2";
import type { Argon2idCost, VerifyPasswordOptions, VerifyPasswordResult } from "hybrid-auth/argon2";
import { AuthConfigError } from "../options";

export type { Argon2idCost };

/**
 * The calls go through this object so that a test can count the work of one
 * request (loginTiming.test.ts): never replaced outside tests.
 */
export const argon2Engine = {
  hash: (password: string, cost: Argon2idSettings) => hashPassword(password, { ...cost.cost, allowBelowOwaspFloor: cost.allowBelowOwaspFloor }),
  verify: (password: string, stored: string, options: VerifyPasswordOptions): VerifyPasswordResult => verifyPassword(password, stored, options),
};

/**
 * OWASP's Argon2id rows (Password Storage Cheat Sheet): checked here, where the
 * options are checked, so a weak cost fails createAuth instead of the first
 * login. The Rust module holds the same table (crates/argon2/src/cost.rs);
 * passwordHashing.test.ts compares the two, so they cannot drift apart.
 */
export const OWASP_ARGON2ID_COSTS: readonly Argon2idCost[] = [
  { memoryKiB: 47_104, timeCost: 1, parallelism: 1 },
  { memoryKiB: 19_456, timeCost: 2, parallelism: 1 },
  { memoryKiB: 12_288, timeCost: 3, parallelism: 1 },
  { memoryKiB: 9_216, timeCost: 4, parallelism: 1 },
  { memoryKiB: 7_168, timeCost: 5, parallelism: 1 },
];
export const DEFAULT_ARGON2ID_COST: Argon2idCost = { memoryKiB: 19_456, timeCost: 2, parallelism: 1 };
/** The module's bounds (crates/argon2/src/cost.rs): an isolate has 128 MB in all. */
const MAX = { memoryKiB: 65_536, timeCost: 16, parallelism: 16 };
/**
 * The ceilings a stored hash must stay within before any memory is allocated,
 * unless the configured cost is higher: the largest OWASP row. A tampered row
 * asking for 4 GiB is refused (`params_above_limit`), never computed.
 */
const STORED_CEILING = { memoryKiB: 47_104, timeCost: 5, parallelism: 1 };

export interface Argon2idSettings {
  cost: Argon2idCost;
  allowBelowOwaspFloor: boolean;
}

function meetsOwaspFloor(cost: Argon2idCost): boolean {
  return OWASP_ARGON2ID_COSTS.some((row) => cost.memoryKiB >= row.memoryKiB && cost.timeCost >= row.timeCost && cost.parallelism >= row.parallelism);
}

/** The `passwordHashing.argon2id` option checked once, or an AuthConfigError naming the field. */
export function checkArgon2idCost(value: unknown, allowBelowOwaspFloor: boolean): Argon2idCost {
  if (value === undefined) return DEFAULT_ARGON2ID_COST;
  if (value === null || typeof value !== "object") throw new AuthConfigError("passwordHashing.argon2id must be { memoryKiB?, timeCost?, parallelism? }");
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in MAX)) throw new AuthConfigError(`unknown option passwordHashing.argon2id.${key}`);
  }
  const cost = { ...DEFAULT_ARGON2ID_COST };
  for (const key of Object.keys(MAX) as (keyof Argon2idCost)[]) {
    const v = given[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1 || v > MAX[key]) {
      throw new AuthConfigError(`passwordHashing.argon2id.${key} must be a whole number from 1 to ${MAX[key]}, got ${JSON.stringify(v)}`);
    }
    cost[key] = v;
  }
  if (cost.memoryKiB < 8 * cost.parallelism) throw new AuthConfigError("passwordHashing.argon2id.memoryKiB must be at least 8 × parallelism");
  if (!allowBelowOwaspFloor && !meetsOwaspFloor(cost)) {
    throw new AuthConfigError(
      `passwordHashing.argon2id m=${cost.memoryKiB},t=${cost.timeCost},p=${cost.parallelism} is below OWASP's floor ` +
        "(at least one row of m=47104,t=1 / m=19456,t=2 / m=12288,t=3 / m=9216,t=4 / m=7168,t=5); " +
        "passwordHashing.allowBelowOwaspFloor: true permits it (tests only)",
    );
  }
  return cost;
}

export function verifyOptionsOf(settings: Argon2idSettings): VerifyPasswordOptions {
  const { cost } = settings;
  return {
    ...cost,
    allowBelowOwaspFloor: settings.allowBelowOwaspFloor,
    maxMemoryKiB: Math.max(cost.memoryKiB, STORED_CEILING.memoryKiB),
    maxTimeCost: Math.max(cost.timeCost, STORED_CEILING.timeCost),
    maxParallelism: Math.max(cost.parallelism, STORED_CEILING.parallelism),
  };
}

function b64NoPad(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
}

/**
 * A PHC string at the configured cost whose salt and hash are random bytes, not
 * derived from any password: verifying against it costs one real Argon2id run
 * and can never match. Made once per configuration, with no hashing.
 */
export function argon2idDummyHash(cost: Argon2idCost): string {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = crypto.getRandomValues(new Uint8Array(32));
  return `$argon2id$v=19$m=${cost.memoryKiB},t=${cost.timeCost},p=${cost.parallelism}$${b64NoPad(salt)}$${b64NoPad(hash)}`;
}
