//! Reading the JavaScript options object of `new KeyRing(options)` into a key ring and
//! an optional clock, naming the first problem found.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::secret_bytes;
use crate::error::ConfigError;
use crate::options::{Policy, OPTION_LIST, OPTION_NAMES};
use crate::ring::KeyRing;
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
    let keys_value = get(options, "keys")?.ok_or_else(|| ConfigError::new("keys is required"))?;
    if !Array::is_array(&keys_value) {
        return Err(ConfigError::new("keys must be an array of { kid, secret }"));
    }
    let mut keys = Vec::new();
    for (i, entry) in keys_value.unchecked_ref::<Array>().iter().enumerate() {
        if !entry.is_object() {
            return Err(ConfigError::new(cat(&[
                T("keys["),
                N(i as u64),
                T("] must be { kid, secret }"),
            ])));
        }
        let field = |name: &str| cat(&[T("keys["), N(i as u64), T("]."), T(name)]);
        let kid = get_string(&entry, "kid")?
            .ok_or_else(|| ConfigError::new(cat(&[T(&field("kid")), T(" is required")])))?;
        let secret = get(&entry, "secret")?
            .ok_or_else(|| ConfigError::new(cat(&[T(&field("secret")), T(" is required")])))?;
        keys.push((kid, secret_bytes(&secret, &field("secret"))?));
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
    Ok((KeyRing::new(keys, &sign_with, policy)?, now))
}
