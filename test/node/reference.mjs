// A strict reference verifier written with node:crypto, independent of the Rust core,
// for the differential test. It gives the core's full answer, not only accept/reject:
// the reason code (checks in the core's documented order: size, shape, header, MAC,
// typ, payload, claim types, required claims, issuer, audience, nbf, iat, exp), the
// verifying kid and the claims (also on `expired`), and the seed's AuthUser.
import { createHmac, timingSafeEqual } from "node:crypto";

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Strict, canonical, unpadded base64url -> Buffer, or null. */
export function strictB64u(s) {
  if (!B64URL.test(s) || s.length % 4 === 1) return null;
  const buf = Buffer.from(s, "base64url");
  // Canonical: re-encoding gives the same text (unused low bits of the last char are 0).
  return buf.toString("base64url") === s ? buf : null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * RFC 8259 grammar check with duplicate-member detection (names compared after
 * unescaping), no lone surrogates, a depth limit and a per-object member limit; returns
 * JSON.parse's value, or throws.
 */
export function strictJsonParse(text, { maxDepth = 16, maxMembers = 256 } = {}) {
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
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail("bad escape");
      }
      i++;
    }
    i++;
    const value = JSON.parse(text.slice(start, i));
    if (LONE_SURROGATE.test(value)) fail("lone surrogate");
    return value;
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
        if (seen.size === maxMembers) fail("too many members");
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
const has = (o, k) => Object.hasOwn(o, k);

/** Parses a segment's bytes as a strict JSON object text, or returns undefined. */
function jsonSegment(b64, limits) {
  const bytes = strictB64u(b64);
  if (!bytes) return undefined;
  try {
    return { value: strictJsonParse(utf8.decode(bytes), limits) };
  } catch {
    return undefined;
  }
}

/**
 * The reference verifier. Returns `{ ok: true, kid, claims }`, `{ ok: false, reason:
 * "expired", claims }` or `{ ok: false, reason }`, as `KeyRing.verify` does.
 *   keys: Map kid -> secret
 *   kidRule: "select" (a kid names the one key; KeyRing) or "ignore" (every key is
 *            tried whatever the kid holds; the seed's verifyJWT)
 *   typs: accepted typ values (RFC 7515 4.1.9: case-insensitive, "application/" optional)
 */
export function referenceVerify(
  token,
  { keys, kidRule = "select", now, typs = ["JWT"], maxTokenBytes = 8192, leeway = 0, requireSub = true, requireExp = true, issuer, audience },
) {
  const no = (reason) => ({ ok: false, reason });
  if (typeof token !== "string") return no("malformed");
  if (Buffer.byteLength(token) > maxTokenBytes) return no("too_large");
  const parts = token.split(".");
  if (parts.length !== 3) return no("malformed");
  const [h64, p64, s64] = parts;
  if (!h64 || !p64 || h64.length % 4 === 1 || p64.length % 4 === 1 || s64.length % 4 === 1) return no("malformed");

  // Header (before the MAC, so with a tight member limit).
  const header = jsonSegment(h64, { maxMembers: 16 })?.value;
  if (!isObj(header)) return no("malformed");
  if (typeof header.alg !== "string") return no("malformed");
  if (header.alg !== "HS256") return no("unsupported_alg");
  if (REFUSED.some((k) => has(header, k))) return no("unsupported_header");
  if (has(header, "typ") && typeof header.typ !== "string") return no("malformed");
  const selecting = kidRule === "select" && has(header, "kid");
  if (selecting && typeof header.kid !== "string") return no("malformed");

  // MAC.
  const mac = strictB64u(s64);
  if (!mac || mac.length !== 32) return no("bad_signature");
  const input = Buffer.from(`${h64}.${p64}`);
  const authentic = ([, secret]) => timingSafeEqual(createHmac("sha256", secret).update(input).digest(), mac);
  let key;
  if (selecting) {
    if (!keys.has(header.kid)) return no("unknown_kid");
    key = authentic([header.kid, keys.get(header.kid)]) ? header.kid : undefined;
  } else {
    key = [...keys].find(authentic)?.[0];
  }
  if (key === undefined) return no("bad_signature");
  if (has(header, "typ") && !typs.some((t) => bareTyp(t) === bareTyp(header.typ))) return no("bad_typ");

  // Payload and claims.
  const parsed = jsonSegment(p64, { maxMembers: 256 });
  if (!parsed || !isObj(parsed.value)) return no("malformed");
  const claims = parsed.value;
  for (const [k, v] of Object.entries(claims)) {
    const bad =
      (["sub", "jti", "iss"].includes(k) && typeof v !== "string") ||
      (["exp", "nbf", "iat"].includes(k) && !isDate(v)) ||
      (k === "aud" && !(typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"))));
    if (bad) return no("invalid_claims");
  }
  if ((requireSub && !has(claims, "sub")) || (requireExp && !has(claims, "exp"))) return no("invalid_claims");
  if (issuer !== undefined && claims.iss !== issuer) return no("wrong_issuer");
  if (audience !== undefined) {
    const aud = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
    if (!aud.includes(audience)) return no("wrong_audience");
  }
  if (has(claims, "nbf") && claims.nbf > now + leeway) return no("not_yet_valid");
  if (has(claims, "iat") && claims.iat > now + leeway) return no("issued_in_future");
  if (has(claims, "exp") && !(now < claims.exp + leeway)) return { ok: false, reason: "expired", claims };
  return { ok: true, kid: key, claims };
}

/**
 * The seed's verifyJWT(token, secret) by the reference: one secret, kid ignored, the
 * default policy; the AuthUser of an accepted token that has string sub/email/name, or
 * null. `iat` and `jti` are present exactly when the token has them.
 */
export function referenceVerifyJWT(token, secret, now) {
  const r = referenceVerify(token, { keys: new Map([["the-secret", secret]]), kidRule: "ignore", now });
  if (!r.ok) return null;
  const c = r.claims;
  if (typeof c.email !== "string" || typeof c.name !== "string") return null;
  const user = { id: c.sub, email: c.email, name: c.name };
  if (has(c, "iat")) user.iat = c.iat;
  user.exp = c.exp;
  if (has(c, "jti")) user.jti = c.jti;
  return user;
}
