//! Ed25519 ("EdDSA") in the key ring (issue 24): signing and verifying beside HS256,
//! the algorithm pinned per key, `kid` selection, the signature before the claims, and
//! every algorithm-confusion path the issue names; the JWK and JWKS readers' refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hybrid_auth::jwk::{self, MAX_JWKS_BYTES, MAX_JWKS_ENTRIES};
use hybrid_auth::{b64, EdKey, HmacKey, Key, KeyRing, Policy, Reason, SignRequest};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: f64 = 1_700_000_000.0;
const CLAIMS: &str = r#"{"sub":"u1","exp":1700000600}"#;

fn ed(seed: u8) -> EdKey {
    EdKey::from_seed(&[seed; 32], "test").unwrap()
}

fn hs(fill: u8) -> Key {
    Key::Hs256(HmacKey::for_jwt(&[fill; 32], "test").unwrap())
}

/// A token with this header and claims, signed by `sign` over the signing input.
fn token(header: &str, claims: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let mut t = b64::encode(header.as_bytes());
    t.push('.');
    t.push_str(&b64::encode(claims.as_bytes()));
    let sig = sign(t.as_bytes());
    t.push('.');
    t.push_str(&b64::encode(&sig));
    t
}

fn ed_signer(key: &EdKey) -> impl Fn(&[u8]) -> Vec<u8> + '_ {
    |m| key.sign(m).unwrap().to_vec()
}

fn mac_with(secret: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> + '_ {
    |m| HmacKey::new_unchecked_len(secret).tag(m).to_vec()
}

fn ring(keys: Vec<(&str, Key)>, sign_with: Option<&str>) -> KeyRing {
    let keys = keys.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    KeyRing::with_keys(keys, sign_with, Policy::default()).unwrap()
}

fn reason(ring: &KeyRing, token: &str) -> Reason {
    ring.verify(token, NOW).unwrap_err().reason
}

fn sign(ring: &KeyRing) -> String {
    let req = SignRequest {
        claims_json: r#"{"sub":"u1"}"#,
        expires_in: Some(600.0),
        now: NOW,
    };
    ring.sign(&req, || Ok("jti-1".to_string())).unwrap()
}

#[test]
fn an_ed25519_ring_signs_eddsa_tokens_that_it_and_a_public_only_ring_verify() {
    let signer = ring(vec![("ed1", Key::Ed25519(ed(1)))], Some("ed1"));
    let t = sign(&signer);
    let header = String::from_utf8(b64::decode(t.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header, r#"{"alg":"EdDSA","typ":"JWT","kid":"ed1"}"#);
    assert_eq!(
        t.split('.').nth(2).unwrap().len(),
        86,
        "64 bytes of signature"
    );
    let v = signer.verify(&t, NOW).unwrap();
    assert_eq!(
        (v.kid.as_str(), v.claims.sub.as_deref()),
        ("ed1", Some("u1"))
    );
    // Another service holds only the public half (as from the JWKS).
    let verifier = KeyRing::from_jwks(&signer.public_jwks(), Policy::default()).unwrap();
    assert_eq!(verifier.verify(&t, NOW).unwrap().kid, "ed1");
    assert!(verifier
        .sign(
            &SignRequest {
                claims_json: CLAIMS,
                expires_in: None,
                now: NOW
            },
            || Ok("j".into())
        )
        .is_err());
    assert_eq!(verifier.signing_alg(), None);
    // The same claims under another Ed25519 key with the same kid: bad signature.
    let other = ring(vec![("ed1", Key::Ed25519(ed(2)))], Some("ed1"));
    assert_eq!(reason(&verifier, &sign(&other)), Reason::BadSignature);
}

#[test]
fn the_signature_is_checked_before_the_claims() {
    let key = ed(1);
    let r = ring(vec![("ed1", Key::Ed25519(key.public_only()))], None);
    let expired = r#"{"sub":"u1","exp":1600000000}"#;
    let wrong_iss_free = r#"{"exp":1700000600}"#; // no sub: invalid claims
    for claims in [expired, wrong_iss_free] {
        let good = token(r#"{"alg":"EdDSA","kid":"ed1"}"#, claims, ed_signer(&key));
        assert_ne!(
            reason(&r, &good),
            Reason::BadSignature,
            "authentic: {claims}"
        );
        let forged = token(r#"{"alg":"EdDSA","kid":"ed1"}"#, claims, ed_signer(&ed(9)));
        assert_eq!(reason(&r, &forged), Reason::BadSignature, "{claims}");
    }
    // A typ the ring refuses is looked at only after the signature.
    let forged_typ = token(
        r#"{"alg":"EdDSA","typ":"dpop+jwt"}"#,
        CLAIMS,
        ed_signer(&ed(9)),
    );
    assert_eq!(reason(&r, &forged_typ), Reason::BadSignature);
    let typ = token(
        r#"{"alg":"EdDSA","typ":"dpop+jwt"}"#,
        CLAIMS,
        ed_signer(&key),
    );
    assert_eq!(reason(&r, &typ), Reason::BadTyp);
}

#[test]
fn kid_selects_the_key_and_no_kid_tries_every_key_of_the_alg() {
    let (a, b) = (ed(1), ed(2));
    let r = ring(
        vec![
            ("a", Key::Ed25519(a.public_only())),
            ("b", Key::Ed25519(b.public_only())),
            ("h", hs(7)),
        ],
        None,
    );
    let by_b = token(r#"{"alg":"EdDSA","kid":"b"}"#, CLAIMS, ed_signer(&b));
    assert_eq!(r.verify(&by_b, NOW).unwrap().kid, "b");
    let b_named_a = token(r#"{"alg":"EdDSA","kid":"a"}"#, CLAIMS, ed_signer(&b));
    assert_eq!(reason(&r, &b_named_a), Reason::BadSignature);
    let unknown = token(r#"{"alg":"EdDSA","kid":"zz"}"#, CLAIMS, ed_signer(&b));
    assert_eq!(reason(&r, &unknown), Reason::UnknownKid);
    let no_kid = token(r#"{"alg":"EdDSA"}"#, CLAIMS, ed_signer(&b));
    assert_eq!(r.verify(&no_kid, NOW).unwrap().kid, "b");
    // The HS256 key of the same ring still verifies its own tokens.
    let hs_token = token(r#"{"alg":"HS256","kid":"h"}"#, CLAIMS, mac_with(&[7; 32]));
    assert_eq!(r.verify(&hs_token, NOW).unwrap().kid, "h");
}

/// The classic confusion: an attacker MACs a token with the *public* key as the HS256
/// secret. The key's algorithm is EdDSA, so the token's HS256 is refused before any
/// HMAC is computed, whether it names the key, names none, or the ring also holds
/// HS256 keys (which are tried, and do not match).
#[test]
fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    let key = ed(1);
    let public = key.public_bytes();
    let x_text = b64::encode(&public);
    let jwk_text = jwk::public_jwk_json("ed1", &key);
    let secrets: [&[u8]; 3] = [&public, x_text.as_bytes(), jwk_text.as_bytes()];
    let only_ed = ring(vec![("ed1", Key::Ed25519(key.public_only()))], None);
    let mixed = ring(
        vec![("ed1", Key::Ed25519(key.public_only())), ("h", hs(7))],
        None,
    );
    for secret in secrets {
        let named = token(r#"{"alg":"HS256","kid":"ed1"}"#, CLAIMS, mac_with(secret));
        let unnamed = token(r#"{"alg":"HS256"}"#, CLAIMS, mac_with(secret));
        assert_eq!(reason(&only_ed, &named), Reason::UnsupportedAlg);
        assert_eq!(reason(&only_ed, &unnamed), Reason::UnsupportedAlg);
        assert_eq!(reason(&mixed, &named), Reason::UnsupportedAlg);
        assert_eq!(reason(&mixed, &unnamed), Reason::BadSignature);
    }
}

#[test]
fn each_algorithm_is_refused_by_a_ring_without_keys_of_it() {
    let key = ed(1);
    let hs_only = ring(vec![("h", hs(7))], Some("h"));
    let ed_only = ring(vec![("ed1", Key::Ed25519(key.clone()))], Some("ed1"));
    // EdDSA to an HS256-only ring (also the seed's one-secret ring), correctly signed.
    let eddsa = sign(&ed_only);
    assert_eq!(reason(&hs_only, &eddsa), Reason::UnsupportedAlg);
    let drop_in = KeyRing::drop_in(vec![7; 32], Policy::default()).unwrap();
    assert_eq!(reason(&drop_in, &eddsa), Reason::UnsupportedAlg);
    // HS256 to an EdDSA-only ring, correctly MAC'd with a real HS256 key.
    let hs256 = sign(&hs_only);
    assert_eq!(reason(&ed_only, &hs256), Reason::UnsupportedAlg);
    // An EdDSA token naming an HS256 key's kid.
    let named_h = token(r#"{"alg":"EdDSA","kid":"h"}"#, CLAIMS, ed_signer(&key));
    let mixed = ring(
        vec![("ed1", Key::Ed25519(key.clone())), ("h", hs(7))],
        Some("h"),
    );
    assert_eq!(reason(&mixed, &named_h), Reason::UnsupportedAlg);
    // An HS256 signature (32 bytes) under an EdDSA header, and the reverse: no key of
    // the right kind accepts a signature of the wrong length.
    let short = token(r#"{"alg":"EdDSA","kid":"ed1"}"#, CLAIMS, mac_with(&[7; 32]));
    assert_eq!(reason(&mixed, &short), Reason::BadSignature);
    let long = token(r#"{"alg":"HS256","kid":"h"}"#, CLAIMS, ed_signer(&key));
    assert_eq!(reason(&mixed, &long), Reason::BadSignature);
}

#[test]
fn alg_none_and_other_names_are_refused() {
    let key = ed(1);
    let r = ring(
        vec![("ed1", Key::Ed25519(key.clone())), ("h", hs(7))],
        Some("ed1"),
    );
    for header in [
        r#"{"alg":"none"}"#,
        r#"{"alg":"none","kid":"ed1"}"#,
        r#"{"alg":"Ed25519","kid":"ed1"}"#,
        r#"{"alg":"eddsa","kid":"ed1"}"#,
        r#"{"alg":"ES256","kid":"ed1"}"#,
    ] {
        let empty_sig = token(header, CLAIMS, |_| Vec::new());
        assert_eq!(reason(&r, &empty_sig), Reason::UnsupportedAlg, "{header}");
        let ed_sig = token(header, CLAIMS, ed_signer(&key));
        assert_eq!(reason(&r, &ed_sig), Reason::UnsupportedAlg, "{header}");
    }
    // Embedded keys stay refused for EdDSA too.
    let jku = token(r#"{"alg":"EdDSA","jwk":{}}"#, CLAIMS, ed_signer(&key));
    assert_eq!(reason(&r, &jku), Reason::UnsupportedHeader);
}

#[test]
fn a_public_key_cannot_be_the_signing_key() {
    let keys = vec![("ed1".to_string(), Key::Ed25519(ed(1).public_only()))];
    let err = KeyRing::with_keys(keys, Some("ed1"), Policy::default())
        .err()
        .unwrap();
    assert!(err.message().contains("private half"), "{err}");
    // Nothing signs under the plain HS256 header with an Ed25519 key either.
    let r = ring(vec![("ed1", Key::Ed25519(ed(1)))], Some("ed1"));
    assert!(r.sign_plain(CLAIMS).is_err());
}

/// Rotation with asymmetric keys: the ring that signs with the new key still verifies
/// the old key's tokens, and its JWKS publishes both (public halves only).
#[test]
fn rotation_keeps_old_tokens_valid_and_publishes_both_keys() {
    let old = ring(vec![("k1", Key::Ed25519(ed(1)))], Some("k1"));
    let old_token = sign(&old);
    let rotated = ring(
        vec![("k2", Key::Ed25519(ed(2))), ("k1", Key::Ed25519(ed(1)))],
        Some("k2"),
    );
    assert_eq!(rotated.verify(&old_token, NOW).unwrap().kid, "k1");
    assert_eq!(rotated.verify(&sign(&rotated), NOW).unwrap().kid, "k2");
    let jwks = rotated.public_jwks();
    assert!(!jwks.contains("\"d\""), "{jwks}");
    let published = jwk::parse_jwks(&jwks).unwrap();
    let kids: Vec<_> = published.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kids, ["k2", "k1"]);
    assert_eq!(published[0].1.public_bytes(), ed(2).public_bytes());
    // An HS256-only ring publishes nothing.
    assert_eq!(
        ring(vec![("h", hs(7))], Some("h")).public_jwks(),
        r#"{"keys":[]}"#
    );
}

fn jwk_err(text: &str) -> String {
    jwk::parse_jwk_text(text, "jwk")
        .err()
        .unwrap()
        .message()
        .to_string()
}

#[test]
fn a_jwk_of_the_wrong_kty_crv_use_alg_or_ops_is_refused() {
    let x = b64::encode(&ed(1).public_bytes());
    let good = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}"#);
    assert!(jwk::parse_jwk_text(&good, "jwk").is_ok());
    let with = |extra: &str| format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}",{extra}}}"#);
    for (text, says) in [
        (
            format!(r#"{{"kty":"oct","k":"{x}"}}"#),
            ".kty must be \"OKP\"",
        ),
        (
            format!(r#"{{"kty":"EC","crv":"Ed25519","x":"{x}"}}"#),
            ".kty",
        ),
        (format!(r#"{{"crv":"Ed25519","x":"{x}"}}"#), ".kty"),
        (
            format!(r#"{{"kty":"OKP","crv":"X25519","x":"{x}"}}"#),
            ".crv must be \"Ed25519\"",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed448","x":"{x}"}}"#),
            ".crv",
        ),
        (with(r#""use":"enc""#), ".use must be \"sig\""),
        (with(r#""use":1"#), ".use must be a string"),
        (with(r#""alg":"HS256""#), ".alg must be \"EdDSA\""),
        (with(r#""alg":"ES256""#), ".alg"),
        (with(r#""key_ops":["encrypt"]"#), ".key_ops"),
        (with(r#""key_ops":"sign""#), ".key_ops"),
        (with(r#""kid":"""#), ".kid must be a non-empty string"),
        (
            r#"{"kty":"OKP","crv":"Ed25519"}"#.to_string(),
            ".x is required",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}="}}"#),
            ".x must be 32 bytes",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, &x[..40]),
            ".x must be 32 bytes",
        ),
        (
            with(&format!(r#""d":"{}""#, b64::encode(&[2; 32]))),
            ".x is not the public key of .d",
        ),
        (with(r#""d":"AAAA""#), ".d must be 32 bytes"),
        ("[1]".to_string(), "must be a JWK object"),
        ("{".to_string(), "not valid JSON"),
        (
            format!(r#"{{"kty":"OKP","kty":"OKP","crv":"Ed25519","x":"{x}"}}"#),
            "not valid JSON",
        ),
    ] {
        let msg = jwk_err(&text);
        assert!(msg.contains(says), "{text}: {msg}");
        assert!(!msg.contains(&x), "messages never echo key material: {msg}");
    }
    // The small-order identity point, as a JWK.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = format!(
        r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
        b64::encode(&identity)
    );
    assert!(jwk_err(&weak).contains("small-order"));
}

fn jwks_of(entries: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, entries.join(","))
}

fn entry(kid: &str, seed: u8) -> String {
    jwk::public_jwk_json(kid, &ed(seed))
}

fn jwks_err(text: &str) -> String {
    jwk::parse_jwks(text).err().unwrap().message().to_string()
}

#[test]
fn a_jwks_is_read_with_its_other_algorithms_skipped() {
    let rsa = r#"{"kty":"RSA","kid":"r1","n":"AQAB","e":"AQAB","alg":"RS256"}"#.to_string();
    let p256 = r#"{"kty":"EC","crv":"P-256","kid":"e1","x":"AA","y":"AA"}"#.to_string();
    let enc = format!(
        r#"{{"kty":"OKP","crv":"Ed25519","kid":"x1","use":"enc","x":"{}"}}"#,
        b64::encode(&ed(5).public_bytes())
    );
    let keys = jwk::parse_jwks(&jwks_of(&[rsa, entry("a", 1), p256, enc, entry("b", 2)])).unwrap();
    let kids: Vec<_> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kids, ["a", "b"]);
    assert_eq!(keys[1].1.public_bytes(), ed(2).public_bytes());
}

#[test]
fn a_malformed_huge_or_ambiguous_jwks_is_refused_with_a_clear_error() {
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "not valid JSON"),
        ("".into(), "not valid JSON"),
        (r#"{"keys":{}}"#.into(), "\"keys\" array"),
        (r#"[]"#.into(), "\"keys\" array"),
        (r#"{"keys":[]}"#.into(), "no usable key"),
        (r#"{"keys":[1]}"#.into(), "keys[0] must be an object"),
        (
            jwks_of(&[entry("a", 1), entry("a", 2)]),
            "keys[1].kid is a duplicate",
        ),
        // A duplicate kid is refused even when one of the two is a key we skip.
        (
            jwks_of(&[r#"{"kty":"RSA","kid":"a"}"#.into(), entry("a", 2)]),
            "duplicate",
        ),
        (
            jwks_of(&[r#"{"kty":"RSA","kid":"r"}"#.into()]),
            "no usable key",
        ),
        (
            jwks_of(&[format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
                b64::encode(&ed(1).public_bytes())
            )]),
            ".kid is required",
        ),
        (
            jwks_of(&[format!(
                r#"{{"kty":"OKP","crv":"Ed25519","kid":"a","x":"{}","d":"{}"}}"#,
                b64::encode(&ed(1).public_bytes()),
                b64::encode(&[1; 32])
            )]),
            "private key (d)",
        ),
        (
            jwks_of(&[entry("a", 1).replace("\"x\":\"", "\"x\":\"A")]),
            ".x must be 32 bytes",
        ),
        (
            format!(r#"{{"keys":[{}]}}"#, "[".repeat(40) + &"]".repeat(40)),
            "not valid JSON",
        ),
        (
            jwks_of(
                &(0..=MAX_JWKS_ENTRIES)
                    .map(|i| format!(r#"{{"kty":"RSA","kid":"r{i}"}}"#))
                    .collect::<Vec<_>>(),
            ),
            "over the limit of 64",
        ),
        (
            jwks_of(
                &(0..17u8)
                    .map(|i| entry(&format!("k{i}"), i + 1))
                    .collect::<Vec<_>>(),
            ),
            "more than 16 Ed25519 keys",
        ),
        (
            format!(
                r#"{{"keys":[{}],"pad":"{}"}}"#,
                entry("a", 1),
                "x".repeat(MAX_JWKS_BYTES)
            ),
            "over the 65536-byte limit",
        ),
    ];
    for (text, says) in cases {
        let msg = jwks_err(&text);
        assert!(msg.contains(says), "{}: {msg}", &text[..text.len().min(80)]);
    }
    // The same set within the limits is accepted: the refusals above are the limits'.
    let sixteen: Vec<_> = (0..16u8).map(|i| entry(&format!("k{i}"), i + 1)).collect();
    assert_eq!(jwk::parse_jwks(&jwks_of(&sixteen)).unwrap().len(), 16);
}

#[test]
fn pkcs8_spki_and_raw_keys_make_the_same_ring() {
    let key = ed(3);
    let mut pkcs8 = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    pkcs8.extend_from_slice(&[3; 32]);
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(&key.public_bytes());
    let signer = ring(
        vec![("k", Key::Ed25519(EdKey::from_pkcs8(&pkcs8, "p").unwrap()))],
        Some("k"),
    );
    let t = sign(&signer);
    for public in [
        EdKey::from_spki_or_raw(&spki, "s").unwrap(),
        EdKey::from_spki_or_raw(&key.public_bytes(), "r").unwrap(),
    ] {
        assert!(ring(vec![("k", Key::Ed25519(public))], None)
            .verify(&t, NOW)
            .is_ok());
    }
}

/// `verify_strict`, not `verify`: a signature whose `R` is a small-order point (here the
/// identity) satisfies the cofactorless equation `[S]B = R + [k]A` when `S = k·a`, so a
/// key holder can make signatures a lenient verifier accepts under many encodings
/// (malleability). Wycheproof's ed25519 file has no such case; this one is built here,
/// and the control shows the equation really holds (a lenient check would pass).
#[test]
fn a_signature_with_a_small_order_r_is_refused() {
    use curve25519_dalek::{
        constants::ED25519_BASEPOINT_POINT as B, edwards::CompressedEdwardsY, scalar::Scalar,
    };
    use sha2::{Digest, Sha512};
    let seed = [5u8; 32];
    let key = EdKey::from_seed(&seed, "k").unwrap();
    let public = key.public_bytes();
    // RFC 8032 §5.1.5: the secret scalar is the clamped first half of SHA-512(seed).
    let h = Sha512::digest(seed);
    let mut a_bytes: [u8; 32] = h[..32].try_into().unwrap();
    a_bytes[0] &= 248;
    a_bytes[31] &= 127;
    a_bytes[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a_bytes);
    let mut r = [0u8; 32];
    r[0] = 1; // the identity point, of order 1
    let message = b"eyJhbGciOiJFZERTQSJ9.e30";
    let k_wide: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(public)
        .chain_update(message)
        .finalize()
        .into();
    let k = Scalar::from_bytes_mod_order_wide(&k_wide);
    let s = k * a;
    // Control: [S]B - [k]A is the identity, i.e. R: the cofactorless equation holds.
    let a_point = CompressedEdwardsY(public).decompress().unwrap();
    assert_eq!((s * B - k * a_point).compress().to_bytes(), r);
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(&s.to_bytes());
    assert!(!key.verify(message, &sig));
    // And the same message signed properly verifies.
    assert!(key.verify(message, &key.sign(message).unwrap()));
}

/// The native-verifier path (`ed25519_request`, then `verify_with_ed25519_verdict`): the
/// request names the key the ring selects, the signing input and the signature, and a
/// standard Ed25519 verifier (dalek's cofactorless `verify`, as BoringSSL's) given exactly
/// those agrees; the verdict then decides the signature and the ring checks the rest.
#[test]
fn the_native_path_hands_out_the_selected_key_and_checks_everything_but_the_equation() {
    use ed25519_dalek::Verifier;
    let (k1, k2) = (ed(1), ed(2));
    let r = ring(
        vec![
            ("e1", Key::Ed25519(k1.clone())),
            ("e2", Key::Ed25519(k2.clone())),
            ("h", hs(9)),
        ],
        Some("e2"),
    );
    let t = sign(&r);
    let req = r.ed25519_request(&t).unwrap().unwrap();
    assert_eq!(req.kid, "e2");
    assert_eq!(req.public_key, k2.public_bytes());
    assert_eq!(req.message, t.rsplit_once('.').unwrap().0.as_bytes());
    let standard = ed25519_dalek::VerifyingKey::from_bytes(&req.public_key).unwrap();
    assert!(standard
        .verify(
            req.message,
            &ed25519_dalek::Signature::from_bytes(&req.signature)
        )
        .is_ok());
    let via_verdict = r.verify_with_ed25519_verdict(&t, NOW, true).unwrap();
    let direct = r.verify(&t, NOW).unwrap();
    assert_eq!(
        (via_verdict.kid, via_verdict.payload),
        (direct.kid, direct.payload)
    );
    // A false verdict is bad_signature; the claims still come after the signature.
    assert_eq!(
        r.verify_with_ed25519_verdict(&t, NOW, false)
            .unwrap_err()
            .reason,
        Reason::BadSignature
    );
    let expired = r.verify_with_ed25519_verdict(&t, NOW + 10_000.0, true);
    assert_eq!(expired.unwrap_err().reason, Reason::Expired);
    // What verify refuses before the signature, the request refuses too.
    let unknown = token(r#"{"alg":"EdDSA","kid":"nope"}"#, CLAIMS, ed_signer(&k1));
    assert_eq!(r.ed25519_request(&unknown).unwrap_err(), Reason::UnknownKid);
    let hs_kid = token(r#"{"alg":"EdDSA","kid":"h"}"#, CLAIMS, ed_signer(&k1));
    assert_eq!(
        r.ed25519_request(&hs_kid).unwrap_err(),
        Reason::UnsupportedAlg
    );
    assert_eq!(
        r.verify_with_ed25519_verdict(&hs_kid, NOW, true)
            .unwrap_err()
            .reason,
        Reason::UnsupportedAlg
    );
    // An HS256 token is not the native path's: None, and the verdict path verifies its MAC.
    let hs_token = token(r#"{"alg":"HS256","kid":"h"}"#, CLAIMS, mac_with(&[9; 32]));
    assert!(r.ed25519_request(&hs_token).unwrap().is_none());
    assert!(r.verify_with_ed25519_verdict(&hs_token, NOW, false).is_ok());
}

/// Without a `kid` the verdict could be about any of several keys: the request answers
/// None (use `verify`) and a verdict for such a token is refused, while a ring with one
/// Ed25519 key names it.
#[test]
fn a_kidless_token_goes_native_only_when_the_ring_has_one_ed25519_key() {
    let (k1, k2) = (ed(1), ed(2));
    let t = token(r#"{"alg":"EdDSA"}"#, CLAIMS, ed_signer(&k1));
    let two = ring(
        vec![("e1", Key::Ed25519(k1.clone())), ("e2", Key::Ed25519(k2))],
        None,
    );
    assert!(two.ed25519_request(&t).unwrap().is_none());
    assert!(two.verify(&t, NOW).is_ok());
    assert_eq!(
        two.verify_with_ed25519_verdict(&t, NOW, true)
            .unwrap_err()
            .reason,
        Reason::BadSignature
    );
    let one = ring(vec![("e1", Key::Ed25519(k1))], None);
    assert_eq!(one.ed25519_request(&t).unwrap().unwrap().kid, "e1");
    assert!(one.verify_with_ed25519_verdict(&t, NOW, true).is_ok());
}

/// The form checks the native path adds: a small-order `R` (which BoringSSL and OpenSSL
/// accept when the equation holds) and a non-canonical `S` are `bad_signature` at the
/// request and under a `true` verdict alike.
#[test]
fn the_native_path_refuses_a_small_order_r_and_a_non_canonical_s() {
    let key = ed(3);
    let r = ring(vec![("e", Key::Ed25519(key.clone()))], None);
    let good = token(r#"{"alg":"EdDSA","kid":"e"}"#, CLAIMS, ed_signer(&key));
    let (input, sig_b64) = good.rsplit_once('.').unwrap();
    let sig: [u8; 64] = b64::decode_exact(sig_b64).unwrap();
    let with_sig = |s: &[u8; 64]| format!("{input}.{}", b64::encode(s));
    // R = the identity (small order), S kept: refused on form alone.
    let mut small_r = sig;
    small_r[..32].copy_from_slice(&{
        let mut id = [0u8; 32];
        id[0] = 1;
        id
    });
    // S + L: the same residue, not canonical (L = 2^252 + 27742317777372353535851937790883648493).
    let mut big_s = sig;
    let l: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(big_s[32 + i]) + u16::from(l[i]) + carry;
        big_s[32 + i] = v as u8;
        carry = v >> 8;
    }
    for bad in [small_r, big_s] {
        let t = with_sig(&bad);
        assert_eq!(r.ed25519_request(&t).unwrap_err(), Reason::BadSignature);
        assert_eq!(
            r.verify_with_ed25519_verdict(&t, NOW, true)
                .unwrap_err()
                .reason,
            Reason::BadSignature
        );
    }
    assert!(r.ed25519_request(&good).unwrap().is_some());
}
