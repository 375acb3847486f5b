import { base64ToBytes, bytesToBase64, constantTimeEqual } from "../utils/encoding";

/**
 * PBKDF2-HMAC-SHA256 from WebCrypto: the hashes every release before Argon2id
 * wrote (issue 21), still verified so those users log in, and moved to Argon2id
 * at their next login (passwords/hashing.ts).
 *
 * 100,000 iterations is the most workerd's WebCrypto accepts (it rejects
 * more), so that is the cost. Hashes are stored self-describing:
 *
 *     pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>
 */
export const PBKDF2_ITERATIONS = 100_000;
/** workerd refuses PBKDF2 above this. */
const MAX_ITERATIONS = 100_000;
/** Hashes below this are refused outright, whatever the stored string says. */
const MIN_ITERATIONS = 1_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
export const PBKDF2_SCHEME = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8);
  return new Uint8Array(bits);
}

export async function hashPbkdf2(password: string, iterations: number = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${PBKDF2_SCHEME}$${iterations}$${bytesToBase64(salt)}$${bytesToBase64(hash)}`;
}

export interface Pbkdf2Hash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** A stored PBKDF2 hash, or null for any other string (another format, or garbage). */
export function parsePbkdf2(stored: string): Pbkdf2Hash | null {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== PBKDF2_SCHEME) return null;
  const [, iterText = "", saltText = "", hashText = ""] = parts;
  if (!/^[1-9][0-9]{0,6}$/.test(iterText)) return null;
  const iterations = Number(iterText);
  if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) return null;
  const salt = base64ToBytes(saltText);
  const hash = base64ToBytes(hashText);
  if (!salt || salt.byteLength < 8 || !hash || hash.byteLength !== HASH_BYTES) return null;
  return { iterations, salt, hash };
}

/** One derivation at the stored cost, compared with the platform's timing-safe compare. */
export async function matchesPbkdf2(password: string, stored: Pbkdf2Hash): Promise<boolean> {
  return constantTimeEqual(await derive(password, stored.salt, stored.iterations), stored.hash);
}

// What a failed check that met no PBKDF2 hash runs instead, so that every failure
// pays one PBKDF2 at today's cost (passwords/hashing.ts). Its salt and hash are
// random bytes, not derived from any password, so no input can match it (that
// would need a SHA-256 preimage).
export const PBKDF2_DUMMY_HASH = `${PBKDF2_SCHEME}$${PBKDF2_ITERATIONS}$2xMMoz9xKNdgpTHGw4pSfQ==$OkRRtdFrNjnlBxiv+cKf4Kc5iqXk5Z32VYgGfWw1qCw=`;
const DUMMY = parsePbkdf2(PBKDF2_DUMMY_HASH) as Pbkdf2Hash;

/** Spends the time of one PBKDF2 verification at today's cost; always false. */
export async function burnPbkdf2(password: string): Promise<void> {
  await matchesPbkdf2(password, DUMMY);
}
