//! Base64url as JWS uses it (RFC 7515 §2): URL-safe alphabet, no padding, and — in the
//! strict profile — canonical encodings only, so one MAC cannot be spelled two ways.
//!
//! Written here rather than taken from the `base64` crate: its general engine (every
//! alphabet, padding mode and chunked sink) was about 6 KiB of the .wasm, this is a
//! few hundred bytes (bench/notes.md, "The .wasm size"). `tests/b64_differential.rs`
//! checks it against that crate's `URL_SAFE_NO_PAD` on random and edge-case input.

use alloc::string::String;
use alloc::vec::Vec;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Not a base64url character.
const INVALID: u8 = 0xff;

/// Character → 6-bit value, `INVALID` elsewhere. Built at compile time, where an
/// index out of range fails the build instead of panicking, hence the `allow`.
#[allow(clippy::indexing_slicing)]
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn value(c: u8) -> Option<u32> {
    match DECODE.get(usize::from(c)) {
        Some(&v) if v != INVALID => Some(u32::from(v)),
        _ => None,
    }
}

/// Decoded length of a segment of `len` characters; `None` for 1 mod 4, which no byte
/// string encodes to.
fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        r => Some(len / 4 * 3 + r.saturating_sub(1)),
    }
}

/// Decodes `segment` into `out`, which must be exactly the decoded length.
/// Rejects characters outside the alphabet (so `=`, whitespace, `+` and `/`) and a
/// last character with non-zero unused bits.
fn decode_into(segment: &[u8], out: &mut [u8]) -> Option<()> {
    let mut chunks = segment.chunks_exact(4);
    let mut dst = out.chunks_exact_mut(3);
    for (c, d) in (&mut chunks).zip(&mut dst) {
        let [a, b, e, f] = [c.first()?, c.get(1)?, c.get(2)?, c.get(3)?];
        let n = (value(*a)? << 18) | (value(*b)? << 12) | (value(*e)? << 6) | value(*f)?;
        d.copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let tail = dst.into_remainder();
    match chunks.remainder() {
        [] => Some(()),
        [a, b] => {
            let n = (value(*a)? << 6) | value(*b)?;
            // 12 bits carry 8: the low 4 must be zero in a canonical encoding.
            if n & 0xf != 0 {
                return None;
            }
            *tail.first_mut()? = (n >> 4) as u8;
            Some(())
        }
        [a, b, c] => {
            let n = (value(*a)? << 12) | (value(*b)? << 6) | value(*c)?;
            // 18 bits carry 16: the low 2 must be zero.
            if n & 0x3 != 0 {
                return None;
            }
            tail.copy_from_slice(&[(n >> 10) as u8, (n >> 2) as u8]);
            Some(())
        }
        _ => None,
    }
}

/// Decodes a segment. Rejects `=`, whitespace, the standard alphabet's `+` and `/`,
/// a length of 1 mod 4 and a last character with non-zero unused bits.
pub fn decode(segment: &str) -> Option<Vec<u8>> {
    let mut out = alloc::vec![0u8; decoded_len(segment.len())?];
    decode_into(segment.as_bytes(), &mut out)?;
    Some(out)
}

/// Decodes into a fixed-size buffer, failing unless the segment holds exactly `N` bytes.
pub fn decode_exact<const N: usize>(segment: &str) -> Option<[u8; N]> {
    if decoded_len(segment.len())? != N {
        return None;
    }
    let mut out = [0u8; N];
    decode_into(segment.as_bytes(), &mut out)?;
    Some(out)
}

pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity((bytes.len() * 4).div_ceil(3));
    encode_into(bytes, &mut s);
    s
}

pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve((bytes.len() * 4).div_ceil(3));
    // `& 63` keeps the index in the table, so the fallback is never taken.
    let char_at = |n: u32, shift: u32| {
        char::from(
            ALPHABET
                .get(((n >> shift) & 63) as usize)
                .copied()
                .unwrap_or(b'A'),
        )
    };
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = c.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b));
        for shift in [18, 12, 6, 0] {
            out.push(char_at(n, shift));
        }
    }
    match chunks.remainder() {
        [a] => {
            let n = u32::from(*a) << 16;
            out.push(char_at(n, 18));
            out.push(char_at(n, 12));
        }
        [a, b] => {
            let n = (u32::from(*a) << 16) | (u32::from(*b) << 8);
            out.push(char_at(n, 18));
            out.push(char_at(n, 12));
            out.push(char_at(n, 6));
        }
        _ => {}
    }
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
