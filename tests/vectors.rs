//! The external test vectors vendored in tests/vectors/ (origins and licences in
//! tests/vectors/SOURCES.md), run natively (`cargo test`) and inside wasm
//! (`wasm-pack test --node`). They are compiled in with `include_str!` (wasm has no
//! file system), so both runs read the in-repository copy and nothing outside it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hybrid_auth::HmacKey;
use hybrid_auth::{b64, jwk, EdKey, Key, KeyRing, Policy, Reason};
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const WYCHEPROOF_HMAC: &str = include_str!("vectors/wycheproof_hmac_sha256_test.json");
const WYCHEPROOF_JWS: &str = include_str!("vectors/wycheproof_jws_hs256_subset.json");
const RFC4231: &str = include_str!("vectors/rfc4231_hmac_sha256.json");
const JWS_RFC: &str = include_str!("vectors/jws_hs256_rfc.json");
const JWT_CASES: &str = include_str!("vectors/jwt_hs256_cases.json");
const SEED_COMPAT: &str = include_str!("vectors/seed_compat_cases.json");
const TYP_CASES: &str = include_str!("vectors/jwt_typ_cases.json");
const RFC8037: &str = include_str!("vectors/rfc8037_ed25519.json");
const WYCHEPROOF_ED25519: &str = include_str!("vectors/wycheproof_ed25519_test.json");

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("vector file is JSON")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn b64url(s: &str) -> Vec<u8> {
    b64::decode(s).expect("vector key is canonical base64url")
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("field {k} missing"))
}

/// The policy the JWT edge-case vectors assume: strict JWS rules, but every claim
/// optional (their `{}` claims set is valid) and room for their 64 KiB token.
fn vector_policy(leeway: f64) -> Policy {
    Policy {
        leeway_seconds: leeway,
        max_token_bytes: 1 << 20,
        require_sub: false,
        require_exp: false,
        ..Policy::default()
    }
}

#[test]
fn wycheproof_hmac_sha256_all_174() {
    let v = json(WYCHEPROOF_HMAC);
    let mut n = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let tag_bytes = group["tagSize"].as_u64().unwrap() as usize / 8;
        for t in group["tests"].as_array().unwrap() {
            let key = HmacKey::new_unchecked_len(&hex(str_of(t, "key")));
            let msg = hex(str_of(t, "msg"));
            let tag = hex(str_of(t, "tag"));
            // Compare against the MAC truncated to tagSize; a tag of another length fails.
            let ok = tag.len() == tag_bytes && key.verify_truncated(&msg, &tag);
            let expected = str_of(t, "result") == "valid";
            assert_eq!(
                ok,
                expected,
                "tcId {} ({})",
                t["tcId"],
                str_of(t, "comment")
            );
            if tag_bytes == 32 && expected {
                assert_eq!(key.tag(&msg).to_vec(), tag, "tcId {}", t["tcId"]);
            }
            n += 1;
        }
    }
    assert_eq!(n, 174);
}

#[test]
fn rfc4231_hmac_sha256() {
    let v = json(RFC4231);
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for c in cases {
        let key = HmacKey::new_unchecked_len(&hex(str_of(c, "key_hex")));
        let data = hex(str_of(c, "data_hex"));
        let mac = hex(str_of(c, "mac_hex"));
        if mac.len() == 32 {
            assert_eq!(key.tag(&data).to_vec(), mac, "{}", str_of(c, "name"));
        } else {
            // Test case 5 defines only the first 128 bits.
            assert!(key.verify_truncated(&data, &mac), "{}", str_of(c, "name"));
        }
    }
}

#[test]
fn rfc_jws_examples_with_an_injected_clock() {
    let v = json(JWS_RFC);
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for c in cases {
        let name = str_of(c, "name");
        let key = b64url(str_of(c, "key_b64url"));
        let token = str_of(c, "compact");
        // The deployment's kid for this key is the one the example's header names (RFC
        // 7520 uses one); the RFC 7515 example has none and may use any.
        let header: Value =
            serde_json::from_slice(&b64url(token.split('.').next().unwrap())).unwrap();
        let kid = header["kid"].as_str().unwrap_or("k").to_string();
        let ring = KeyRing::new(vec![(kid.clone(), key)], &kid, vector_policy(0.0)).unwrap();
        let jws = ring
            .verify_jws(token)
            .unwrap_or_else(|r| panic!("{name}: {r:?}"));
        match c["payload_json"].as_str() {
            Some(payload) => {
                assert_eq!(jws.payload, payload.as_bytes(), "{name}");
                // RFC 7515 A.1's exp is 1300819380 (2011): valid just before, expired at it.
                assert!(ring.verify(token, 1_300_819_379.0).is_ok(), "{name}");
                let expired = ring.verify(token, 1_300_819_380.0).unwrap_err();
                assert_eq!(expired.reason, Reason::Expired, "{name}");
                let claims = &expired.expired.expect("expired carries claims").claims;
                assert_eq!(claims.iss.as_deref(), Some("joe"));
            }
            None => {
                // RFC 7520 4.4: a valid JWS whose payload is text, so not a JWT.
                assert_eq!(jws.payload, str_of(c, "payload_text").as_bytes(), "{name}");
                assert_eq!(
                    ring.verify(token, 0.0).unwrap_err().reason,
                    Reason::Malformed
                );
            }
        }
    }
}

#[test]
fn wycheproof_jws_hs256_subset() {
    let v = json(WYCHEPROOF_JWS);
    // Where upstream labels are wrong (see SOURCES.md), the strict local result rules.
    let overrides: Vec<(u64, bool)> = v["local_disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["tcId"].as_u64().unwrap(),
                str_of(d, "strict_local_result") == "valid",
            )
        })
        .collect();
    let mut n = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let jwk = &group["private"];
        let ring = KeyRing::new(
            vec![(str_of(jwk, "kid").to_string(), b64url(str_of(jwk, "k")))],
            str_of(jwk, "kid"),
            vector_policy(0.0),
        )
        .unwrap();
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let expected = overrides
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, ok)| *ok)
                .unwrap_or(str_of(t, "result") == "valid");
            // JSON serialization is not a compact token: it must be refused.
            let ok = t["jws"]
                .as_str()
                .is_some_and(|jws| ring.verify_jws(jws).is_ok());
            assert_eq!(ok, expected, "tcId {id} ({})", str_of(t, "comment"));
            n += 1;
        }
    }
    assert_eq!(n, 40);
}

#[test]
fn jwt_edge_cases_all_80_strict_profile() {
    let v = json(JWT_CASES);
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 80);
    let (mut valid, mut invalid) = (0, 0);
    for c in cases {
        let name = str_of(c, "name");
        let token = str_of(c, "token");
        // The key a deployment would hold; kid "key-1" is what the kid vector names.
        let ring = KeyRing::new(
            vec![("key-1".into(), b64url(str_of(c, "key_b64url")))],
            "key-1",
            vector_policy(c["leeway"].as_f64().unwrap()),
        )
        .unwrap();
        let now = c["now"].as_f64().unwrap();
        let result = ring.verify(token, now);
        let expected = str_of(c, "expect") == "valid";
        assert_eq!(
            result.is_ok(),
            expected,
            "{name}: {:?}",
            result.err().map(|r| r.reason)
        );
        if expected {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid), (14, 66));
}

/// Explicit typing (RFC 8725 §3.11, RFC 9068 §2.1): a ring with `tokenType: "at+jwt"`
/// and an issuer/audience refuses untyped, generic ("JWT") and other-kind tokens and
/// those bound elsewhere, each with its stable code. Generated independently by
/// make_typ_cases.py (Python's hmac).
#[test]
fn token_type_vectors_all_20() {
    let v = json(TYP_CASES);
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 20);
    let (mut valid, mut invalid) = (0, 0);
    for c in cases {
        let name = str_of(c, "name");
        let policy = Policy {
            issuer: Some(str_of(c, "issuer").into()),
            audience: Some(str_of(c, "audience").into()),
            typ: vec![str_of(c, "token_type").into()],
            ..Policy::default()
        };
        let ring = KeyRing::new(
            vec![("typ-key".into(), b64url(str_of(c, "key_b64url")))],
            "typ-key",
            policy,
        )
        .unwrap();
        let got = ring
            .verify(str_of(c, "token"), c["now"].as_f64().unwrap())
            .map(|_| ())
            .map_err(|r| r.reason.code());
        if str_of(c, "expect") == "valid" {
            assert_eq!(got, Ok(()), "{name}");
            valid += 1;
        } else {
            assert_eq!(got, Err(str_of(c, "reason_code")), "{name}");
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid), (6, 14));
}

/// The reasons given for representative vectors: stable codes callers can count.
#[test]
fn jwt_edge_cases_report_the_right_reason() {
    let v = json(JWT_CASES);
    let expect = [
        ("alg_none_empty_signature", Reason::UnsupportedAlg),
        ("alg_hs256_lowercase", Reason::UnsupportedAlg),
        ("alg_missing", Reason::Malformed),
        ("crit_unknown_extension", Reason::UnsupportedHeader),
        ("crit_empty_list", Reason::UnsupportedHeader),
        ("header_duplicate_alg_none_then_HS256", Reason::Malformed),
        ("sig_tampered_first_char", Reason::BadSignature),
        ("sig_truncated_to_128_bits", Reason::BadSignature),
        ("sig_wrong_key", Reason::BadSignature),
        ("payload_padding_equals", Reason::Malformed),
        ("payload_noncanonical_last_char", Reason::Malformed),
        ("payload_utf8_bom", Reason::Malformed),
        ("payload_duplicate_exp", Reason::Malformed),
        ("payload_depth_bomb_10000", Reason::Malformed),
        ("exp_equals_now", Reason::Expired),
        ("nbf_now_plus_1", Reason::NotYetValid),
        ("exp_string", Reason::InvalidClaims),
        ("exp_1e400_overflow", Reason::InvalidClaims),
        ("iat_string", Reason::InvalidClaims),
    ];
    let cases = v.as_array().unwrap();
    for (name, reason) in expect {
        let c = cases.iter().find(|c| c["name"] == name).expect(name);
        let ring = KeyRing::new(
            vec![("key-1".into(), b64url(str_of(c, "key_b64url")))],
            "key-1",
            vector_policy(c["leeway"].as_f64().unwrap()),
        )
        .unwrap();
        let got = ring.verify(str_of(c, "token"), c["now"].as_f64().unwrap());
        assert_eq!(got.map_err(|r| r.reason).err(), Some(reason), "{name}");
    }
}

/// Our default policy is stricter than the vectors' profile: `sub` and `exp` are
/// required and tokens over 8 KiB are refused before decoding.
#[test]
fn default_policy_is_stricter_than_the_vector_profile() {
    let v = json(JWT_CASES);
    let cases = v.as_array().unwrap();
    let case = |name: &str| cases.iter().find(|c| c["name"] == name).expect(name);
    let key = b64url(str_of(case("valid_baseline"), "key_b64url"));
    let ring = KeyRing::new(vec![("key-1".into(), key)], "key-1", Policy::default()).unwrap();
    let now = 1_700_000_000.0;
    assert!(ring
        .verify(str_of(case("valid_baseline"), "token"), now)
        .is_ok());
    let reason = |name: &str| {
        ring.verify(str_of(case(name), "token"), now)
            .unwrap_err()
            .reason
    };
    assert_eq!(reason("valid_empty_claims_object"), Reason::InvalidClaims);
    assert_eq!(reason("valid_huge_payload_64KiB"), Reason::TooLarge);
    assert_eq!(reason("sig_huge_64KiB"), Reason::TooLarge);
}

/// A panic would poison a wasm instance: after every vector, the same ring (and the
/// same instance, in the wasm run) still verifies a good token.
#[test]
fn still_healthy_after_every_vector() {
    let ring = KeyRing::new(vec![("k".into(), vec![9u8; 32])], "k", Policy::default()).unwrap();
    let good = ring
        .sign_plain(r#"{"sub":"u","exp":4102444800}"#)
        .expect("signs");
    let all: Vec<String> = json(JWT_CASES)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(c, "token").to_string())
        .chain(
            json(WYCHEPROOF_JWS)["testGroups"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["tests"].as_array().unwrap().iter())
                .filter_map(|t| t["jws"].as_str().map(str::to_string)),
        )
        .collect();
    for t in &all {
        let _ = ring.verify(t, 1_700_000_000.0);
        let _ = hybrid_auth::looks_like_jwt(t, 8192);
    }
    assert!(ring.verify(&good, 1_700_000_000.0).is_ok());
}

/// The seed's one-secret `verifyJWT` ring (`KeyRing::drop_in`) against the seed-era
/// vectors: tokens without `iat`/`jti`, with any `kid`, with extra claims are accepted,
/// and every anti-forgery rule still refuses with its reason. The kid-selecting ring
/// gives its own (stricter) answers for the same tokens.
#[test]
fn seed_compat_cases_drop_in_and_ring() {
    let v = json(SEED_COMPAT);
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 32);
    let code = |r: Result<hybrid_auth::Verified, hybrid_auth::Rejected>| match r {
        Ok(_) => "valid",
        Err(rej) => rej.reason.code(),
    };
    let mut accepted_only_by_drop_in = 0;
    for c in cases {
        let name = str_of(c, "name");
        let key = b64url(str_of(c, "key_b64url"));
        let now = c["now"].as_f64().unwrap();
        let drop_in = KeyRing::drop_in(key.clone(), Policy::default()).unwrap();
        let ring = KeyRing::new(vec![("key-1".into(), key)], "key-1", Policy::default()).unwrap();
        let token = str_of(c, "token");
        let got_drop_in = drop_in.verify(token, now);
        if let Ok(v) = &got_drop_in {
            // The payload handed back is the token's, byte for byte.
            let p = token.split('.').nth(1).unwrap();
            assert_eq!(v.payload.as_bytes(), b64url(p), "{name}");
        }
        let got_ring = code(ring.verify(token, now));
        let got_drop_in = code(got_drop_in);
        assert_eq!(got_drop_in, str_of(c, "drop_in"), "{name} (drop-in)");
        assert_eq!(got_ring, str_of(c, "ring"), "{name} (ring)");
        accepted_only_by_drop_in += usize::from(got_drop_in == "valid" && got_ring != "valid");
    }
    assert_eq!(accepted_only_by_drop_in, 6, "the kid cases");
}

/// Ignoring `kid` changes nothing else: on all 80 edge cases the drop-in ring gives the
/// kid-selecting ring's answer and reason.
#[test]
fn drop_in_matches_the_ring_on_every_edge_case() {
    let v = json(JWT_CASES);
    for c in v.as_array().unwrap() {
        let name = str_of(c, "name");
        let key = b64url(str_of(c, "key_b64url"));
        let policy = vector_policy(c["leeway"].as_f64().unwrap());
        let drop_in = KeyRing::drop_in(key.clone(), policy.clone()).unwrap();
        let ring = KeyRing::new(vec![("key-1".into(), key)], "key-1", policy).unwrap();
        let now = c["now"].as_f64().unwrap();
        let token = str_of(c, "token");
        let a = drop_in.verify(token, now).map(|v| v.payload);
        let b = ring.verify(token, now).map(|v| v.payload);
        assert_eq!(a.map_err(|r| r.reason), b.map_err(|r| r.reason), "{name}");
    }
}

/// RFC 8037 appendix A, each part: A.1 (the private JWK signs), A.2 (the public JWK),
/// A.3 (its thumbprint), A.4 (signing gives the RFC's signature: Ed25519 is
/// deterministic) and A.5 (the RFC's JWS verifies, through a key ring, and a changed
/// byte does not). The same key from OpenSSL's PKCS#8 and SPKI DER is the same key.
#[test]
fn rfc8037_appendix_a_1_to_5() {
    let v = json(RFC8037);
    let a1 = jwk::parse_jwk_text(&v["A.1_private_jwk"].to_string(), "A.1")
        .unwrap()
        .1;
    let a2 = jwk::parse_jwk_text(&v["A.2_public_jwk"].to_string(), "A.2")
        .unwrap()
        .1;
    let x = b64url(str_of(&v["A.2_public_jwk"], "x"));
    assert!(a1.can_sign() && !a2.can_sign());
    assert_eq!(
        a1.public_bytes().to_vec(),
        x,
        "A.1: x is the public key of d"
    );
    assert_eq!(a2.public_bytes().to_vec(), x, "A.2");
    assert_eq!(jwk::thumbprint(&a2), str_of(&v, "A.3_thumbprint"), "A.3");
    let input = str_of(&v, "A.4_signing_input");
    let sig = a1.sign(input.as_bytes()).unwrap();
    assert_eq!(b64::encode(&sig), str_of(&v, "A.4_signature"), "A.4");
    assert!(a2.verify(input.as_bytes(), &sig), "A.5");
    // A.5 through the JWS layer: the RFC's header has no kid and no typ.
    let ring = KeyRing::with_keys(
        vec![("a2".into(), Key::Ed25519(a2.clone()))],
        None,
        vector_policy(0.0),
    )
    .unwrap();
    let compact = str_of(&v, "A.4_compact");
    let jws = ring.verify_jws(compact).map_err(|r| r.code()).unwrap();
    assert_eq!(jws.payload, str_of(&v, "A.4_payload").as_bytes());
    assert_eq!(jws.kid, "a2");
    let mut forged = compact.to_string();
    forged.replace_range(21..22, "S"); // "RXhh..." -> "SXhh...": another payload
    assert_eq!(ring.verify_jws(&forged).err(), Some(Reason::BadSignature));
    let pkcs8 = EdKey::from_pkcs8(&hex(str_of(&v, "openssl_pkcs8_der_hex")), "p").unwrap();
    let spki = EdKey::from_spki_or_raw(&hex(str_of(&v, "openssl_spki_der_hex")), "s").unwrap();
    assert_eq!(pkcs8.sign(input.as_bytes()), Some(sig));
    assert_eq!(spki.public_bytes().to_vec(), x);
}

/// Every Wycheproof Ed25519 vector (151: 88 valid, 63 invalid): each group's key as hex
/// and as its JWK give the same key, and `verify` gives the expected answer. A group
/// key our key reader refuses (a small-order point) counts only if all its tests are
/// invalid.
#[test]
fn wycheproof_ed25519_all_151() {
    let v = json(WYCHEPROOF_ED25519);
    let (mut n, mut valid) = (0, 0);
    for group in v["testGroups"].as_array().unwrap() {
        let pk = hex(str_of(&group["publicKey"], "pk"));
        let key = EdKey::from_public_bytes(&pk, "pk");
        if let Ok(key) = &key {
            let from_jwk = jwk::parse_jwk_text(&group["publicKeyJwk"].to_string(), "jwk")
                .unwrap()
                .1;
            assert_eq!(from_jwk.public_bytes(), key.public_bytes());
        }
        for t in group["tests"].as_array().unwrap() {
            let expected = str_of(t, "result") == "valid";
            let got = key
                .as_ref()
                .is_ok_and(|k| k.verify(&hex(str_of(t, "msg")), &hex(str_of(t, "sig"))));
            assert_eq!(
                got,
                expected,
                "tcId {} ({})",
                t["tcId"],
                str_of(t, "comment")
            );
            n += 1;
            valid += usize::from(expected);
        }
    }
    assert_eq!((n, valid), (151, 88));
}

/// The native path's split gives `verify_strict`'s answers on every Wycheproof vector:
/// the form checks of `strict_signature_form` plus a standard cofactorless verifier (dalek's
/// `verify`, which BoringSSL's and OpenSSL's equal) accept exactly the valid ones.
#[test]
fn wycheproof_ed25519_through_the_form_check_and_a_standard_verifier() {
    use ed25519_dalek::Verifier;
    let v = json(WYCHEPROOF_ED25519);
    let mut n = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let pk = hex(str_of(&group["publicKey"], "pk"));
        let usable = EdKey::from_public_bytes(&pk, "pk").is_ok();
        for t in group["tests"].as_array().unwrap() {
            let expected = str_of(t, "result") == "valid";
            let (msg, sig) = (hex(str_of(t, "msg")), hex(str_of(t, "sig")));
            let got = usable
                && <[u8; 64]>::try_from(sig.as_slice()).is_ok_and(|sig| {
                    hybrid_auth::ed25519::strict_signature_form(&sig)
                        && ed25519_dalek::VerifyingKey::from_bytes(&pk.clone().try_into().unwrap())
                            .unwrap()
                            .verify(&msg, &ed25519_dalek::Signature::from_bytes(&sig))
                            .is_ok()
                });
            assert_eq!(
                got,
                expected,
                "tcId {} ({})",
                t["tcId"],
                str_of(t, "comment")
            );
            n += 1;
        }
    }
    assert_eq!(n, 151);
}
