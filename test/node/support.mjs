// Shared helpers for the Node suites (no tests here): raw token signing with
// node:crypto. The strict reference verifier is in reference.mjs.
import { createHmac } from "node:crypto";

export const SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"; // 50 bytes
export const SECRET_OLD = "old-secret-9876543210-ZYXWVUTSRQPONMLKJIHGFEDCBA"; // 48 bytes
export const OTHER_SECRET = "a-completely-different-secret-of-enough-length!!";

export const enc = new TextEncoder();
export const b64u = (data) =>
  Buffer.from(typeof data === "string" ? enc.encode(data) : data).toString("base64url");

/** HS256 over `headerB64.payloadB64` (segments given already encoded). */
export function macB64(signingInput, secret) {
  return createHmac("sha256", secret).update(signingInput).digest("base64url");
}

/**
 * Builds a token from a header and payload, each an object (JSON.stringify'd) or a raw
 * JSON string (to write duplicate keys, whitespace, escapes), or a Buffer of raw bytes.
 */
export function signRaw(header, payload, secret) {
  const seg = (v) =>
    Buffer.isBuffer(v) ? b64u(v) : b64u(typeof v === "string" ? v : JSON.stringify(v));
  const input = `${seg(header)}.${seg(payload)}`;
  return `${input}.${macB64(input, secret)}`;
}

/** A deterministic PRNG (mulberry32) so failures are reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}
