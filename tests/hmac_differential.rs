//! HMAC-SHA256 of src/key.rs (written over `sha2::compress256`) against the `hmac`
//! crate, on keys and messages of every length around the block boundaries.

use hmac::{Hmac, Mac};
use hybrid_auth::HmacKey;
use sha2::Sha256;

#[test]
fn tags_match_the_hmac_crate() {
    let reference = |key: &[u8], msg: &[u8]| -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        mac.update(msg);
        mac.finalize().into_bytes().into()
    };
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
            assert!(k.verify_truncated(&msg, &expected[..16]));
            assert!(!k.verify_truncated(&msg, &[]));
        }
    }
}
