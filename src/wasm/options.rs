//! Reading the JavaScript options object of `new KeyRing(options)` into a key ring and
//! an optional clock, naming the first problem found.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::secret_bytes;
#[cfg(feature = "eddsa")]
use crate::ed25519::EdKey;
use crate::error::ConfigError;
use crate::options::{Policy, OPTION_LIST, OPTION_NAMES};
use crate::ring::{Key, KeyRing};
use crate::text::{cat, Piece::*};

fn get(obj: &JsValue, name: &str) -> Result<Option<JsValue>, ConfigError> {
    let v = Reflect::get(obj, &JsValue::from_str(name))
        .map_err(|_| ConfigError::new(cat(&[T("could not read option "), T(name)])))?;
    Ok(if v.is_undefined() { None } else { Some(v) })
}

fn get_string(obj: &JsValue, name: &str) -> Result<Option<String>, ConfigError> {
    match get(obj, name)? {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| ConfigError::new(cat(&[T(name), T(" must be a string")]))),
    }
}

fn get_number(obj: &JsValue, name: &str) -> Result<Option<f64>, ConfigError> {
    match get(obj, name)? {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| ConfigError::new(cat(&[T(name), T(" must be a number")]))),
    }
}

pub(super) fn parse_options(options: &JsValue) -> Result<(KeyRing, Option<Function>), ConfigError> {
    if !options.is_object() {
        return Err(ConfigError::new("KeyRing needs an options object"));
    }
    for name in Object::keys(options.unchecked_ref::<Object>()).iter() {
        let name = name.as_string().unwrap_or_default();
        if !OPTION_NAMES.contains(&name.as_str()) {
            return Err(ConfigError::new(cat(&[
                T("unknown KeyRing option \""),
                T(&name),
                T("\" (expected one of: "),
                T(OPTION_LIST),
                T(")"),
            ])));
        }
    }
    // `jwks`: a verify-only ring from a key set's JSON text (another service's tokens).
    let jwks = get_string(options, "jwks")?;
    let sign_with = get_string(options, "signWith")?;
    let keys = match (get(options, "keys")?, &jwks) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new("give keys or jwks, not both"));
        }
        (None, None) => return Err(ConfigError::new("keys is required")),
        (None, Some(_)) => {
            if sign_with.is_some() {
                return Err(ConfigError::new(
                    "a ring built from jwks only verifies: signWith is not allowed",
                ));
            }
            None
        }
        (Some(keys_value), None) => Some(parse_keys(&keys_value)?),
    };
    let mut policy = Policy {
        issuer: get_string(options, "issuer")?,
        audience: get_string(options, "audience")?,
        ..Policy::default()
    };
    if let Some(leeway) = get_number(options, "leewaySeconds")? {
        policy.leeway_seconds = leeway;
    }
    if let Some(max) = get_number(options, "maxTokenBytes")? {
        if !(crate::num::is_whole(max) && max >= 0.0) {
            return Err(ConfigError::new("maxTokenBytes must be a whole number"));
        }
        policy.max_token_bytes = max as usize;
    }
    // `tokenType`: the type this ring writes and requires, in the place of "JWT" (RFC
    // 8725 §3.11; see `Policy::typ`); `typ` may still add other accepted ones.
    if let (Some(token_type), Some(first)) =
        (get_string(options, "tokenType")?, policy.typ.first_mut())
    {
        *first = token_type;
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
    let ring = match (keys, jwks) {
        (Some(keys), _) => {
            let sign_with = sign_with.ok_or_else(|| ConfigError::new("signWith is required"))?;
            KeyRing::with_keys(keys, Some(&sign_with), policy)?
        }
        (None, Some(jwks)) => KeyRing::from_jwks(&jwks, policy)?,
        (None, None) => return Err(ConfigError::new("keys is required")),
    };
    Ok((ring, now))
}

/// The key fields of a `keys` entry: exactly one of them says what the key is.
const KEY_FIELDS: [&str; 4] = ["secret", "jwk", "privateKey", "publicKey"];

fn parse_keys(keys_value: &JsValue) -> Result<Vec<(String, Key)>, ConfigError> {
    if !Array::is_array(keys_value) {
        return Err(ConfigError::new(
            "keys must be an array of { kid, secret } or { kid, jwk } (or privateKey, publicKey)",
        ));
    }
    let mut keys = Vec::new();
    for (i, entry) in keys_value.unchecked_ref::<Array>().iter().enumerate() {
        let field = |name: &str| cat(&[T("keys["), N(i as u64), T("]."), T(name)]);
        if !entry.is_object() {
            return Err(ConfigError::new(cat(&[
                T("keys["),
                N(i as u64),
                T("] must be { kid, secret } or { kid, jwk }"),
            ])));
        }
        let mut given = None;
        for name in KEY_FIELDS {
            if let Some(v) = get(&entry, name)? {
                if given.is_some() {
                    return Err(ConfigError::new(cat(&[
                        T("keys["),
                        N(i as u64),
                        T("] must have exactly one of secret, jwk, privateKey, publicKey"),
                    ])));
                }
                given = Some((name, v));
            }
        }
        let kid = get_string(&entry, "kid")?;
        let (name, value) = given.ok_or_else(|| {
            ConfigError::new(cat(&[
                T("keys["),
                N(i as u64),
                T("] needs one of secret (HS256), jwk, privateKey or publicKey (Ed25519)"),
            ]))
        })?;
        let what = field(name);
        let (kid, key) = match name {
            "secret" => {
                let secret = secret_bytes(&value, &what)?;
                (
                    kid,
                    Key::Hs256(crate::key::HmacKey::for_jwt(&secret, &what)?),
                )
            }
            // The build without Ed25519 refuses its key forms before reading them.
            #[cfg(not(feature = "eddsa"))]
            _ => return Err(crate::ed25519::absent(&what)),
            #[cfg(feature = "eddsa")]
            "jwk" => {
                // An object is serialised by the engine and read by the strict parser, so
                // both spellings meet the same rules.
                let text = match value.as_string() {
                    Some(t) => t,
                    None => js_sys::JSON::stringify(&value)
                        .ok()
                        .and_then(|s| s.as_string())
                        .ok_or_else(|| ConfigError::new(cat(&[T(&what), T(" must be a JWK")])))?,
                };
                let (jwk_kid, key) = crate::jwk::parse_jwk_text(&text, &what)?;
                let kid = match (kid, jwk_kid) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(ConfigError::new(cat(&[
                            T(&field("kid")),
                            T(" differs from the JWK's kid"),
                        ])))
                    }
                    (Some(a), _) => Some(a),
                    (None, b) => b,
                };
                (
                    kid.or_else(|| Some(crate::jwk::thumbprint(&key))),
                    Key::Ed25519(key),
                )
            }
            #[cfg(feature = "eddsa")]
            "privateKey" => {
                let der = der_bytes(&value, &what)?;
                (kid, Key::Ed25519(EdKey::from_pkcs8(&der, &what)?))
            }
            #[cfg(feature = "eddsa")]
            _ => {
                let der = der_bytes(&value, &what)?;
                (kid, Key::Ed25519(EdKey::from_spki_or_raw(&der, &what)?))
            }
        };
        let kid =
            kid.ok_or_else(|| ConfigError::new(cat(&[T(&field("kid")), T(" is required")])))?;
        keys.push((kid, key));
    }
    Ok(keys)
}

#[cfg(feature = "eddsa")]
/// DER key bytes: a `Uint8Array` only (a string here is more likely PEM or base64 text,
/// whose UTF-8 bytes are no key).
fn der_bytes(v: &JsValue, what: &str) -> Result<Vec<u8>, ConfigError> {
    v.dyn_ref::<js_sys::Uint8Array>()
        .map(|b| b.to_vec())
        .ok_or_else(|| ConfigError::new(cat(&[T(what), T(" must be a Uint8Array (DER)")])))
}
