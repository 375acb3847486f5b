//! The hand-written base64url (src/b64.rs) against the `base64` crate's
//! `URL_SAFE_NO_PAD` engine, which refuses padding and non-zero trailing bits: the same
//! strict profile. Both must agree on every input, accepted or refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hybrid_auth::b64;

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
fn encode_matches_the_base64_crate() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for len in 0..300 {
        for _ in 0..8 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let ours = b64::encode(&bytes);
            assert_eq!(ours, URL_SAFE_NO_PAD.encode(&bytes), "{bytes:?}");
            assert_eq!(b64::decode(&ours), Some(bytes));
        }
    }
}

#[test]
fn decode_agrees_on_arbitrary_text() {
    // Mostly alphabet characters, now and then one of the characters strict decoding
    // must refuse, at every length mod 4 and with random trailing bits.
    let mut rng = Rng(0xd1b5_4a32_d192_ed03);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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
        let s = String::from_utf8(s).expect("ASCII");
        let ours = b64::decode(&s);
        assert_eq!(ours, URL_SAFE_NO_PAD.decode(&s).ok(), "{s:?}");
        if let Some(bytes) = &ours {
            accepted += 1;
            if bytes.len() == 32 {
                assert_eq!(b64::decode_exact::<32>(&s).map(Vec::from), ours);
            }
        }
        if s.len() == 43 {
            let mut buf = [0u8; 32];
            let reference = match URL_SAFE_NO_PAD.decode_slice(&s, &mut buf) {
                Ok(32) => Some(buf),
                _ => None,
            };
            assert_eq!(b64::decode_exact::<32>(&s), reference, "{s:?}");
        }
    }
    // Both answers are exercised: about three in four lengths are valid, and trailing
    // bits are zero for only some of those.
    assert!((20_000..180_000).contains(&accepted), "{accepted}");
}
