import { base64ToBytes, bytesToBase64, constantTimeEqual } from "./utils/encoding";

/**
 * Password hashing with PBKDF2-HMAC-SHA256 from WebCrypto.
 *
 * 100,000 iterations is the most workerd's WebCrypto accepts (it rejects
 * more), so that is the cost. Hashes are stored self-describing:
 *
 *     pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>
 *
 * so a future cost (or algorithm) can be introduced without a migration:
 * `verifyPassword` reports `needsRehash` and login rewrites the hash.
 */
export const PBKDF2_ITERATIONS = 100_000;
/** workerd refuses PBKDF2 above this. */
const MAX_ITERATIONS = 100_000;
/** Hashes below this are refused outright, whatever the stored string says. */
const MIN_ITERATIONS = 1_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const SCHEME = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations: number = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${SCHEME}$${iterations}$${bytesToBase64(salt)}$${bytesToBase64(hash)}`;
}

interface ParsedHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== SCHEME) return null;
  const [, iterText = "", saltText = "", hashText = ""] = parts;
  if (!/^[1-9][0-9]{0,6}$/.test(iterText)) return null;
  const iterations = Number(iterText);
  if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) return null;
  const salt = base64ToBytes(saltText);
  const hash = base64ToBytes(hashText);
  if (!salt || salt.byteLength < 8 || !hash || hash.byteLength !== HASH_BYTES) return null;
  return { iterations, salt, hash };
}

export interface PasswordCheck {
  ok: boolean;
  /** The hash is valid but weaker than today's parameters: rewrite it. */
  needsRehash: boolean;
}

/**
 * Checks a password against a stored hash. An unparseable stored hash is a
 * failed check (never an exception) unless `legacy` accepts it, and every
 * path costs one full derivation at today's cost, so that none can be told
 * apart by timing.
 */
export async function verifyPassword(
  password: string,
  stored: string,
  legacy?: (password: string, stored: string) => boolean | Promise<boolean>,
): Promise<PasswordCheck> {
  const parsed = parseHash(stored);
  if (!parsed) {
    // A format we did not write (a seed-era hash, or garbage). Either way it
    // pays the same PBKDF2 run as an unknown email or a wrong v3 password
    // (issue 19 §2): without it, a wrong password on a seed-era account
    // answered faster and told those accounts apart. The adopter's verifier
    // (if any) runs on top; its own cost is the adopter's.
    // (The DUMMY_HASH guard only stops a recursion should it ever stop parsing.)
    if (stored !== DUMMY_HASH) await burnOneVerification(password);
    // A `!`-prefixed hash is no password at all (an account made by a provider sign-in,
    // db/social.ts NO_PASSWORD): never handed to the adopter's verifier.
    if (!legacy || stored === DUMMY_HASH || stored.startsWith("!")) return { ok: false, needsRehash: false };
    // A match is rehashed to PBKDF2 by the caller.
    const ok = (await legacy(password, stored)) === true;
    return { ok, needsRehash: ok };
  }
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  const ok = constantTimeEqual(candidate, parsed.hash);
  return { ok, needsRehash: ok && parsed.iterations < PBKDF2_ITERATIONS };
}

// Unknown emails are checked against this hash so "no such user" costs the
// same parse + PBKDF2 + compare as "wrong password": no account enumeration
// by timing. Its salt and hash are random bytes, not derived from any
// password, so no input can match it (that would need a SHA-256 preimage).
// A constant, so even the first request of an isolate pays the same cost.
export const DUMMY_HASH = `${SCHEME}$${PBKDF2_ITERATIONS}$2xMMoz9xKNdgpTHGw4pSfQ==$OkRRtdFrNjnlBxiv+cKf4Kc5iqXk5Z32VYgGfWw1qCw=`;

/** Spends the time of one real verification and always fails. */
export async function burnOneVerification(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_HASH);
}
