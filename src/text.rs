//! Building message and JSON text without `core::fmt`, which the `no_std` wasm build
//! leaves out: `format!` and integer `to_string` would link it back in.

use alloc::string::String;

/// Appends the decimal digits of `n`.
pub fn push_uint(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or(&[]) {
        out.push(char::from(d));
    }
}

/// Appends `n` in decimal, with a sign when negative.
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_uint(out, n.unsigned_abs());
}

/// Concatenates text pieces and decimal numbers: `cat(&[T("keys["), N(3), T("]")])`.
pub enum Piece<'a> {
    T(&'a str),
    N(u64),
}

pub fn cat(pieces: &[Piece<'_>]) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::T(t) => s.push_str(t),
            Piece::N(n) => push_uint(&mut s, *n),
        }
    }
    s
}

/// 16 random bytes as a version 4 UUID (RFC 9562 §5.4): the `uuid` crate sets the
/// version and variant bits and writes the lower-case 8-4-4-4-12 form (into a buffer,
/// without `core::fmt`). (The `jti` of signed tokens: only the wasm API draws random
/// bytes, so native builds use it in tests alone.)
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn uuid_v4(bytes: [u8; 16]) -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buf);
    String::from(&*text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against an independent reading of RFC 9562 §5.4 (the version nibble is 4, the
    /// variant bits are 10, the rest are the random bytes in order), not the crate.
    #[test]
    fn uuid_v4_sets_version_and_variant_and_keeps_the_rest() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..1000 {
            let mut bytes = [0u8; 16];
            for b in bytes.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = seed as u8;
            }
            if round == 0 {
                bytes = [0xff; 16];
            }
            if round == 1 {
                bytes = [0; 16];
            }
            let s = uuid_v4(bytes);
            let mut expected = bytes;
            expected[6] = (expected[6] & 0x0f) | 0x40;
            expected[8] = (expected[8] & 0x3f) | 0x80;
            let hex: String = expected.iter().map(|b| format!("{b:02x}")).collect();
            let reference = format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            );
            assert_eq!(s, reference);
        }
        assert_eq!(
            uuid_v4(core::array::from_fn(|i| i as u8)),
            "00010203-0405-4607-8809-0a0b0c0d0e0f"
        );
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    #[test]
    fn integers_match_the_standard_formatting() {
        for n in [
            0i64,
            1,
            9,
            10,
            99,
            100,
            1_700_000_000,
            -1,
            -10,
            i64::MAX,
            i64::MIN,
        ] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        assert_eq!(
            cat(&[Piece::T("a"), Piece::N(u64::MAX), Piece::T("b")]),
            format!("a{}b", u64::MAX)
        );
    }
}
