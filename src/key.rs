//! One HS256 key with its HMAC state prepared once.
//!
//! HMAC-SHA256 (RFC 2104) hashes `key ⊕ ipad` and `key ⊕ opad` before any message byte.
//! Those two compression-function calls depend only on the key, so they are done here,
//! at construction; signing or verifying copies the two 32-byte states.
//!
//! The construction is written over `sha2::compress256` rather than taken from the
//! `hmac` crate: `Hmac<Sha256>` is generic, so its block buffering is compiled in this
//! crate at this crate's opt-level, and `compress256` (not generic) keeps `sha2`'s.
//! That lets the rest of the crate be optimised for size (bench/notes.md, "The .wasm
//! size"). RFC 4231 and all 174 Wycheproof HMAC-SHA256 vectors (tests/vectors.rs) and
//! a differential test against the `hmac` crate (tests/hmac_differential.rs) guard it.

use alloc::string::String;
use sha2::digest::generic_array::GenericArray;

use crate::error::ConfigError;
use crate::text::{cat, Piece::*};

/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;
/// Far above any real secret; keeps a pasted file from becoming a key.
pub const MAX_SECRET_BYTES: usize = 1024;

pub const MAC_BYTES: usize = 32;

const BLOCK: usize = 64;

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    sha2::compress256(
        state,
        core::slice::from_ref(GenericArray::from_slice(block)),
    );
}

/// Hashes `message` onward from `state`, which has already absorbed `prefix_len` bytes
/// (whole blocks), and returns the digest: SHA-256's padding and length, then the state
/// as big-endian bytes.
fn finish(mut state: [u32; 8], prefix_len: usize, message: &[u8]) -> [u8; MAC_BYTES] {
    let mut blocks = message.chunks_exact(BLOCK);
    for block in &mut blocks {
        let mut b = [0u8; BLOCK];
        b.copy_from_slice(block);
        compress(&mut state, &b);
    }
    let rest = blocks.remainder();
    // The rest, 0x80, zeros, and the length in bits as a 64-bit big-endian number: one
    // block when the rest leaves room for the 9 bytes, two otherwise.
    let mut tail = [0u8; 2 * BLOCK];
    let tail_len = if rest.len() < BLOCK - 8 {
        BLOCK
    } else {
        2 * BLOCK
    };
    if let Some(t) = tail.get_mut(..rest.len()) {
        t.copy_from_slice(rest);
    }
    if let Some(b) = tail.get_mut(rest.len()) {
        *b = 0x80;
    }
    let bits = ((prefix_len + message.len()) as u64).wrapping_mul(8);
    if let Some(len) = tail.get_mut(tail_len - 8..tail_len) {
        len.copy_from_slice(&bits.to_be_bytes());
    }
    for block in tail.get(..tail_len).unwrap_or(&[]).chunks_exact(BLOCK) {
        let mut b = [0u8; BLOCK];
        b.copy_from_slice(block);
        compress(&mut state, &b);
    }
    let mut out = [0u8; MAC_BYTES];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

#[derive(Clone)]
pub struct HmacKey {
    /// The state after `key ⊕ ipad`.
    inner: [u32; 8],
    /// The state after `key ⊕ opad`.
    outer: [u32; 8],
}

impl HmacKey {
    /// Accepts any length: used directly by the HMAC test vectors (RFC 4231, Wycheproof),
    /// which include short keys. Key rings go through [`HmacKey::for_jwt`].
    pub fn new_unchecked_len(secret: &[u8]) -> HmacKey {
        // RFC 2104: a key longer than a block is hashed first; then zero-padded.
        let mut key = [0u8; BLOCK];
        if secret.len() > BLOCK {
            key.get_mut(..MAC_BYTES)
                .unwrap_or(&mut [])
                .copy_from_slice(&finish(IV, 0, secret));
        } else if let Some(k) = key.get_mut(..secret.len()) {
            k.copy_from_slice(secret);
        }
        let pad = |byte: u8| {
            let mut state = IV;
            compress(&mut state, &key.map(|k| k ^ byte));
            state
        };
        HmacKey {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// A key for signing JWTs: enforces the 32-byte minimum of RFC 7518 §3.2.
    pub fn for_jwt(secret: &[u8], what: &str) -> Result<HmacKey, ConfigError> {
        check_secret_len(secret.len(), what)?;
        Ok(HmacKey::new_unchecked_len(secret))
    }

    pub fn tag(&self, message: &[u8]) -> [u8; MAC_BYTES] {
        let inner = finish(self.inner, BLOCK, message);
        finish(self.outer, BLOCK, &inner)
    }

    /// Constant-time comparison: every byte is compared, whatever the first
    /// difference.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        tag.len() == MAC_BYTES && equal_ct(&self.tag(message), tag)
    }

    /// Constant-time check of a truncated tag (Wycheproof has 128-bit tag groups): the
    /// leftmost `tag.len()` bytes of the MAC, 1 to 32 of them.
    pub fn verify_truncated(&self, message: &[u8], tag: &[u8]) -> bool {
        let mac = self.tag(message);
        match mac.get(..tag.len()) {
            Some(left) if !tag.is_empty() => equal_ct(left, tag),
            _ => false,
        }
    }
}

/// Equal-length byte strings compared without an early exit. `black_box` keeps the
/// optimiser from turning the accumulated difference back into a branch per byte.
fn equal_ct(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
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
