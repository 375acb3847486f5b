//! The JavaScript API. Converts JS values at the boundary, then hands plain Rust values
//! to the pure core. Results cross back in one boundary call rather than one per
//! property: `verifyJWT`'s user as one string plus offsets (sliced by `make_user`), the
//! key ring's claims as one JSON text parsed by the engine's own `JSON.parse`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::ConfigError;
use crate::json::write_string;
use crate::key::{derive_kid as kid_of, HmacKey};
use crate::options::{Policy, DEFAULT_MAX_TOKEN_BYTES};
use crate::reason::Reason;
use crate::ring::{check_lifetime, format_int, KeyRing, Rejected, SignRequest, Verified};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** The user a valid token names (`id` is the `sub` claim). */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  iat: number;
  exp: number;
  jti?: string;
}

/** A secret: a string (its UTF-8 bytes are the key) or raw bytes. At least 32 bytes. */
export type Secret = string | Uint8Array;

export interface KeyRingKey {
  /** Public key id written into the `kid` header of tokens this key signs. */
  kid: string;
  secret: Secret;
}

export interface KeyRingOptions {
  keys: KeyRingKey[];
  /** The `kid` of the key that signs. The other keys only verify (rotation). */
  signWith: string;
  /** When set, `iss` is required and must equal it; `sign` adds it. */
  issuer?: string;
  /** When set, `aud` is required and must contain it; `sign` adds it. */
  audience?: string;
  /** Clock skew tolerated on exp/nbf/iat, 0..300 seconds. Default 0. */
  leewaySeconds?: number;
  /** Tokens longer than this are refused before decoding. Default 8192. */
  maxTokenBytes?: number;
  /** Extra accepted `typ` header values besides "JWT", e.g. ["at+jwt"]. */
  typ?: string[];
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

/** Stable reason codes for a refused token. */
export type VerifyReason =
  | "malformed"
  | "too_large"
  | "unsupported_alg"
  | "unsupported_header"
  | "unknown_kid"
  | "bad_signature"
  | "bad_typ"
  | "invalid_claims"
  | "wrong_issuer"
  | "wrong_audience"
  | "not_yet_valid"
  | "issued_in_future"
  | "expired";

export type VerifyResult =
  | { ok: true; kid: string; claims: JwtClaims }
  | { ok: false; reason: "expired"; claims: JwtClaims }
  | { ok: false; reason: Exclude<VerifyReason, "expired"> };
"#;

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
export function make_user(text, a, b, c, iat, exp, hasJti) {
  const user = { id: text.slice(0, a), email: text.slice(a, b), name: text.slice(b, c), iat, exp };
  if (hasJti) user.jti = text.slice(c);
  return user;
}
"#)]
extern "C" {
    fn set_memory(memory: JsValue);
    fn encode_into(s: &JsValue, ptr: u32, cap: u32) -> i32;
    fn make_user(text: &str, a: u32, b: u32, c: u32, iat: f64, exp: f64, has_jti: bool) -> JsValue;
}

/// What reading a token argument found.
enum TokenArg {
    NotAString,
    TooLarge,
}

thread_local! {
    /// Reused input buffer (one per isolate: wasm here is single-threaded).
    static TOKEN_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static MEMORY_SET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` on the token's UTF-8 text if it is a string of at most `max` bytes.
/// `f` must not call into JavaScript (which could re-enter and find the buffer borrowed).
fn with_token<R>(token: &JsValue, max: usize, f: impl FnOnce(&str) -> R) -> Result<R, TokenArg> {
    if !MEMORY_SET.with(|m| m.replace(true)) {
        set_memory(wasm_bindgen::memory());
    }
    TOKEN_BUF.with(|cell| {
        let mut buf = cell.borrow_mut();
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
        let text = buf.get(..len).and_then(|b| std::str::from_utf8(b).ok());
        text.map(f).ok_or(TokenArg::NotAString)
    })
}

fn js_err(e: ConfigError) -> JsError {
    JsError::new(&e.to_string())
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
        Err(ConfigError::new(format!(
            "{what} must be a string or a Uint8Array"
        )))
    }
}

fn new_jti() -> Result<String, ConfigError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| {
        ConfigError::new("no secure random source (crypto.getRandomValues) is available")
    })?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}

// ---------------------------------------------------------------------------------
// The seed's drop-in functions, backed by a small per-isolate cache of key rings.
// ---------------------------------------------------------------------------------

/// Distinct secrets a process realistically uses at once (current and previous).
const DROP_IN_CACHE: usize = 4;

thread_local! {
    static RINGS: RefCell<Vec<(Vec<u8>, Rc<KeyRing>)>> = const { RefCell::new(Vec::new()) };
    /// The last string secret seen and its ring. JS strings are immutable, so `===`
    /// equality (one cheap call) proves it is the same key without copying its bytes
    /// into wasm. Uint8Array secrets can change in place and always take the slow path.
    static LAST_STRING: RefCell<Option<(JsValue, Rc<KeyRing>)>> = const { RefCell::new(None) };
}

/// The key ring for one secret, built on first use. Later calls with the same secret
/// reuse its prepared HMAC state, so `verifyJWT` costs what `KeyRing.verify` costs.
fn drop_in_ring(secret: &JsValue) -> Result<Rc<KeyRing>, ConfigError> {
    let hit = LAST_STRING.with(|last| {
        last.borrow()
            .as_ref()
            .filter(|(s, _)| s == secret)
            .map(|(_, ring)| Rc::clone(ring))
    });
    if let Some(ring) = hit {
        return Ok(ring);
    }
    let ring = ring_for_bytes(secret)?;
    if secret.is_string() {
        LAST_STRING.with(|last| *last.borrow_mut() = Some((secret.clone(), Rc::clone(&ring))));
    }
    Ok(ring)
}

fn ring_for_bytes(secret: &JsValue) -> Result<Rc<KeyRing>, ConfigError> {
    let bytes = secret_bytes(secret, "secret")?;
    RINGS.with(|cell| {
        let mut rings = cell.borrow_mut();
        if let Some(pos) = rings.iter().position(|(s, _)| *s == bytes) {
            let hit = rings.remove(pos);
            let ring = Rc::clone(&hit.1);
            rings.insert(0, hit);
            return Ok(ring);
        }
        let key = HmacKey::for_jwt(&bytes, "secret")?;
        let kid = kid_of(&key);
        let ring = Rc::new(KeyRing::new(
            vec![(kid.clone(), bytes.clone())],
            &kid,
            Policy::default(),
        )?);
        rings.insert(0, (bytes, Rc::clone(&ring)));
        rings.truncate(DROP_IN_CACHE);
        Ok(ring)
    })
}

/// Longest `userId`, `email` or `name` `generateJWT` accepts, in UTF-8 bytes.
const MAX_PROFILE_FIELD_BYTES: usize = 1024;

/// Signs the seed's token: header `{"alg":"HS256","typ":"JWT"}`, claims `sub`, `email`,
/// `name`, `iat`, `exp` and a random `jti` (UUID v4).
///
/// Throws an `Error` for a secret under 32 bytes, a lifetime that is not a whole number
/// of seconds between 1 and one year, or fields over 1024 bytes.
#[wasm_bindgen(js_name = generateJWT)]
pub fn generate_jwt(
    #[wasm_bindgen(js_name = "userId")] user_id: &str,
    email: &str,
    name: &str,
    #[wasm_bindgen(unchecked_param_type = "Secret")] secret: JsValue,
    #[wasm_bindgen(js_name = "expiresInSeconds")] expires_in_seconds: f64,
) -> Result<String, JsError> {
    let ring = drop_in_ring(&secret).map_err(js_err)?;
    check_lifetime(expires_in_seconds).map_err(js_err)?;
    if user_id.is_empty() {
        return Err(js_err(ConfigError::new(
            "userId must be a non-empty string",
        )));
    }
    for (field, v) in [("userId", user_id), ("email", email), ("name", name)] {
        if v.len() > MAX_PROFILE_FIELD_BYTES {
            return Err(js_err(ConfigError::new(format!(
                "{field} is {} bytes; at most {MAX_PROFILE_FIELD_BYTES} are accepted",
                v.len()
            ))));
        }
    }
    let now = now_seconds().floor();
    let mut payload = String::with_capacity(160 + user_id.len() + email.len() + name.len());
    payload.push_str("{\"sub\":");
    write_string(&mut payload, user_id);
    payload.push_str(",\"email\":");
    write_string(&mut payload, email);
    payload.push_str(",\"name\":");
    write_string(&mut payload, name);
    payload.push_str(",\"iat\":");
    payload.push_str(&format_int(now));
    payload.push_str(",\"exp\":");
    payload.push_str(&format_int(now + expires_in_seconds));
    payload.push_str(",\"jti\":");
    write_string(&mut payload, &new_jti().map_err(js_err)?);
    payload.push('}');
    ring.sign_plain(&payload).map_err(js_err)
}

/// Verifies a token signed with `secret` and returns its user, or `null` for any token
/// that is not valid now (malformed, forged, expired, wrong algorithm, missing
/// `sub`/`email`/`name`/`iat`/`exp`, ...). Throws only for a secret under 32 bytes.
#[wasm_bindgen(js_name = verifyJWT, unchecked_return_type = "AuthUser | null")]
pub fn verify_jwt(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Secret")] secret: JsValue,
) -> Result<JsValue, JsError> {
    let ring = drop_in_ring(&secret).map_err(js_err)?;
    let max = ring.policy().max_token_bytes;
    // Read the clock before borrowing the token buffer: no JS runs while it is borrowed.
    let now = now_seconds();
    let Ok(Ok(v)) = with_token(&token, max, |t| ring.verify(t, now)) else {
        return Ok(JsValue::NULL);
    };
    let c = &v.claims;
    let (Some(sub), Some(email), Some(name), Some(iat), Some(exp)) =
        (&c.sub, &c.email, &c.name, c.iat, c.exp)
    else {
        return Ok(JsValue::NULL);
    };
    // One string and a few offsets cross to JS, which slices out the fields: cheaper
    // than building JSON here and running JSON.parse there.
    let mut text = String::with_capacity(sub.len() + email.len() + name.len() + 36);
    let mut ends = [0u32; 3];
    for (end, field) in ends.iter_mut().zip([sub, email, name]) {
        text.push_str(field);
        *end = utf16_len(&text);
    }
    let has_jti = match &c.jti {
        Some(jti) => {
            text.push_str(jti);
            true
        }
        None => false,
    };
    let [a, b, e] = ends;
    Ok(make_user(&text, a, b, e, iat, exp, has_jti))
}

/// Offsets in JS strings count UTF-16 code units.
fn utf16_len(s: &str) -> u32 {
    let units = if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    };
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// A structural check for routing bearer tokens: three non-empty base64url segments
/// and a length between 16 and 8192 characters. Decodes nothing and proves nothing.
#[wasm_bindgen(js_name = isJWT)]
pub fn is_jwt(#[wasm_bindgen(unchecked_param_type = "string")] token: JsValue) -> bool {
    with_token(&token, DEFAULT_MAX_TOKEN_BYTES, |t| {
        crate::token::looks_like_jwt(t, DEFAULT_MAX_TOKEN_BYTES)
    })
    .unwrap_or(false)
}

/// The public key id for a secret (8 bytes of HMAC(secret, label), base64url): what
/// key rings built from deployment secrets put in `kid`. Reveals nothing of the secret.
#[wasm_bindgen(js_name = deriveKid)]
pub fn derive_kid(
    #[wasm_bindgen(unchecked_param_type = "Secret")] secret: JsValue,
) -> Result<String, JsError> {
    let bytes = secret_bytes(&secret, "secret").map_err(js_err)?;
    let key = HmacKey::for_jwt(&bytes, "secret").map_err(js_err)?;
    Ok(kid_of(&key))
}

fn parse_result(json: &str) -> Result<JsValue, JsError> {
    // The text was produced from strictly validated JSON; a failure here would be a bug.
    JSON::parse(json).map_err(|_| JsError::new("hybrid-auth: internal error building a result"))
}

// ---------------------------------------------------------------------------------
// KeyRing
// ---------------------------------------------------------------------------------

/// Keys, policy and clock for signing and verifying, built once per isolate.
///
/// Tokens with a `kid` are checked against that key only; tokens without one against
/// every key, so a secret can be rotated without logging anyone out.
#[wasm_bindgen(js_name = KeyRing)]
pub struct JsKeyRing {
    ring: KeyRing,
    now: Option<Function>,
}

const OPTION_NAMES: [&str; 8] = [
    "keys",
    "signWith",
    "issuer",
    "audience",
    "leewaySeconds",
    "maxTokenBytes",
    "typ",
    "now",
];

fn get(obj: &JsValue, name: &str) -> Result<Option<JsValue>, ConfigError> {
    let v = Reflect::get(obj, &JsValue::from_str(name))
        .map_err(|_| ConfigError::new(format!("could not read option {name}")))?;
    Ok(if v.is_undefined() { None } else { Some(v) })
}

fn get_string(obj: &JsValue, name: &str) -> Result<Option<String>, ConfigError> {
    match get(obj, name)? {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| ConfigError::new(format!("{name} must be a string"))),
    }
}

fn get_number(obj: &JsValue, name: &str) -> Result<Option<f64>, ConfigError> {
    match get(obj, name)? {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| ConfigError::new(format!("{name} must be a number"))),
    }
}

fn parse_options(options: &JsValue) -> Result<(KeyRing, Option<Function>), ConfigError> {
    if !options.is_object() {
        return Err(ConfigError::new("KeyRing needs an options object"));
    }
    for name in Object::keys(options.unchecked_ref::<Object>()).iter() {
        let name = name.as_string().unwrap_or_default();
        if !OPTION_NAMES.contains(&name.as_str()) {
            return Err(ConfigError::new(format!(
                "unknown KeyRing option \"{name}\" (expected one of: {})",
                OPTION_NAMES.join(", ")
            )));
        }
    }
    let keys_value = get(options, "keys")?.ok_or_else(|| ConfigError::new("keys is required"))?;
    if !Array::is_array(&keys_value) {
        return Err(ConfigError::new("keys must be an array of { kid, secret }"));
    }
    let mut keys = Vec::new();
    for (i, entry) in keys_value.unchecked_ref::<Array>().iter().enumerate() {
        if !entry.is_object() {
            return Err(ConfigError::new(format!(
                "keys[{i}] must be {{ kid, secret }}"
            )));
        }
        let kid = get_string(&entry, "kid")?
            .ok_or_else(|| ConfigError::new(format!("keys[{i}].kid is required")))?;
        let secret = get(&entry, "secret")?
            .ok_or_else(|| ConfigError::new(format!("keys[{i}].secret is required")))?;
        keys.push((kid, secret_bytes(&secret, &format!("keys[{i}].secret"))?));
    }
    let sign_with =
        get_string(options, "signWith")?.ok_or_else(|| ConfigError::new("signWith is required"))?;
    let mut policy = Policy {
        issuer: get_string(options, "issuer")?,
        audience: get_string(options, "audience")?,
        ..Policy::default()
    };
    if let Some(leeway) = get_number(options, "leewaySeconds")? {
        policy.leeway_seconds = leeway;
    }
    if let Some(max) = get_number(options, "maxTokenBytes")? {
        if !(max.is_finite() && max.fract() == 0.0 && max >= 0.0) {
            return Err(ConfigError::new("maxTokenBytes must be a whole number"));
        }
        policy.max_token_bytes = max as usize;
    }
    if let Some(typ) = get(options, "typ")? {
        if !Array::is_array(&typ) {
            return Err(ConfigError::new("typ must be an array of strings"));
        }
        for t in typ.unchecked_ref::<Array>().iter() {
            policy.typ.push(
                t.as_string()
                    .ok_or_else(|| ConfigError::new("typ must be an array of strings"))?,
            );
        }
    }
    let now = match get(options, "now")? {
        None => None,
        Some(f) => Some(
            f.dyn_into::<Function>()
                .map_err(|_| ConfigError::new("now must be a function returning seconds"))?,
        ),
    };
    Ok((KeyRing::new(keys, &sign_with, policy)?, now))
}

#[wasm_bindgen(js_class = KeyRing)]
impl JsKeyRing {
    /// Validates every option and prepares each key's HMAC state. Throws an `Error`
    /// naming the first problem (never echoing a secret).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "KeyRingOptions")] options: JsValue,
    ) -> Result<JsKeyRing, JsError> {
        let (ring, now) = parse_options(&options).map_err(js_err)?;
        Ok(JsKeyRing { ring, now })
    }

    /// The `kid` of the signing key.
    #[wasm_bindgen(getter, js_name = signingKid)]
    pub fn signing_kid(&self) -> String {
        self.ring.signing_kid().to_string()
    }

    fn now(&self) -> Result<f64, JsError> {
        match &self.now {
            None => Ok(now_seconds()),
            Some(f) => f
                .call0(&JsValue::NULL)
                .ok()
                .and_then(|v| v.as_f64())
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    JsError::new(
                        "hybrid-auth: the now() option must return a finite number of seconds",
                    )
                }),
        }
    }

    /// Signs `claims` (must include `sub`) with the signing key; `kid` goes in the
    /// header. Adds `iat` and `jti` when absent, `exp` from `expiresInSeconds` when the
    /// claims carry none, and the configured `iss`/`aud`.
    pub fn sign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] claims: JsValue,
        #[wasm_bindgen(js_name = "expiresInSeconds")] expires_in_seconds: Option<f64>,
    ) -> Result<String, JsError> {
        let json = JSON::stringify(&claims)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                JsError::new("hybrid-auth: claims must be a JSON-serialisable object")
            })?;
        let req = SignRequest {
            claims_json: &json,
            expires_in: expires_in_seconds,
            now: self.now()?,
        };
        self.ring.sign(&req, new_jti).map_err(js_err)
    }

    /// Verifies `token`: `{ ok: true, kid, claims }` or `{ ok: false, reason }`, where an
    /// `expired` result also carries the (authentic) claims. Never throws for any
    /// token; throws only if the injected clock misbehaves.
    #[wasm_bindgen(unchecked_return_type = "VerifyResult")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<JsValue, JsError> {
        let now = self.now()?;
        let max = self.ring.policy().max_token_bytes;
        let result = match with_token(&token, max, |t| self.ring.verify(t, now)) {
            Ok(r) => r,
            Err(TokenArg::TooLarge) => Err(Reason::TooLarge.into()),
            Err(TokenArg::NotAString) => Err(Reason::Malformed.into()),
        };
        let out = match result {
            Ok(v) => verified_json(&v),
            Err(Rejected { reason, expired }) => {
                let mut s = String::from("{\"ok\":false,\"reason\":\"");
                s.push_str(reason.code());
                s.push('"');
                if let Some(v) = expired {
                    s.push_str(",\"claims\":");
                    s.push_str(&v.payload);
                }
                s.push('}');
                s
            }
        };
        parse_result(&out)
    }
}

fn verified_json(v: &Verified) -> String {
    let mut s = String::with_capacity(v.payload.len() + 48);
    s.push_str("{\"ok\":true,\"kid\":");
    write_string(&mut s, &v.kid);
    s.push_str(",\"claims\":");
    s.push_str(&v.payload);
    s.push('}');
    s
}
