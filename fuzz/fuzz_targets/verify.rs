//! `KeyRing::verify` on arbitrary input, three ways:
//! 1. the input itself as a token (lossy UTF-8), against three policies;
//! 2. the input as the payload of a token signed with the ring's key (plain and `kid`
//!    headers), so the fuzzer explores UTF-8 checks, the JSON parser, claim typing and
//!    the time checks behind the MAC — and the result must equal what the claim layer
//!    says on its own;
//! 3. the input as the header of a signed token with good claims (the post-MAC `typ`
//!    check and the header rules);
//! 4. the first 8 bytes as an arbitrary `now` (NaN, infinities, negative zero...).
#![no_main]

mod common;

use common::{rings, seal, GOOD_PAYLOAD, KID, KID_HEADER, NOW, PLAIN_HEADER};
use hybrid_auth::{json, Claims, KeyRing, Reason};
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU32, Ordering};

fn good_token() -> String {
    seal(&rings().key, KID_HEADER.as_bytes(), GOOD_PAYLOAD.as_bytes())
}

/// What `verify` must answer for a token we signed under an accepted header.
fn expected(ring: &KeyRing, token_len: usize, payload: &[u8], now: f64) -> Result<(), Reason> {
    if token_len > ring.policy().max_token_bytes {
        return Err(Reason::TooLarge);
    }
    let text = std::str::from_utf8(payload).map_err(|_| Reason::Malformed)?;
    let value = json::parse(text).map_err(|_| Reason::Malformed)?;
    let claims = Claims::from_object(&value)?;
    claims.check(ring.policy(), now)
}

fn check_resigned(ring: &KeyRing, token: &str, payload: &[u8], now: f64) {
    let got = ring.verify(token, now);
    let want = expected(ring, token.len(), payload, now);
    match (&got, want) {
        (Ok(v), Ok(())) => {
            assert_eq!(v.kid, KID);
            assert_eq!(v.payload.as_bytes(), payload);
        }
        (Err(r), Err(w)) => {
            assert_eq!(
                r.reason, w,
                "re-signed token: got {:?}, expected {w:?}",
                r.reason
            );
            assert!(!common::is_jws_reason(r.reason));
            match &r.expired {
                Some(v) => {
                    assert_eq!(r.reason, Reason::Expired);
                    assert_eq!(v.payload.as_bytes(), payload);
                }
                None => assert_ne!(r.reason, Reason::Expired, "expired without its claims"),
            }
        }
        (got, want) => panic!("re-signed token: got {got:?}, expected {want:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let r = rings();
    let text = String::from_utf8_lossy(data);

    // 1. The input as a token. The one-secret ring ignores `kid` and nothing else: where
    //    the strict ring (same key under `KID`, plus another) accepts, it accepts the
    //    same payload; where it accepts, the MAC is the key's.
    for ring in r.all() {
        let _ = ring.verify(&text, NOW);
    }
    let drop_in = r.drop_in.verify(&text, NOW);
    if let Ok(v) = &drop_in {
        let parts: Vec<&str> = text.split('.').collect();
        let input = format!("{}.{}", parts[0], parts[1]);
        assert_eq!(hybrid_auth::b64::encode(&r.key.tag(input.as_bytes())), parts[2]);
        if let Ok(s) = r.strict.verify(&text, NOW) {
            assert_eq!(s.payload, v.payload);
        }
    }
    // Tokens accepted by the strict ring under the vectors' key are accepted by drop_in.
    if let Ok(s) = r.strict.verify(&text, NOW) {
        if s.kid == KID {
            assert_eq!(drop_in.map(|v| v.payload), Ok(s.payload));
        }
    }

    // 1b. The input as the header of a token with good claims, signed with the key:
    //     whatever the header's `kid`, drop_in answers as the strict ring does for the
    //     same header without a `kid`-based choice, i.e. never `unknown_kid`.
    if let Err(rej) = r.drop_in.verify(&seal(&r.key, data, GOOD_PAYLOAD.as_bytes()), NOW) {
        assert_ne!(rej.reason, Reason::UnknownKid);
        assert_ne!(rej.reason, Reason::BadSignature);
    }

    // 2. The input as the payload, signed with the ring's key: without `kid` (every key
    //    is tried) against each policy, with `kid` against one.
    let plain = seal(&r.key, PLAIN_HEADER.as_bytes(), data);
    let with_kid = seal(&r.key, KID_HEADER.as_bytes(), data);
    for ring in r.all() {
        check_resigned(ring, &plain, data, NOW);
    }
    check_resigned(&r.configured, &with_kid, data, NOW);

    // 3. The input as the header (the typ rules differ between the two policies).
    let header_spliced = seal(&r.key, data, GOOD_PAYLOAD.as_bytes());
    for ring in [&r.strict, &r.relaxed] {
        if let Ok(v) = ring.verify(&header_spliced, NOW) {
            assert_eq!(v.payload, GOOD_PAYLOAD);
        }
    }

    // 4. The first 8 bytes as the clock: NaN, infinities, -0.0, subnormals...
    if let Some(bytes) = data.get(..8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        let now = f64::from_le_bytes(b);
        let _ = r.strict.verify(&good_token(), now);
        let _ = r.relaxed.verify(&text, now);
        check_resigned(&r.relaxed, &with_kid, data, now);
    }

    // Now and then: the rings are still healthy.
    static RUNS: AtomicU32 = AtomicU32::new(0);
    if RUNS.fetch_add(1, Ordering::Relaxed).is_multiple_of(1024) {
        for ring in r.all() {
            assert!(ring.verify(&good_token(), NOW).is_ok());
        }
    }
});
