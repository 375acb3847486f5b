//! The JavaScript API. Converts JS values at the boundary, then hands plain Rust values
//! to the pure core. This file is the boundary glue (TypeScript declarations, the token
//! copy, errors, secrets, random ids); `drop_in` holds the seed's functions and their
//! key-ring cache, `key_ring` the `KeyRing` class, `options` its options parsing. Results cross back in one boundary call rather than one per
//! property: `verifyJWT`'s user as one string plus offsets (sliced by `make_user`), the
//! key ring's claims as one JSON text parsed by the engine's own `JSON.parse`.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::ConfigError;
use crate::text::{self, cat, Piece::*};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/**
 * The user a valid token names (`id` is the `sub` claim). `iat` and `jti` are present
 * when the token has them: `generateJWT` always writes both, while tokens from other
 * signers (jose, jsonwebtoken, hono/jwt, fast-jwt, ...) often carry neither.
 */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  iat?: number;
  exp: number;
  jti?: string;
}

/** A secret: a string (its UTF-8 bytes are the key) or raw bytes. At least 32 bytes. */
export type Secret = string | Uint8Array;

/** An Ed25519 JSON Web Key (RFC 8037): public (`x`), or private too (`d`). */
export interface Ed25519Jwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  d?: string;
  kid?: string;
  alg?: "EdDSA";
  use?: "sig";
  key_ops?: ("sign" | "verify")[];
}

/**
 * One key of a ring, with exactly one key field: `secret` (HS256), or an Ed25519 key
 * ("EdDSA", RFC 8037) as `jwk`, `privateKey` (PKCS#8 DER) or `publicKey` (SPKI DER or
 * the raw 32 bytes). The algorithm is the key's: a token naming another is refused.
 */
export type KeyRingKey =
  | { /** Public key id written into the `kid` header of tokens this key signs. */ kid: string; secret: Secret }
  | { /** Defaults to the JWK's `kid`, else its RFC 7638 thumbprint. */ kid?: string; jwk: Ed25519Jwk | string }
  | { kid: string; privateKey: Uint8Array }
  | { kid: string; publicKey: Uint8Array };

export interface KeyRingOptions {
  /** The keys (give `keys` with `signWith`, or `jwks`). */
  keys?: KeyRingKey[];
  /**
   * A JWKS's JSON text instead of `keys`: a ring that only verifies, with the set's
   * Ed25519 keys (capped size and count; duplicate kids, private members, malformed
   * JSON or no usable key throw).
   */
  jwks?: string;
  /** The `kid` of the key that signs (required with `keys`). The other keys only verify (rotation). */
  signWith?: string;
  /** When set, `iss` is required and must equal it; `sign` adds it. */
  issuer?: string;
  /** When set, `aud` is required and must contain it; `sign` adds it. */
  audience?: string;
  /** Clock skew tolerated on exp/nbf/iat, 0..300 seconds. Default 0. */
  leewaySeconds?: number;
  /** Tokens longer than this are refused before decoding. Default 8192. */
  maxTokenBytes?: number;
  /**
   * Extra accepted `typ` header values besides "JWT" (or besides `tokenType`), e.g.
   * ["at+jwt"]. A token without `typ` is judged as "JWT" (RFC 7519 §5.1).
   */
  typ?: string[];
  /**
   * The token type of this ring (explicit typing, RFC 8725 §3.11), e.g. "at+jwt" (RFC
   * 9068), in the place of "JWT": `sign` writes it as the `typ` header and `verify`
   * requires it (case-insensitive, an `application/` prefix ignored), so a token with no
   * `typ`, or with "JWT", is refused as `bad_typ`.
   */
  tokenType?: string;
  /** The clock, in seconds since the epoch. Default `Date.now() / 1000`. */
  now?: () => number;
}

/** Registered claims as they appear in a verified token, plus any others. */
export interface JwtClaims {
  sub: string;
  exp: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  iss?: string;
  aud?: string | string[];
  [claim: string]: unknown;
}

export type VerifyResult =
  | { ok: true; kid: string; claims: JwtClaims }
  | { ok: false; reason: "expired"; claims: JwtClaims }
  | { ok: false; reason: Exclude<VerifyReason, "expired"> };

/** What a native Ed25519 verifier checks for an EdDSA token (`KeyRing.ed25519Request`). */
export interface Ed25519Request {
  /** The key the ring selected. */
  kid: string;
  /** Its 32-byte raw public key (WebCrypto `importKey("raw", ..., "Ed25519")`). */
  publicKey: Uint8Array;
  /** The JWS signing input, `header.payload`. */
  message: Uint8Array;
  /** The 64-byte signature. */
  signature: Uint8Array;
}
"#;

// `VerifyReason`, generated from `Reason::ALL` (see reason.rs).
#[wasm_bindgen(typescript_custom_section)]
const TS_VERIFY_REASON: &'static str = crate::reason::VERIFY_REASON_TS;

// Copying a token into wasm memory with `TextEncoder.encodeInto` is several times faster
// than wasm-bindgen's per-character loop for `&str` arguments of JWT length, and lets a
// token over the size limit be refused before a single byte of it is copied.
#[wasm_bindgen(inline_js = r#"
const encoder = new TextEncoder();
let memory = null;
// A view of the token buffer, kept while the buffer and wasm memory stay where they
// are (the buffer is reused across calls), so a call allocates no typed array.
let view = null;
export function set_memory(m) { memory = m; }
export function encode_into(s, ptr, cap) {
  if (typeof s !== "string") return -1;
  if (s.length > cap) return -2;
  if (view === null || view.byteOffset !== ptr || view.length !== cap || view.buffer !== memory.buffer) {
    view = new Uint8Array(memory.buffer, ptr, cap);
  }
  const r = encoder.encodeInto(s, view);
  return r.read < s.length ? -2 : r.written;
}
// The last string secret given to verifyJWT/generateJWT. JS strings are immutable, so
// `===` (one cheap call) proves the key is the one whose ring Rust cached last, without
// copying its bytes into wasm. Uint8Array secrets can change in place: never cached.
let lastSecret = null;
export function is_last_secret(s) { return typeof s === "string" && s === lastSecret; }
export function set_last_secret(s) { lastSecret = s; }
export function make_user(text, a, b, c, hasIat, iat, exp, hasJti) {
  const user = { id: text.slice(0, a), email: text.slice(a, b), name: text.slice(b, c) };
  if (hasIat) user.iat = iat;
  user.exp = exp;
  if (hasJti) user.jti = text.slice(c);
  return user;
}
"#)]
extern "C" {
    fn set_memory(memory: JsValue);
    fn encode_into(s: &JsValue, ptr: u32, cap: u32) -> i32;
    fn is_last_secret(s: &JsValue) -> bool;
    fn set_last_secret(s: &JsValue);
    #[allow(clippy::too_many_arguments)]
    fn make_user(
        text: &str,
        a: u32,
        b: u32,
        c: u32,
        has_iat: bool,
        iat: f64,
        exp: f64,
        has_jti: bool,
    ) -> JsValue;
}

/// What reading a token argument found.
enum TokenArg {
    NotAString,
    TooLarge,
}

/// Reused input buffer (one per instance). wasm here is single-threaded, so the lock is
/// never contended; it is only ever held by `with_token`, which calls no JS that could
/// re-enter (and `try_lock` turns a re-entry into a refusal, not a hang).
static TOKEN_BUF: spin::Mutex<Vec<u8>> = spin::Mutex::new(Vec::new());
static MEMORY_SET: AtomicBool = AtomicBool::new(false);

/// Runs `f` on the token's UTF-8 text if it is a string of at most `max` bytes.
/// `f` must not call into JavaScript (which could re-enter and find the buffer borrowed).
fn with_token<R>(token: &JsValue, max: usize, f: impl FnOnce(&str) -> R) -> Result<R, TokenArg> {
    if !MEMORY_SET.swap(true, Ordering::Relaxed) {
        set_memory(wasm_bindgen::memory());
    }
    {
        let Some(mut buf) = TOKEN_BUF.try_lock() else {
            return Err(TokenArg::NotAString);
        };
        if buf.len() < max {
            buf.resize(max, 0);
        }
        let cap = u32::try_from(max).map_err(|_| TokenArg::TooLarge)?;
        // The pointer goes to JS as an integer; JS writes at most `cap` bytes there.
        let written = encode_into(token, buf.as_mut_ptr() as usize as u32, cap);
        let len = match written {
            -1 => return Err(TokenArg::NotAString),
            n if n < 0 => return Err(TokenArg::TooLarge),
            n => n as usize,
        };
        // encodeInto writes well-formed UTF-8; checking is cheap and keeps this safe code.
        let text = buf.get(..len).and_then(|b| core::str::from_utf8(b).ok());
        text.map(f).ok_or(TokenArg::NotAString)
    }
}

/// The JS boundary: a configuration error becomes an `Error` with the package prefix.
fn js_err(e: ConfigError) -> JsError {
    JsError::new(&text::cat(&[T("hybrid-auth: "), T(e.message())]))
}

fn now_seconds() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// Reads a `string | Uint8Array` secret. A string's key is its UTF-8 encoding.
fn secret_bytes(v: &JsValue, what: &str) -> Result<Vec<u8>, ConfigError> {
    if let Some(s) = v.as_string() {
        Ok(s.into_bytes())
    } else if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        Ok(bytes.to_vec())
    } else {
        Err(ConfigError::new(cat(&[
            T(what),
            T(" must be a string or a Uint8Array"),
        ])))
    }
}

fn new_jti() -> Result<String, ConfigError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| {
        ConfigError::new("no secure random source (crypto.getRandomValues) is available")
    })?;
    Ok(text::uuid_v4(bytes))
}

mod drop_in;
mod key_ring;
mod options;
