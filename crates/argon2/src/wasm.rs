//! The JavaScript API: `hashPassword`, `verifyPassword`, `argon2idOwaspCosts`. Converts
//! JS values at the boundary (options once, into a `Cost` / `VerifyPolicy`), then calls
//! the pure core. Programmer errors (bad options, a password that is not a string or
//! bytes) throw `Error("hybrid-auth: …")`; everything about a stored hash is a result.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, JsString, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::cost::{Cost, CostError, VerifyPolicy, DEFAULT_COST, OWASP_COSTS};
use crate::password::{self, HashError, MAX_PASSWORD_BYTES};
use crate::phc::MAX_PHC_BYTES;
use crate::Refusal;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Argon2id parameters: memory in KiB, passes, lanes. */
export interface Argon2idCost {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/**
 * The cost of new hashes. Default: m=19456 KiB, t=2, p=1 (OWASP). A field left out takes
 * its default. A cost below every OWASP row (see `argon2idOwaspCosts()`) throws unless
 * `allowBelowOwaspFloor` is true (meant for tests). memoryKiB is at most 65536.
 */
export interface HashPasswordOptions {
  memoryKiB?: number;
  timeCost?: number;
  parallelism?: number;
  allowBelowOwaspFloor?: boolean;
}

/**
 * The cost new hashes are made with (a stored hash with another cost verifies with
 * `needsRehash: true`), and the ceilings a stored hash must stay within, checked before
 * any memory is allocated. Defaults: maxMemoryKiB 47104, maxTimeCost 5, maxParallelism 1
 * (the largest of the OWASP rows). A stored hash below OWASP's floor is refused unless
 * `allowBelowOwaspFloor` is true.
 */
export interface VerifyPasswordOptions extends HashPasswordOptions {
  maxMemoryKiB?: number;
  maxTimeCost?: number;
  maxParallelism?: number;
}

export type VerifyPasswordResult =
  | { ok: true; needsRehash: boolean }
  | { ok: false; reason: VerifyPasswordReason };

/**
 * Hashes a password (at most 4096 UTF-8 bytes) with Argon2id and a random 16-byte salt
 * into a PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`. Synchronous: about 50 ms at
 * the default cost (bench/notes.md). Throws on bad options or a password too long.
 */
export function hashPassword(password: string | Uint8Array, options?: HashPasswordOptions): string;

/**
 * Verifies a password against a stored PHC string (untrusted input: a malformed or
 * tampered string is a refusal with a stable reason, never an exception).
 */
export function verifyPassword(
  password: string | Uint8Array,
  storedHash: string,
  options?: VerifyPasswordOptions,
): VerifyPasswordResult;

/** OWASP's five Argon2id settings, in the cheat sheet's order (fresh objects). */
export function argon2idOwaspCosts(): Argon2idCost[];
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_REASON: &'static str = crate::reason::REASON_TS;

const HASH_OPTIONS: [&str; 4] = [
    "memoryKiB",
    "timeCost",
    "parallelism",
    "allowBelowOwaspFloor",
];
const VERIFY_OPTIONS: [&str; 3] = ["maxMemoryKiB", "maxTimeCost", "maxParallelism"];

fn error(message: &str) -> JsError {
    let mut s = String::from("hybrid-auth: ");
    s.push_str(message);
    JsError::new(&s)
}

fn get(obj: &JsValue, name: &str) -> Result<Option<JsValue>, JsError> {
    let v = Reflect::get(obj, &JsValue::from_str(name))
        .map_err(|_| error("could not read an option"))?;
    Ok(if v.is_undefined() { None } else { Some(v) })
}

/// An option that must be an integer in `u32` range when present.
fn get_u32(obj: &JsValue, name: &str) -> Result<Option<u32>, JsError> {
    let Some(v) = get(obj, name)? else {
        return Ok(None);
    };
    match v.as_f64() {
        // `as` saturates; the round trip proves an integer in range (no `fract` in `no_std`).
        Some(n) if f64::from(n as u32) == n => Ok(Some(n as u32)),
        _ => {
            let mut s = String::from(name);
            s.push_str(" must be a non-negative integer");
            Err(error(&s))
        }
    }
}

/// Checks that `options` is undefined or an object naming only `allowed` keys.
fn check_keys(options: &JsValue, allowed: &[&[&str]]) -> Result<bool, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(false);
    }
    if !options.is_object() {
        return Err(error("options must be an object"));
    }
    for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.iter().any(|list| list.contains(&key.as_str())) {
            let mut s = String::from("unknown password option \"");
            s.push_str(&key);
            s.push('"');
            return Err(error(&s));
        }
    }
    Ok(true)
}

fn cost_error(e: CostError) -> JsError {
    error(e.message())
}

/// The hashing cost and the floor switch from an options object already key-checked.
fn read_cost(options: &JsValue, present: bool) -> Result<(Cost, bool), JsError> {
    if !present {
        return Ok((DEFAULT_COST, false));
    }
    let allow = match get(options, "allowBelowOwaspFloor")? {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| error("allowBelowOwaspFloor must be a boolean"))?,
    };
    let m = get_u32(options, "memoryKiB")?.unwrap_or(DEFAULT_COST.memory_kib());
    let t = get_u32(options, "timeCost")?.unwrap_or(DEFAULT_COST.time_cost());
    let p = get_u32(options, "parallelism")?.unwrap_or(DEFAULT_COST.parallelism());
    Ok((Cost::new(m, t, p, allow).map_err(cost_error)?, allow))
}

enum Password {
    Bytes(Vec<u8>),
    TooLong,
}

/// A `string` (its UTF-8) or `Uint8Array`. Length is checked before copying: a UTF-16
/// length over the limit means a UTF-8 length over it too.
fn password_bytes(v: &JsValue) -> Result<Password, JsError> {
    if let Some(s) = v.dyn_ref::<JsString>() {
        if s.length() as usize > MAX_PASSWORD_BYTES {
            return Ok(Password::TooLong);
        }
        let bytes = String::from(s).into_bytes();
        Ok(if bytes.len() > MAX_PASSWORD_BYTES {
            Password::TooLong
        } else {
            Password::Bytes(bytes)
        })
    } else if let Some(a) = v.dyn_ref::<Uint8Array>() {
        if a.length() as usize > MAX_PASSWORD_BYTES {
            return Ok(Password::TooLong);
        }
        Ok(Password::Bytes(a.to_vec()))
    } else {
        Err(error("password must be a string or a Uint8Array"))
    }
}

#[wasm_bindgen(js_name = hashPassword, skip_typescript)]
pub fn hash_password(password: JsValue, options: JsValue) -> Result<String, JsError> {
    let present = check_keys(&options, &[&HASH_OPTIONS])?;
    let (cost, _) = read_cost(&options, present)?;
    let Password::Bytes(bytes) = password_bytes(&password)? else {
        return Err(error(HashError::PasswordTooLong.message()));
    };
    password::hash_password(&bytes, cost).map_err(|e| error(e.message()))
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

#[wasm_bindgen(js_name = verifyPassword, skip_typescript)]
pub fn verify_password(
    password: JsValue,
    stored: JsValue,
    options: JsValue,
) -> Result<JsValue, JsError> {
    let present = check_keys(&options, &[&HASH_OPTIONS, &VERIFY_OPTIONS])?;
    let (target, allow) = read_cost(&options, present)?;
    let policy = if present {
        VerifyPolicy::new(
            target,
            get_u32(&options, "maxMemoryKiB")?,
            get_u32(&options, "maxTimeCost")?,
            get_u32(&options, "maxParallelism")?,
            allow,
        )
        .map_err(cost_error)?
    } else {
        VerifyPolicy::default()
    };
    let outcome = match password_bytes(&password)? {
        Password::TooLong => Err(Refusal::PasswordTooLong),
        Password::Bytes(bytes) => match stored.dyn_ref::<JsString>() {
            // Not a string (a NULL column, say), or too long to be ours: not copied.
            None => Err(Refusal::MalformedHash),
            Some(s) if s.length() as usize > MAX_PHC_BYTES => Err(Refusal::MalformedHash),
            Some(s) => password::verify_password(&bytes, &String::from(s), &policy),
        },
    };
    let result = Object::new();
    match outcome {
        Ok(v) => {
            set(&result, "ok", &JsValue::TRUE);
            set(&result, "needsRehash", &JsValue::from_bool(v.needs_rehash));
        }
        Err(reason) => {
            set(&result, "ok", &JsValue::FALSE);
            set(&result, "reason", &JsValue::from_str(reason.as_str()));
        }
    }
    Ok(result.into())
}

#[wasm_bindgen(js_name = argon2idOwaspCosts, skip_typescript)]
pub fn argon2id_owasp_costs() -> Array {
    OWASP_COSTS
        .iter()
        .map(|c| {
            let o = Object::new();
            set(&o, "memoryKiB", &JsValue::from(c.memory_kib()));
            set(&o, "timeCost", &JsValue::from(c.time_cost()));
            set(&o, "parallelism", &JsValue::from(c.parallelism()));
            JsValue::from(o)
        })
        .collect()
}
