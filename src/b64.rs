//! Base64url as JWS uses it (RFC 7515 §2): URL-safe alphabet, no padding, and — in the
//! strict profile — canonical encodings only, so one MAC cannot be spelled two ways.
//!
//! The `base64` crate's `URL_SAFE_NO_PAD` engine is exactly that profile: its decoder
//! refuses padding (`DecodePaddingMode::RequireNone`), characters outside the URL-safe
//! alphabet, a length of 1 mod 4, and a last character with non-zero unused bits
//! (`decode_allow_trailing_bits` is off: `DecodeError::InvalidLastSymbol`). This module
//! only names the operations the token code needs. `tests/b64_differential.rs` checks it
//! against an independent strict decoder written in the test, on random and edge-case
//! input, so a change of engine or configuration that loosens decoding fails there.

use alloc::string::String;
use alloc::vec::Vec;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Decodes a segment. Rejects `=`, whitespace, the standard alphabet's `+` and `/`,
/// a length of 1 mod 4 and a last character with non-zero unused bits.
pub fn decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// Decodes into a fixed-size buffer, failing unless the segment holds exactly `N` bytes.
pub fn decode_exact<const N: usize>(segment: &str) -> Option<[u8; N]> {
    // `N` bytes encode to exactly this many characters; any other length holds a
    // different number of bytes (or none), so it is refused before decoding.
    if segment.len() != (N * 4).div_ceil(3) {
        return None;
    }
    let mut out = [0u8; N];
    match URL_SAFE_NO_PAD.decode_slice(segment, &mut out) {
        Ok(n) if n == N => Some(out),
        _ => None,
    }
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// True for the characters of the base64url alphabet.
pub fn is_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        assert_eq!(decode("e30"), Some(b"{}".to_vec()));
        assert_eq!(decode("e31"), None, "non-zero unused bits");
        assert_eq!(decode("e30="), None, "padding");
        assert_eq!(decode("e3 0"), None, "whitespace");
        assert_eq!(decode("a+b/"), None, "standard alphabet");
        assert_eq!(decode("abcde"), None, "length 1 mod 4");
        assert_eq!(decode("QQ"), Some(b"A".to_vec()));
        assert_eq!(decode("QR"), None, "non-zero unused bits, one byte");
        assert_eq!(decode(""), Some(Vec::new()));
    }

    #[test]
    fn rfc4648_vectors_without_padding() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc), Some(plain.as_bytes().to_vec()), "{enc}");
        }
        assert_eq!(
            encode(&[0xfb, 0xff, 0xfe]),
            "-__-",
            "the URL-safe characters"
        );
    }

    #[test]
    fn exact_length() {
        let mac = [7u8; 32];
        let s = encode(&mac);
        assert_eq!(s.len(), 43);
        assert_eq!(decode_exact::<32>(&s), Some(mac));
        assert_eq!(decode_exact::<32>(&s[..42]), None);
        assert_eq!(decode_exact::<32>(&format!("{s}A")), None);
        assert_eq!(decode_exact::<32>(&format!("{s}AA")), None);
    }
}
