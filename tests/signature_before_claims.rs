//! The MAC is checked before any claim (RFC 8725 §3.2: nothing of an unauthenticated
//! token is trusted, not even to choose the error). Observably: a forged token whose
//! claims are also wrong (expired, not yet valid, issued in the future, wrong `iss` or
//! `aud`, no `sub`) is refused as `bad_signature`, never by a claim reason, and its
//! rejection carries no claims (`expired` is only for authentic tokens). The control
//! signs the same claims with the ring's own key and sees each claim reason, so each
//! case really has a bad claim.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hybrid_auth::{b64, KeyRing, Policy, Reason};

const NOW: f64 = 1_700_000_000.0;

fn policy() -> Policy {
    Policy {
        issuer: Some(String::from("https://auth.example")),
        audience: Some(String::from("api")),
        ..Policy::default()
    }
}

fn ring(secret: &[u8; 32]) -> KeyRing {
    KeyRing::drop_in(secret.to_vec(), policy()).expect("a valid ring")
}

/// Claims each wrong in exactly one way, with the reason an authentic token gets.
const CASES: [(&str, Reason); 6] = [
    (
        r#"{"sub":"u","exp":1699999000,"iss":"https://auth.example","aud":"api"}"#,
        Reason::Expired,
    ),
    (
        r#"{"sub":"u","exp":1700000600,"nbf":1700000300,"iss":"https://auth.example","aud":"api"}"#,
        Reason::NotYetValid,
    ),
    (
        r#"{"sub":"u","exp":1700000600,"iat":1700000300,"iss":"https://auth.example","aud":"api"}"#,
        Reason::IssuedInFuture,
    ),
    (
        r#"{"sub":"u","exp":1700000600,"iss":"https://evil.example","aud":"api"}"#,
        Reason::WrongIssuer,
    ),
    (
        r#"{"sub":"u","exp":1700000600,"iss":"https://auth.example","aud":"billing-service"}"#,
        Reason::WrongAudience,
    ),
    (
        r#"{"exp":1700000600,"iss":"https://auth.example","aud":"api"}"#,
        Reason::InvalidClaims,
    ),
];

#[test]
fn a_token_signed_with_another_key_is_bad_signature_whatever_its_claims() {
    let ours = ring(&[7u8; 32]);
    let theirs = ring(&[9u8; 32]);
    for (claims, claim_reason) in CASES {
        // Control: signed by our key, the claim is what refuses it.
        let authentic = ours.sign_plain(claims).expect("signs");
        assert_eq!(
            ours.verify(&authentic, NOW).unwrap_err().reason,
            claim_reason,
            "control: {claims}"
        );
        let forged = theirs.sign_plain(claims).expect("signs");
        let rejected = ours.verify(&forged, NOW).unwrap_err();
        assert_eq!(rejected.reason, Reason::BadSignature, "forged {claims}");
        assert!(
            rejected.expired.is_none(),
            "a forged token's claims are never handed out: {claims}"
        );
    }
}

#[test]
fn a_tampered_payload_is_bad_signature_even_when_the_new_claims_are_wrong() {
    let ours = ring(&[7u8; 32]);
    let valid = ours
        .sign_plain(r#"{"sub":"u","exp":1700000600,"iss":"https://auth.example","aud":"api"}"#)
        .expect("signs");
    assert!(
        ours.verify(&valid, NOW).is_ok(),
        "control: the original is accepted"
    );
    let parts: Vec<&str> = valid.split('.').collect();
    for (claims, claim_reason) in CASES {
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            b64::encode(claims.as_bytes()),
            parts[2]
        );
        let rejected = ours.verify(&tampered, NOW).unwrap_err();
        assert_eq!(
            rejected.reason,
            Reason::BadSignature,
            "tampered to {claims} (an authentic one says {claim_reason:?})"
        );
        assert!(rejected.expired.is_none());
    }
}
