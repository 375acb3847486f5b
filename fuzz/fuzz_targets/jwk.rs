//! The JWK and JWKS readers (issue 24) on arbitrary text: no panic, and what they accept
//! holds up. A JWKS accepted has at most 16 keys with distinct kids, and publishing its
//! keys again (`public_jwk_json`) gives a set read back to the same kids and key bytes;
//! a JWK accepted survives the same round trip, and one with `d` signs what its public
//! half verifies. The text is also tried wrapped as a one-entry set, so the entry rules
//! get input that already passed the outer JSON shape.
#![no_main]

use hybrid_auth::jwk;
use libfuzzer_sys::fuzz_target;

fn check_set(text: &str) {
    let Ok(keys) = jwk::parse_jwks(text) else {
        return;
    };
    assert!(!keys.is_empty() && keys.len() <= 16);
    let mut kids: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    kids.sort_unstable();
    kids.dedup();
    assert_eq!(kids.len(), keys.len(), "duplicate kids accepted");
    let republished: Vec<String> = keys
        .iter()
        .map(|(kid, key)| jwk::public_jwk_json(kid, key))
        .collect();
    let again = jwk::parse_jwks(&format!(r#"{{"keys":[{}]}}"#, republished.join(",")))
        .expect("a republished set is accepted");
    assert_eq!(again.len(), keys.len());
    for ((k1, a), (k2, b)) in keys.iter().zip(&again) {
        assert_eq!((k1, a.public_bytes()), (k2, b.public_bytes()));
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_set(&text);
    check_set(&format!(r#"{{"keys":[{text}]}}"#));
    if let Ok((kid, key)) = jwk::parse_jwk_text(&text, "fuzz") {
        let published = jwk::public_jwk_json(kid.as_deref().unwrap_or("k"), &key);
        let (_, back) = jwk::parse_jwk_text(&published, "again").expect("own JWK is accepted");
        assert_eq!(back.public_bytes(), key.public_bytes());
        assert!(!back.can_sign());
        if let Some(sig) = key.sign(data) {
            assert!(back.verify(data, &sig));
        }
    }
});
