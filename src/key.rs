//! One HS256 key with its HMAC state prepared once.
//!
//! HMAC-SHA256 (RFC 2104) hashes `key ⊕ ipad` and `key ⊕ opad` before any message byte.
//! Those two compression-function calls depend only on the key, so they are done here,
//! at construction, by the `hmac` crate's `Hmac<Sha256>` (its eager core keeps the two
//! SHA-256 states); signing or verifying clones that prepared state.
//!
//! The tag comparison is the crate's: `Mac::verify_slice` and `verify_truncated_left`
//! compare with `subtle::ConstantTimeEq`, so no byte-by-byte loop here can exit early
//! (tests/constant_time.rs checks that these are the calls made). RFC 4231 and all 174
//! Wycheproof HMAC-SHA256 vectors (tests/vectors.rs) and a differential test against a
//! textbook HMAC over one-shot SHA-256 (tests/hmac_differential.rs) guard it.

use alloc::string::String;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ConfigError;
use crate::text::{cat, Piece::*};

/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;
/// Far above any real secret; keeps a pasted file from becoming a key.
pub const MAX_SECRET_BYTES: usize = 1024;

pub const MAC_BYTES: usize = 32;

#[derive(Clone)]
pub struct HmacKey {
    /// The state after `key ⊕ ipad` and `key ⊕ opad`, cloned for every message.
    mac: Hmac<Sha256>,
}

impl HmacKey {
    /// Accepts any length: used directly by the HMAC test vectors (RFC 4231, Wycheproof),
    /// which include short keys. Key rings go through [`HmacKey::for_jwt`].
    pub fn new_unchecked_len(secret: &[u8]) -> HmacKey {
        // HMAC takes a key of any length (RFC 2104 hashes one longer than a block), so
        // `new_from_slice` cannot fail here; the fallback only satisfies the types.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
        HmacKey { mac }
    }

    /// A key for signing JWTs: enforces the 32-byte minimum of RFC 7518 §3.2.
    pub fn for_jwt(secret: &[u8], what: &str) -> Result<HmacKey, ConfigError> {
        check_secret_len(secret.len(), what)?;
        Ok(HmacKey::new_unchecked_len(secret))
    }

    fn with_message(&self, message: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(message);
        mac
    }

    pub fn tag(&self, message: &[u8]) -> [u8; MAC_BYTES] {
        self.with_message(message).finalize().into_bytes().into()
    }

    /// The crate's constant-time check (`subtle`): a tag of another length, or any
    /// differing byte, is refused, and the time does not depend on where they differ.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        self.with_message(message).verify_slice(tag).is_ok()
    }

    /// Constant-time check of a truncated tag (Wycheproof has 128-bit tag groups): the
    /// leftmost `tag.len()` bytes of the MAC, 1 to 32 of them.
    /// (The crate refuses an empty tag or one longer than the MAC.)
    pub fn verify_truncated(&self, message: &[u8], tag: &[u8]) -> bool {
        self.with_message(message)
            .verify_truncated_left(tag)
            .is_ok()
    }
}

pub fn check_secret_len(len: usize, what: &str) -> Result<(), ConfigError> {
    if len < MIN_SECRET_BYTES {
        return Err(ConfigError::new(cat(&[
            T(what),
            T(" is "),
            N(len as u64),
            T(
                " bytes; HS256 secrets must be at least 32 random bytes (RFC 7518 §3.2). \
               Make one with `openssl rand -base64 32` or \
               `node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"` \
               and store it with `wrangler secret put JWT_SECRET`.",
            ),
        ])));
    }
    if len > MAX_SECRET_BYTES {
        return Err(ConfigError::new(cat(&[
            T(what),
            T(" is "),
            N(len as u64),
            T(" bytes; at most 1024 are accepted."),
        ])));
    }
    Ok(())
}

/// A short public identifier for a secret: the first 8 bytes of
/// HMAC-SHA256(secret, "hybrid-auth/kid/v1"), base64url. Keyed by the secret itself, so
/// publishing it in token headers tells an attacker nothing a token's MAC does not.
pub fn derive_kid(key: &HmacKey) -> String {
    let tag = key.tag(b"hybrid-auth/kid/v1");
    crate::b64::encode(tag.get(..8).unwrap_or(&tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused_with_a_useful_message() {
        let err = HmacKey::for_jwt(&[1u8; 31], "JWT_SECRET").err().unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains("JWT_SECRET is 31 bytes") && msg.contains("at least 32"),
            "{msg}"
        );
        assert!(
            !msg.starts_with("hybrid-auth"),
            "the prefix is added in JS: {msg}"
        );
        let long = HmacKey::for_jwt(&[1u8; 1025], "s").err().unwrap();
        assert_eq!(
            long.message(),
            "s is 1025 bytes; at most 1024 are accepted."
        );
        assert_eq!(
            (MIN_SECRET_BYTES, MAX_SECRET_BYTES),
            (32, 1024),
            "as the messages say"
        );
        assert!(msg.contains("openssl rand"), "{msg}");
        assert!(HmacKey::for_jwt(&[1u8; 32], "JWT_SECRET").is_ok());
    }

    #[test]
    fn kid_is_stable_and_distinct() {
        let a = HmacKey::for_jwt(&[1u8; 32], "s").unwrap();
        let b = HmacKey::for_jwt(&[2u8; 32], "s").unwrap();
        assert_eq!(derive_kid(&a), derive_kid(&a.clone()));
        assert_ne!(derive_kid(&a), derive_kid(&b));
        assert_eq!(derive_kid(&a).len(), 11);
    }
}
