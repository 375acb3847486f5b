//! `looks_like_jwt` on arbitrary input, checked against an independent statement of the
//! rule: length in [16, max], exactly two dots, only base64url characters otherwise,
//! header and payload non-empty, no segment of length 1 mod 4, a non-empty signature.
#![no_main]

mod common;

use hybrid_auth::looks_like_jwt;
use libfuzzer_sys::fuzz_target;

fn reference(s: &str, max: usize) -> bool {
    if s.len() < 16 || s.len() > max {
        return false;
    }
    if !s
        .bytes()
        .all(|b| b == b'.' || b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return false;
    }
    let segs: Vec<&str> = s.split('.').collect();
    segs.len() == 3 && segs.iter().all(|g| !g.is_empty() && g.len() % 4 != 1)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for max in [0, 16, 256, 8192, 1 << 20, usize::MAX, data.len()] {
        assert_eq!(
            looks_like_jwt(&text, max),
            reference(&text, max),
            "max_bytes {max}"
        );
    }
    // Every token a ring accepts must pass the routing check too.
    let r = common::rings();
    if r.relaxed.verify(&text, common::NOW).is_ok() {
        assert!(looks_like_jwt(&text, 1 << 20));
    }
});
