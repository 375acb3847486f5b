//! The JWK and JWKS readers of the build without Ed25519 (the `eddsa` feature off; see
//! src/ed25519_absent.rs for why the package ships that build). Every JWK this crate reads
//! is an Ed25519 key, so here the readers refuse at once, with the message that names
//! `hybrid-auth/eddsa`, and the JSON walking of src/jwk.rs is not linked into the module.

use alloc::string::String;
use alloc::vec::Vec;

use crate::ed25519::{absent, EdKey};
use crate::error::ConfigError;

pub fn parse_jwk_text(_text: &str, what: &str) -> Result<(Option<String>, EdKey), ConfigError> {
    Err(absent(what))
}

pub fn parse_jwks(_text: &str) -> Result<Vec<(String, EdKey)>, ConfigError> {
    Err(absent("jwks"))
}

pub fn public_jwk_json(_kid: &str, key: &EdKey) -> String {
    key.unreachable()
}

pub fn thumbprint(key: &EdKey) -> String {
    key.unreachable()
}
