//! HMAC-SHA256 of src/key.rs (the `hmac` crate's prepared state, cloned per message)
//! against a textbook RFC 2104 HMAC written here over one-shot SHA-256, on keys and
//! messages of every length around the block boundaries, with wrong, short, truncated
//! and empty tags.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hybrid_auth::HmacKey;
use sha2::{Digest, Sha256};

/// RFC 2104: H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m)), K' the key (hashed when longer than
/// the 64-byte block) padded with zeros to a block.
fn reference(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[test]
fn tags_match_a_textbook_hmac() {
    let mut seed: u64 = 0x853c_49e6_748f_ea9b;
    let mut byte = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed as u8
    };
    // Key lengths across the 64-byte block (longer keys are hashed first); message
    // lengths across one and two blocks, where the padding takes one or two blocks.
    for key_len in [0, 1, 31, 32, 33, 63, 64, 65, 100, 128, 129, 1024] {
        let key: Vec<u8> = (0..key_len).map(|_| byte()).collect();
        let k = HmacKey::new_unchecked_len(&key);
        for msg_len in (0..=200).chain([255, 256, 257, 1000, 4096]) {
            let msg: Vec<u8> = (0..msg_len).map(|_| byte()).collect();
            let expected = reference(&key, &msg);
            assert_eq!(k.tag(&msg), expected, "key {key_len} msg {msg_len}");
            assert!(k.verify(&msg, &expected));
            let mut wrong = expected;
            wrong[(msg_len % 32) as usize] ^= 1;
            assert!(!k.verify(&msg, &wrong));
            assert!(
                !k.verify(&msg, &expected[..31]),
                "a short tag is not the tag"
            );
            let mut long = expected.to_vec();
            long.push(0);
            assert!(!k.verify(&msg, &long), "a long tag is not the tag");
            assert!(!k.verify(&msg, &[]));
            assert!(k.verify_truncated(&msg, &expected[..16]));
            assert!(k.verify_truncated(&msg, &expected));
            assert!(!k.verify_truncated(&msg, &wrong[..]));
            assert!(!k.verify_truncated(&msg, &expected[16..]), "right half");
            assert!(!k.verify_truncated(&msg, &[]));
        }
    }
}

#[test]
fn the_reference_is_rfc_4231_case_2() {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
    let tag = reference(b"Jefe", b"what do ya want for nothing?");
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}
