/**
 * WebAuthn sends ES256 signatures as ASN.1 DER (`SEQUENCE { INTEGER r, INTEGER s }`,
 * WebAuthn §6.5.6); WebCrypto verifies only the fixed-size `r || s` form (IEEE P1363).
 *
 * Why by hand: the maintained decoder (@oslojs/crypto's `decodePKIXECDSASignature`)
 * brings a general ASN.1 parser and JavaScript curve arithmetic with it, about 27 KB of
 * the minified Worker that every cold isolate parses (bench/notes.md, "Start-up"), for
 * this one six-byte-header structure. This decoder accepts strictly less than that one
 * (DER only, exactly two positive minimal INTEGERs, nothing after them); the Worker
 * tests check it against @oslojs on real and malformed signatures (js/test/ecdsaSignature.test.ts).
 * It never throws: malformed input is `null`, which the caller treats as a bad signature.
 */
export function derToP1363(der: Uint8Array, size: number): Uint8Array | null {
  // SEQUENCE with a short-form length: two INTEGERs of at most size + 1 bytes
  // (a 0x00 before a high bit) fit in 2 * (2 + size + 1) ≤ 127 bytes for P-256.
  if (der.length < 2 || der[0] !== 0x30 || der[1]! > 0x7f || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(2 * size);
  let at = 2;
  for (let half = 0; half < 2; half++) {
    if (at + 2 > der.length || der[at] !== 0x02) return null;
    const len = der[at + 1]!;
    const start = at + 2;
    if (len === 0 || len > 0x7f || start + len > der.length) return null;
    const first = der[start]!;
    // DER INTEGERs are two's complement: a set high bit is negative (never valid
    // here), and a leading 0x00 is allowed only to clear the high bit of the next byte.
    if (first & 0x80) return null;
    if (first === 0x00 && len > 1 && !(der[start + 1]! & 0x80)) return null;
    const magnitude = first === 0x00 && len > 1 ? der.subarray(start + 1, start + len) : der.subarray(start, start + len);
    if (magnitude.length > size) return null;
    out.set(magnitude, half * size + size - magnitude.length);
    at = start + len;
  }
  return at === der.length ? out : null;
}
