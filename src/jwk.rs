//! Ed25519 keys as JSON Web Keys (RFC 7517, OKP keys of RFC 8037) and JSON Web Key Sets.
//!
//! Two readers with different jobs:
//! - [`parse_jwk`]: one key given by the operator (configuration). Anything that is not
//!   an Ed25519 signing key is an error: a wrong `kty`, `crv`, `use`, `alg` or `key_ops`
//!   is refused rather than ignored, so a key meant for something else cannot be
//!   configured by mistake (algorithm confusion starts with a key used two ways).
//! - [`parse_jwks`]: a key set fetched from another service. Its size and key count are
//!   capped before and after parsing, duplicate `kid`s refuse the whole set (which key
//!   would a token mean?), a private member (`d`) refuses it (a published private key
//!   is a leak, not a key), and members for other algorithms (RSA, P-256, ...) are
//!   skipped: this verifier does not use them, and a set may legitimately hold them.
//!   A set with no usable key is an error, so a verifier fails closed.

use alloc::string::String;
use alloc::vec::Vec;
use sha2::{Digest, Sha256};

use crate::b64;
use crate::ed25519::EdKey;
use crate::error::ConfigError;
use crate::json::{self, Value};
use crate::ring::{MAX_KEYS, MAX_KID_BYTES};
use crate::text::{cat, Piece::*};

/// Largest JWKS text accepted: 16 Ed25519 keys take about 2 KB; real sets with RSA keys
/// next to them stay far below this.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most entries (of any algorithm) in a JWKS.
pub const MAX_JWKS_ENTRIES: usize = 64;

fn err(what: &str, rule: &str) -> ConfigError {
    ConfigError::new(cat(&[T(what), T(rule)]))
}

fn string_member<'v>(
    jwk: &'v Value<'_>,
    name: &str,
    what: &str,
) -> Result<Option<&'v str>, ConfigError> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(err(what, &cat(&[T("."), T(name), T(" must be a string")]))),
    }
}

fn key_bytes<const LEN: usize>(
    text: &str,
    what: &str,
    name: &str,
) -> Result<[u8; LEN], ConfigError> {
    b64::decode_exact::<LEN>(text).ok_or_else(|| {
        err(
            what,
            &cat(&[
                T("."),
                T(name),
                T(" must be "),
                N(LEN as u64),
                T(" bytes of canonical base64url"),
            ]),
        )
    })
}

/// A JWK's `kid` member: absent, or a non-empty string of at most 128 bytes.
fn kid_of(jwk: &Value<'_>, what: &str) -> Result<Option<String>, ConfigError> {
    match string_member(jwk, "kid", what)? {
        None => Ok(None),
        Some(k) if !k.is_empty() && k.len() <= MAX_KID_BYTES => Ok(Some(String::from(k))),
        Some(_) => Err(err(
            what,
            ".kid must be a non-empty string of at most 128 bytes",
        )),
    }
}

/// One configured Ed25519 JWK (see the module comment). Returns its `kid`, if it has
/// one, and the key (able to sign when `d` is present).
pub fn parse_jwk(jwk: &Value<'_>, what: &str) -> Result<(Option<String>, EdKey), ConfigError> {
    if !matches!(jwk, Value::Object(_)) {
        return Err(err(what, " must be a JWK object"));
    }
    if string_member(jwk, "kty", what)? != Some("OKP") {
        return Err(err(
            what,
            ".kty must be \"OKP\" (an Ed25519 key, RFC 8037); HS256 keys are given as { kid, secret }",
        ));
    }
    if string_member(jwk, "crv", what)? != Some("Ed25519") {
        return Err(err(what, ".crv must be \"Ed25519\""));
    }
    if !matches!(string_member(jwk, "use", what)?, None | Some("sig")) {
        return Err(err(what, ".use must be \"sig\" when present"));
    }
    if !matches!(string_member(jwk, "alg", what)?, None | Some("EdDSA")) {
        return Err(err(what, ".alg must be \"EdDSA\" when present"));
    }
    match jwk.get("key_ops") {
        None => {}
        Some(Value::Array(ops))
            if ops
                .iter()
                .all(|op| matches!(op.as_str(), Some("sign" | "verify"))) => {}
        Some(_) => return Err(err(what, ".key_ops may only list \"sign\" and \"verify\"")),
    }
    let kid = kid_of(jwk, what)?;
    let x = string_member(jwk, "x", what)?.ok_or_else(|| err(what, ".x is required"))?;
    let x: [u8; 32] = key_bytes(x, what, "x")?;
    let key = match string_member(jwk, "d", what)? {
        None => EdKey::from_public_bytes(&x, what)?,
        Some(d) => {
            let d: [u8; 32] = key_bytes(d, what, "d")?;
            let key = EdKey::from_seed(&d, what)?;
            // A JWK whose `x` is not the public half of its `d` would publish one key
            // and sign with another.
            if key.public_bytes() != x {
                return Err(err(what, ".x is not the public key of .d"));
            }
            key
        }
    };
    Ok((kid, key))
}

/// [`parse_jwk`] from JSON text.
pub fn parse_jwk_text(text: &str, what: &str) -> Result<(Option<String>, EdKey), ConfigError> {
    if text.len() > MAX_JWKS_BYTES {
        return Err(err(what, " is too large to be one JWK"));
    }
    let value = json::parse(text).map_err(|_| err(what, " is not valid JSON"))?;
    parse_jwk(&value, what)
}

/// Whether a JWKS entry is an Ed25519 signature key, i.e. one this verifier uses.
fn is_ed25519_sig(entry: &Value<'_>) -> bool {
    entry.get("kty").and_then(Value::as_str) == Some("OKP")
        && entry.get("crv").and_then(Value::as_str) == Some("Ed25519")
        && matches!(entry.get("use"), None | Some(Value::Str(_)))
        && entry
            .get("use")
            .and_then(Value::as_str)
            .is_none_or(|u| u == "sig")
        && entry
            .get("alg")
            .and_then(Value::as_str)
            .is_none_or(|a| a == "EdDSA")
}

/// A JWKS text into `(kid, public key)` pairs (see the module comment for the rules).
pub fn parse_jwks(text: &str) -> Result<Vec<(String, EdKey)>, ConfigError> {
    if text.len() > MAX_JWKS_BYTES {
        return Err(ConfigError::new(cat(&[
            T("the JWKS is "),
            N(text.len() as u64),
            T(" bytes, over the "),
            N(MAX_JWKS_BYTES as u64),
            T("-byte limit"),
        ])));
    }
    let value = json::parse(text).map_err(|_| ConfigError::new("the JWKS is not valid JSON"))?;
    let Some(Value::Array(entries)) = value.get("keys") else {
        return Err(ConfigError::new(
            "the JWKS must be an object with a \"keys\" array",
        ));
    };
    if entries.len() > MAX_JWKS_ENTRIES {
        return Err(ConfigError::new(cat(&[
            T("the JWKS has "),
            N(entries.len() as u64),
            T(" keys, over the limit of "),
            N(MAX_JWKS_ENTRIES as u64),
        ])));
    }
    let mut kids: Vec<String> = Vec::with_capacity(entries.len());
    let mut keys: Vec<(String, EdKey)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let what = cat(&[T("JWKS keys["), N(i as u64), T("]")]);
        if !matches!(entry, Value::Object(_)) {
            return Err(err(&what, " must be an object"));
        }
        let kid = kid_of(entry, &what)?;
        if let Some(kid) = &kid {
            if kids.contains(kid) {
                return Err(err(&what, ".kid is a duplicate: the JWKS is ambiguous"));
            }
            kids.push(kid.clone());
        }
        if !is_ed25519_sig(entry) {
            continue;
        }
        if entry.get("d").is_some() {
            return Err(err(
                &what,
                " holds a private key (d): a published JWKS must hold public keys only",
            ));
        }
        let kid = kid.ok_or_else(|| err(&what, ".kid is required (it selects the key)"))?;
        let (_, key) = parse_jwk(entry, &what)?;
        keys.push((kid, key));
    }
    if keys.is_empty() {
        return Err(ConfigError::new(
            "the JWKS holds no usable key (an Ed25519 signature key with a kid)",
        ));
    }
    if keys.len() > MAX_KEYS {
        return Err(ConfigError::new(cat(&[
            T("the JWKS holds more than "),
            N(MAX_KEYS as u64),
            T(" Ed25519 keys"),
        ])));
    }
    Ok(keys)
}

/// The public JWK of `key` as JSON text, in the member order RFC 8037 §2 shows:
/// `{"kty":"OKP","crv":"Ed25519","x":...,"kid":...,"alg":"EdDSA","use":"sig"}`.
pub fn public_jwk_json(kid: &str, key: &EdKey) -> String {
    let mut s = String::from(r#"{"kty":"OKP","crv":"Ed25519","x":""#);
    b64::encode_into(&key.public_bytes(), &mut s);
    s.push_str(r#"","kid":"#);
    json::write_string(&mut s, kid);
    s.push_str(r#","alg":"EdDSA","use":"sig"}"#);
    s
}

/// The RFC 7638 thumbprint of an Ed25519 public key (RFC 8037 §2 names the members:
/// `crv`, `kty`, `x`, in that order): a stable default `kid`.
pub fn thumbprint(key: &EdKey) -> String {
    let mut input = String::from(r#"{"crv":"Ed25519","kty":"OKP","x":""#);
    b64::encode_into(&key.public_bytes(), &mut input);
    input.push_str("\"}");
    b64::encode(&Sha256::digest(input.as_bytes()))
}
