//! One Ed25519 key (RFC 8032, as JWS "EdDSA", RFC 8037), prepared once.
//!
//! The arithmetic is `ed25519-dalek`'s (without its `fast` precomputed tables: they add
//! ~41 KB of wasm and did not speed up verification in Node; bench/notes.md, "EdDSA").
//! Verification is `verify_strict`: it refuses non-canonical `S` and `R` encodings and
//! small-order public keys or `R` points, so one message has one valid signature per key
//! and a weak key cannot be used to forge (RFC 8032 §5.1.7 plus the cofactorless check;
//! all of Wycheproof's ed25519 vectors agree, tests/vectors.rs).
//!
//! Key formats read here are fixed-length byte strings: a raw 32-byte public key or seed,
//! and the one-key DER structures of RFC 8410 (SPKI for a public key, PKCS#8 v1 for a
//! private one), which for Ed25519 are a constant prefix followed by the 32 key bytes.
//! Comparing that exact prefix is the whole strict parse; anything else is refused.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::error::ConfigError;
use crate::text::{cat, Piece::*};

pub const PUBLIC_KEY_BYTES: usize = 32;
pub const SIGNATURE_BYTES: usize = 64;

/// RFC 8410 §4: `SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (0 unused) }`.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// RFC 8410 §7: `OneAsymmetricKey` v1 (no attributes, no public key) holding the
/// 32-byte seed as an `OCTET STRING` inside the `privateKey` `OCTET STRING`.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

#[derive(Clone)]
pub struct EdKey {
    public: VerifyingKey,
    /// Present for a key that signs. `ed25519-dalek` zeroizes it on drop.
    secret: Option<SigningKey>,
}

impl core::fmt::Debug for EdKey {
    /// Never prints the secret.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EdKey")
    }
}

fn bad(what: &str, rule: &str) -> ConfigError {
    ConfigError::new(cat(&[T(what), T(rule)]))
}

impl EdKey {
    /// A public key from its 32 bytes. Refuses encodings that are not a curve point and
    /// small-order (weak) points: no honest key is one, and `verify_strict` would refuse
    /// every signature under it anyway.
    pub fn from_public_bytes(bytes: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        let raw: [u8; PUBLIC_KEY_BYTES] = bytes
            .try_into()
            .map_err(|_| bad(what, " must be a 32-byte Ed25519 public key"))?;
        let public = VerifyingKey::from_bytes(&raw)
            .map_err(|_| bad(what, " is not an Ed25519 public key (not a curve point)"))?;
        if public.is_weak() {
            return Err(bad(
                what,
                " is a small-order Ed25519 point, not a usable key",
            ));
        }
        Ok(EdKey {
            public,
            secret: None,
        })
    }

    /// A signing key from its 32-byte seed (the JWK `d`, RFC 8037 §2).
    pub fn from_seed(seed: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        let raw: [u8; 32] = seed
            .try_into()
            .map_err(|_| bad(what, " must be a 32-byte Ed25519 private key (seed)"))?;
        let secret = SigningKey::from_bytes(&raw);
        Ok(EdKey {
            public: secret.verifying_key(),
            secret: Some(secret),
        })
    }

    /// An RFC 8410 SubjectPublicKeyInfo (DER) or a raw 32-byte public key.
    pub fn from_spki_or_raw(der: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        if der.len() == PUBLIC_KEY_BYTES {
            return EdKey::from_public_bytes(der, what);
        }
        match der.strip_prefix(&SPKI_PREFIX[..]) {
            Some(key) if key.len() == PUBLIC_KEY_BYTES => EdKey::from_public_bytes(key, what),
            _ => Err(bad(
                what,
                " must be an Ed25519 SubjectPublicKeyInfo (DER, RFC 8410) or 32 raw bytes",
            )),
        }
    }

    /// An RFC 8410 PKCS#8 v1 private key (DER), as `openssl genpkey -algorithm ed25519`
    /// and WebCrypto's `exportKey("pkcs8")` write it.
    pub fn from_pkcs8(der: &[u8], what: &str) -> Result<EdKey, ConfigError> {
        match der.strip_prefix(&PKCS8_PREFIX[..]) {
            Some(seed) if seed.len() == 32 => EdKey::from_seed(seed, what),
            _ => Err(bad(
                what,
                " must be an Ed25519 PKCS#8 private key (DER, RFC 8410, 48 bytes)",
            )),
        }
    }

    pub fn can_sign(&self) -> bool {
        self.secret.is_some()
    }

    pub fn public_bytes(&self) -> [u8; PUBLIC_KEY_BYTES] {
        self.public.to_bytes()
    }

    /// The public half only (what a JWKS publishes).
    pub fn public_only(&self) -> EdKey {
        EdKey {
            public: self.public,
            secret: None,
        }
    }

    /// Strict verification (see the module comment). A signature of another length is
    /// refused before any arithmetic.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; SIGNATURE_BYTES]>::try_from(signature) else {
            return false;
        };
        self.public
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }

    /// `None` for a public-only key.
    pub fn sign(&self, message: &[u8]) -> Option<[u8; SIGNATURE_BYTES]> {
        self.secret.as_ref().map(|k| k.sign(message).to_bytes())
    }
}

/// The canonical encodings of the eight points of small order (curve25519-dalek's
/// `EIGHT_TORSION`, compressed; a test checks the list against it). Comparing bytes
/// costs nothing, where decompressing `R` is a field exponentiation (about 45 µs in wasm).
const SMALL_ORDER_ENCODINGS: [[u8; 32]; 8] = [
    [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    [0; 32],
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0x80,
    ],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x85,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0xfa,
    ],
];

/// What `verify_strict` refuses in a signature, beyond what a native RFC 8032 verifier
/// (BoringSSL in workerd, OpenSSL in Node) refuses itself: `R` a point of small order
/// (the native ones accept it when the cofactorless equation holds). `S` not below the
/// group order is checked here too (they refuse it as well; it costs nothing). An `R`
/// that is not a canonical encoding of a point needs no check: the native verifiers
/// compare the canonical encoding of the `R` they compute with these bytes. For
/// `KeyRing::ed25519_request`; Wycheproof's vectors through this check and a standard
/// verifier give `verify_strict`'s answers (tests/vectors.rs).
pub fn strict_signature_form(signature: &[u8; SIGNATURE_BYTES]) -> bool {
    use curve25519_dalek::scalar::Scalar;
    let (r, s) = signature.split_at(32);
    let Ok(s) = <[u8; 32]>::try_from(s) else {
        return false;
    };
    Option::<Scalar>::from(Scalar::from_canonical_bytes(s)).is_some()
        && !SMALL_ORDER_ENCODINGS.iter().any(|bad| bad[..] == *r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_order_list_is_the_eight_torsion_points() {
        let mut listed = SMALL_ORDER_ENCODINGS.to_vec();
        let mut torsion: Vec<[u8; 32]> = curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .map(|p| p.compress().to_bytes())
            .collect();
        listed.sort();
        torsion.sort();
        assert_eq!(listed, torsion);
    }

    #[test]
    fn der_forms_are_read_by_their_exact_prefix() {
        let key = EdKey::from_seed(&[7u8; 32], "k").unwrap();
        let public = key.public_bytes();
        let mut spki = SPKI_PREFIX.to_vec();
        spki.extend_from_slice(&public);
        assert_eq!(
            EdKey::from_spki_or_raw(&spki, "k").unwrap().public_bytes(),
            public
        );
        let mut pkcs8 = PKCS8_PREFIX.to_vec();
        pkcs8.extend_from_slice(&[7u8; 32]);
        let signer = EdKey::from_pkcs8(&pkcs8, "k").unwrap();
        assert_eq!(signer.public_bytes(), public);
        assert!(signer.can_sign());
        // One byte off anywhere in the prefix, one byte short or long: refused.
        for i in 0..spki.len() - 32 {
            let mut s = spki.clone();
            s[i] ^= 1;
            assert!(EdKey::from_spki_or_raw(&s, "k").is_err(), "spki byte {i}");
        }
        for i in 0..pkcs8.len() - 32 {
            let mut p = pkcs8.clone();
            p[i] ^= 1;
            assert!(EdKey::from_pkcs8(&p, "k").is_err(), "pkcs8 byte {i}");
        }
        assert!(EdKey::from_pkcs8(&pkcs8[..47], "k").is_err());
        assert!(EdKey::from_spki_or_raw(&spki[..43], "k").is_err());
        assert!(EdKey::from_pkcs8(&spki, "k").is_err());
    }

    #[test]
    fn weak_and_invalid_public_keys_are_refused() {
        // The identity point (y = 1) has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let err = EdKey::from_public_bytes(&identity, "x").unwrap_err();
        assert!(err.message().contains("small-order"), "{err}");
        assert!(EdKey::from_public_bytes(&[0u8; 31], "x").is_err());
        // y = 2 is not on the curve (no x satisfies the equation).
        let mut off = [0u8; 32];
        off[0] = 2;
        assert!(EdKey::from_public_bytes(&off, "x").is_err());
    }

    #[test]
    fn sign_verify_round_trip_and_public_only_cannot_sign() {
        let key = EdKey::from_seed(&[9u8; 32], "k").unwrap();
        let sig = key.sign(b"msg").unwrap();
        assert!(key.verify(b"msg", &sig));
        assert!(!key.verify(b"msh", &sig));
        assert!(!key.verify(b"msg", &sig[..63]));
        let public = key.public_only();
        assert!(!public.can_sign());
        assert!(public.sign(b"msg").is_none());
        assert!(public.verify(b"msg", &sig));
        assert_eq!(format!("{key:?}"), "EdKey");
    }
}
