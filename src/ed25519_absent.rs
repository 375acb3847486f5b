//! The build without Ed25519 (the `eddsa` feature off): the package's default module.
//!
//! Why a separate build: Ed25519's field and curve arithmetic is about 68 KB of wasm,
//! nearly doubling the module every `createAuth` Worker compiles at each cold start,
//! for a feature only EdDSA adopters use (issue 24; bench/notes.md, "EdDSA placement").
//! So `hybrid-auth` is built without it and `hybrid-auth/eddsa` with it, from the same
//! source. Here [`EdKey`] cannot be made: every constructor refuses with a message
//! that names the module that has Ed25519, and a ring never holds such a key, so an
//! EdDSA token is refused as `unsupported_alg` before its signature is decoded, exactly
//! as by an HS256-only ring of the full build.

use crate::error::ConfigError;
use crate::text::{cat, Piece::*};

pub const PUBLIC_KEY_BYTES: usize = 32;
pub const SIGNATURE_BYTES: usize = 64;

/// Uninhabited: no value of it exists in this build.
#[derive(Clone, Debug)]
pub struct EdKey {
    never: core::convert::Infallible,
}

/// The refusal of every Ed25519 key in this build (also the JWK readers', src/jwk_absent.rs).
pub(crate) fn absent(what: &str) -> ConfigError {
    ConfigError::new(cat(&[
        T(what),
        T(": Ed25519 (EdDSA) keys need the EdDSA build: import KeyRing from \"hybrid-auth/eddsa\" (\"hybrid-auth\" is HS256 only, so HS256 Workers do not load Ed25519)"),
    ]))
}

impl EdKey {
    pub fn from_public_bytes(_bytes: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        Err(absent(what))
    }

    pub fn from_seed(_seed: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        Err(absent(what))
    }

    pub fn from_spki_or_raw(_der: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        Err(absent(what))
    }

    pub fn from_pkcs8(_der: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        Err(absent(what))
    }

    /// No value exists: code that holds one is unreachable.
    pub fn unreachable(&self) -> ! {
        match self.never {}
    }

    pub fn can_sign(&self) -> bool {
        match self.never {}
    }

    pub fn public_bytes(&self) -> [u8; PUBLIC_KEY_BYTES] {
        match self.never {}
    }

    pub fn public_only(&self) -> EdKey {
        match self.never {}
    }

    pub fn verify(&self, _message: &[u8], _signature: &[u8]) -> bool {
        match self.never {}
    }

    pub fn sign(&self, _message: &[u8]) -> Option<[u8; SIGNATURE_BYTES]> {
        match self.never {}
    }
}

/// No Ed25519 key exists in this build, so no signature is ever asked about.
pub fn strict_signature_form(_signature: &[u8; SIGNATURE_BYTES]) -> bool {
    false
}
