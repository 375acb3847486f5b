//! The seed's drop-in functions (`generateJWT`, `verifyJWT`, `isJWT`, `deriveKid`),
//! backed by a small per-instance cache of key rings.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;

use super::{
    is_last_secret, js_err, make_user, new_jti, now_seconds, secret_bytes, set_last_secret,
    with_token,
};
use crate::error::ConfigError;
use crate::json::write_string;
use crate::key::{derive_kid as kid_of, HmacKey};
use crate::options::{Policy, DEFAULT_MAX_TOKEN_BYTES};
use crate::ring::{check_lifetime, format_int, KeyRing};
use crate::text::{cat, Piece::*};

/// Distinct secrets a process realistically uses at once (current and previous).
const DROP_IN_CACHE: usize = 4;

/// Rings by secret bytes, most recently used first.
type RingCache = Vec<(Vec<u8>, Arc<KeyRing>)>;
static RINGS: spin::Mutex<RingCache> = spin::Mutex::new(Vec::new());
/// The ring of the last string secret, which the JS side remembers (`is_last_secret`).
static LAST_STRING_RING: spin::Mutex<Option<Arc<KeyRing>>> = spin::Mutex::new(None);

fn cache_busy() -> ConfigError {
    ConfigError::new("verifyJWT/generateJWT re-entered")
}

/// The key ring for one secret, built on first use. Later calls with the same secret
/// reuse its prepared HMAC state, so `verifyJWT` costs what `KeyRing.verify` costs.
fn drop_in_ring(secret: &JsValue) -> Result<Arc<KeyRing>, ConfigError> {
    if is_last_secret(secret) {
        if let Some(ring) = LAST_STRING_RING.try_lock().ok_or_else(cache_busy)?.as_ref() {
            return Ok(Arc::clone(ring));
        }
    }
    let ring = ring_for_bytes(secret)?;
    if secret.is_string() {
        *LAST_STRING_RING.try_lock().ok_or_else(cache_busy)? = Some(Arc::clone(&ring));
        set_last_secret(secret);
    }
    Ok(ring)
}

fn ring_for_bytes(secret: &JsValue) -> Result<Arc<KeyRing>, ConfigError> {
    let bytes = secret_bytes(secret, "secret")?;
    let mut rings = RINGS.try_lock().ok_or_else(cache_busy)?;
    if let Some(pos) = rings.iter().position(|(s, _)| *s == bytes) {
        let hit = rings.remove(pos);
        let ring = Arc::clone(&hit.1);
        rings.insert(0, hit);
        return Ok(ring);
    }
    let ring = Arc::new(KeyRing::drop_in(bytes.clone(), Policy::default())?);
    rings.insert(0, (bytes, Arc::clone(&ring)));
    rings.truncate(DROP_IN_CACHE);
    Ok(ring)
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
            return Err(js_err(ConfigError::new(cat(&[
                T(field),
                T(" is "),
                N(v.len() as u64),
                T(" bytes; at most "),
                N(MAX_PROFILE_FIELD_BYTES as u64),
                T(" are accepted"),
            ]))));
        }
    }
    let now = crate::num::floor(now_seconds());
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
/// `sub`/`email`/`name`/`exp`, ...). Throws only for a secret under 32 bytes.
///
/// Accepts what seed-era signers wrote besides `generateJWT`: no `iat` (the user then
/// has none), no `jti`, any `kid` header (one secret: the `kid` selects nothing), extra
/// claims. The strict rules stay: alg pinning, MAC before claims, canonical base64url,
/// size, `typ`, claim types, `exp`/`nbf`/`iat` against the clock.
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
    let (Some(sub), Some(email), Some(name), Some(exp)) = (&c.sub, &c.email, &c.name, c.exp) else {
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
    Ok(make_user(
        &text,
        a,
        b,
        e,
        c.iat.is_some(),
        c.iat.unwrap_or(0.0),
        exp,
        has_jti,
    ))
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
