/**
 * The published form of a revocation filter (issue 23): the Rust module's
 * filter bytes wrapped with what an isolate needs to trust and use them.
 *
 *   "HARV" | version 1 | 3 zero bytes | seq (u64 LE) | builtAtMs (f64 LE)
 *   | filter length (u32 LE) | filter bytes | HMAC-SHA256 of all before (32)
 *
 * `seq` is the highest revocation the filter is complete up to: an isolate
 * reads every row above it from D1, so an old filter is never wrong, only
 * larger to catch up on. The MAC is what makes that true: whoever can write
 * the store (KV) but not the secret cannot publish an empty filter with a
 * high `seq`, which would hide every revocation below it. It also refuses a
 * value cut short or mixed from two writes (a half-published filter).
 * The key is derived from the JWT secret with HKDF (a separate key for a
 * separate purpose): whoever can mint tokens could skip revocation anyway.
 */
const MAGIC = [0x48, 0x41, 0x52, 0x56]; // "HARV"
const VERSION = 1;
const HEADER = 4 + 1 + 3 + 8 + 8 + 4;
const MAC = 32;
/** The filter for 100 million users' ~1 million live entries measured ~2.3 MB (SECURITY.md); refuse to even MAC more than this. */
export const MAX_ENVELOPE_BYTES = 32 * 1024 * 1024;

export interface FilterEnvelope {
  seq: number;
  builtAtMs: number;
  filter: Uint8Array;
}

/** Why a stored value was refused: stable codes for logs and tests. */
export type EnvelopeRefusal = "too_short" | "too_large" | "bad_magic" | "unsupported_version" | "length_mismatch" | "bad_mac";

export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";
  constructor(readonly code: EnvelopeRefusal) {
    super(`revocation filter envelope refused: ${code}`);
  }
}

/** The HMAC key of the envelopes, from the JWT secret (HKDF-SHA256, its own `info`). */
export async function envelopeKey(secret: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("hybrid-auth revocation filter envelope v1") },
    ikm,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

export async function sealEnvelope(key: CryptoKey, envelope: FilterEnvelope): Promise<Uint8Array> {
  const out = new Uint8Array(HEADER + envelope.filter.byteLength + MAC);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  view.setBigUint64(8, BigInt(envelope.seq), true);
  view.setFloat64(16, envelope.builtAtMs, true);
  view.setUint32(24, envelope.filter.byteLength, true);
  out.set(envelope.filter, HEADER);
  const body = out.subarray(0, HEADER + envelope.filter.byteLength);
  out.set(new Uint8Array(await crypto.subtle.sign("HMAC", key, body)), body.byteLength);
  return out;
}

/** Checks the MAC before reading anything else of it, then the layout. Throws EnvelopeError. */
export async function openEnvelope(key: CryptoKey, bytes: Uint8Array): Promise<FilterEnvelope> {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) throw new EnvelopeError("too_large");
  if (bytes.byteLength < HEADER + MAC) throw new EnvelopeError("too_short");
  const body = bytes.subarray(0, bytes.byteLength - MAC);
  // WebCrypto's verify compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", key, bytes.subarray(body.byteLength), body))) throw new EnvelopeError("bad_mac");
  if (MAGIC.some((byte, i) => bytes[i] !== byte)) throw new EnvelopeError("bad_magic");
  if (bytes[4] !== VERSION || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw new EnvelopeError("unsupported_version");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = view.getBigUint64(8, true);
  const length = view.getUint32(24, true);
  if (seq > BigInt(Number.MAX_SAFE_INTEGER) || HEADER + length !== body.byteLength) throw new EnvelopeError("length_mismatch");
  return { seq: Number(seq), builtAtMs: view.getFloat64(16, true), filter: bytes.slice(HEADER, HEADER + length) };
}
