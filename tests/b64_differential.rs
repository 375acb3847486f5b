//! src/b64.rs (the `base64` crate's `URL_SAFE_NO_PAD` engine) against an independent
//! strict base64url written here, a bit accumulator that shares no code with the crate.
//! Both must agree on every input, accepted or refused: a change of engine or of its
//! configuration (padding accepted, non-zero trailing bits allowed, another alphabet)
//! makes this fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hybrid_auth::b64;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// RFC 4648 §5 without padding, canonical only (RFC 7515 §2, and §3.5 of RFC 4648 on
/// the pad bits): every character in the URL-safe alphabet, a length that is not
/// 1 mod 4, and the unused low bits of the last character zero.
fn reference_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

fn reference_encode(bytes: &[u8]) -> String {
    let (mut acc, mut bits, mut out) = (0u32, 0u32, String::new());
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[((acc >> bits) & 63) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (6 - bits)) & 63) as usize]));
    }
    out
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn the_reference_is_rfc_4648() {
    for (plain, enc) in [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(reference_encode(plain.as_bytes()), enc);
        assert_eq!(reference_decode(enc), Some(plain.as_bytes().to_vec()));
    }
    assert_eq!(reference_encode(&[0xfb, 0xff, 0xfe]), "-__-");
    assert_eq!(reference_decode("QR"), None);
    assert_eq!(reference_decode("Zg=="), None);
}

#[test]
fn strict_profile_edge_cases() {
    for (s, expected) in [
        ("e30", Some(&b"{}"[..])),
        ("QQ", Some(b"A")),
        ("", Some(b"")),
        ("e31", None),  // non-zero unused bits (2 of them)
        ("QR", None),   // non-zero unused bits (4 of them)
        ("e30=", None), // padding
        ("Zg==", None), // padding
        ("Zg", Some(b"f")),
        ("e3 0", None),  // whitespace
        ("a+b/", None),  // the standard alphabet
        ("abcde", None), // length 1 mod 4
        ("-__-", Some(&[0xfb, 0xff, 0xfe][..])),
    ] {
        assert_eq!(b64::decode(s).as_deref(), expected, "{s:?}");
    }
}

#[test]
fn encode_matches_the_reference() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for len in 0..300 {
        for _ in 0..8 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let ours = b64::encode(&bytes);
            assert_eq!(ours, reference_encode(&bytes), "{bytes:?}");
            let mut appended = String::from("x.");
            b64::encode_into(&bytes, &mut appended);
            assert_eq!(appended, format!("x.{ours}"));
            assert_eq!(b64::decode(&ours), Some(bytes));
        }
    }
}

#[test]
fn decode_agrees_with_the_reference_on_arbitrary_text() {
    // Mostly alphabet characters, now and then one of the characters strict decoding
    // must refuse, at every length mod 4 and with random trailing bits.
    let mut rng = Rng(0xd1b5_4a32_d192_ed03);
    const STRANGERS: &[u8] = b"=+/ .\n\0\x7f";
    let mut accepted = 0;
    for _ in 0..200_000 {
        let len = (rng.next() % 48) as usize;
        let mut s: Vec<u8> = (0..len)
            .map(|_| ALPHABET[(rng.next() % 64) as usize])
            .collect();
        if len > 0 && rng.next() % 8 == 0 {
            let at = (rng.next() % len as u64) as usize;
            s[at] = STRANGERS[(rng.next() % STRANGERS.len() as u64) as usize];
        }
        // Now and then padded as a non-strict encoder would write it.
        if rng.next() % 16 == 0 {
            s.extend(std::iter::repeat_n(b'=', (4 - len % 4) % 4));
        }
        let s = String::from_utf8(s).expect("ASCII");
        let ours = b64::decode(&s);
        assert_eq!(ours, reference_decode(&s), "{s:?}");
        if ours.is_some() {
            accepted += 1;
        }
        if s.len() == 43 {
            let reference = reference_decode(&s).and_then(|v| <[u8; 32]>::try_from(v).ok());
            assert_eq!(b64::decode_exact::<32>(&s), reference, "{s:?}");
        }
    }
    // Both answers are exercised: about three in four lengths are valid, and trailing
    // bits are zero for only some of those.
    assert!((20_000..180_000).contains(&accepted), "{accepted}");
}

#[test]
fn decode_exact_wants_exactly_n_bytes() {
    let mac = [7u8; 32];
    let s = b64::encode(&mac);
    assert_eq!(s.len(), 43);
    assert_eq!(b64::decode_exact::<32>(&s), Some(mac));
    for bad in [
        &s[..42],
        &s[..40],
        &format!("{s}A"),
        &format!("{s}AA"),
        &format!("{s}="),
    ] {
        assert_eq!(b64::decode_exact::<32>(bad), None, "{bad:?}");
    }
    // 43 characters with non-zero trailing bits: the right length, not canonical.
    let mut odd = s.clone().into_bytes();
    odd[42] = b'9';
    let odd = String::from_utf8(odd).expect("ASCII");
    assert_eq!(reference_decode(&odd), None);
    assert_eq!(b64::decode_exact::<32>(&odd), None);
}
