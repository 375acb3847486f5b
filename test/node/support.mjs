// Shared helpers for the Node suites (no tests here): raw token signing with
// node:crypto and a strict reference verifier used by the differential test.
import { createHmac, timingSafeEqual } from "node:crypto";

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

// ---------------------------------------------------------------------------------
// Strict reference verifier.

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Strict, canonical, unpadded base64url -> Buffer, or null. */
export function strictB64u(s) {
  if (!B64URL.test(s) || s.length % 4 === 1) return null;
  const buf = Buffer.from(s, "base64url");
  // Canonical: re-encoding gives the same text (unused low bits of the last char are 0).
  return buf.toString("base64url") === s ? buf : null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * RFC 8259 grammar check with duplicate-key detection (keys compared after unescaping)
 * and a depth limit; returns JSON.parse's value, or throws.
 */
export function strictJsonParse(text, maxDepth = 16) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (why) => {
    throw new SyntaxError(`${why} at ${i}`);
  };
  const str = () => {
    const start = i;
    if (text[i] !== '"') fail("string expected");
    i++;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail("control char");
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("bad \\u");
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e) || e === undefined) fail("bad escape");
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (depth) => {
    ws();
    const c = text[i];
    if (c === "{") {
      if (depth + 1 > maxDepth) fail("too deep");
      i++;
      const seen = new Set();
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        const k = str();
        if (seen.has(k)) fail("duplicate key");
        seen.add(k);
        ws();
        if (text[i] !== ":") fail(": expected");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(", or } expected");
      }
    }
    if (c === "[") {
      if (depth + 1 > maxDepth) fail("too deep");
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(", or ] expected");
      }
    }
    if (c === '"') return void str();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) fail("value expected");
    i += m[0].length;
  };
  value(0);
  ws();
  if (i !== text.length) fail("trailing data");
  return JSON.parse(text);
}

const REFUSED = ["crit", "jwk", "jku", "x5u", "x5c", "b64", "zip"];
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isDate = (v) => typeof v === "number" && Number.isFinite(v);
const bareTyp = (t) => (t.slice(0, 12).toLowerCase() === "application/" ? t.slice(12) : t).toLowerCase();

/**
 * The strict reference verifier. `keys`: Map kid -> secret (string); `typs`: accepted
 * typ values (RFC 7515 4.1.9: compared case-insensitively, "application/" optional).
 * Returns true iff the token must be accepted.
 */
export function referenceVerify(token, { keys, now, typs = ["JWT"], maxTokenBytes = 8192, leeway = 0 }) {
  if (typeof token !== "string" || Buffer.byteLength(token) > maxTokenBytes) return false;
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [h, p, s] = parts.map(strictB64u);
  if (!h || !p || !s || s.length !== 32) return false;
  let header, claims;
  try {
    header = strictJsonParse(utf8.decode(h));
  } catch {
    return false;
  }
  if (!isObj(header) || header.alg !== "HS256") return false;
  if (REFUSED.some((k) => Object.hasOwn(header, k))) return false;
  let candidates;
  if (Object.hasOwn(header, "kid")) {
    if (typeof header.kid !== "string" || !keys.has(header.kid)) return false;
    candidates = [keys.get(header.kid)];
  } else {
    candidates = [...keys.values()];
  }
  const input = `${parts[0]}.${parts[1]}`;
  const authentic = candidates.some((secret) =>
    timingSafeEqual(createHmac("sha256", secret).update(input).digest(), s),
  );
  if (!authentic) return false;
  if (Object.hasOwn(header, "typ")) {
    if (typeof header.typ !== "string") return false;
    if (!typs.some((t) => bareTyp(t) === bareTyp(header.typ))) return false;
  }
  try {
    claims = strictJsonParse(utf8.decode(p));
  } catch {
    return false;
  }
  if (!isObj(claims)) return false;
  if (typeof claims.sub !== "string") return false;
  if (!isDate(claims.exp) || !(now < claims.exp + leeway)) return false;
  for (const k of ["nbf", "iat"]) {
    if (Object.hasOwn(claims, k) && (!isDate(claims[k]) || claims[k] > now + leeway)) return false;
  }
  for (const k of ["jti", "iss"]) {
    if (Object.hasOwn(claims, k) && typeof claims[k] !== "string") return false;
  }
  if (Object.hasOwn(claims, "aud")) {
    const a = claims.aud;
    if (!(typeof a === "string" || (Array.isArray(a) && a.every((x) => typeof x === "string")))) return false;
  }
  return true;
}
