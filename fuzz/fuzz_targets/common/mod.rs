//! Shared by the fuzz targets: fixed key rings and a signer that builds tokens with the
//! ring's own key, so fuzzed content can get past the MAC and reach the claim logic.
#![allow(dead_code)]

use hybrid_auth::{b64, HmacKey, KeyRing, Policy, Reason};
use std::sync::OnceLock;

/// The 32-byte key of `tests/vectors/jwt_hs256_cases.json`: seeds copied from that
/// file carry a valid MAC under it, so mutations of them start past the signature check.
pub const KEY_B64: &str = "wZDjEymHRLtdqIPwsDgzaB6Su-1NKbXGfjPrd9Sxm2A";
/// The `now` of those vectors.
pub const NOW: f64 = 1_700_000_000.0;
/// The kid the vectors use in their `kid` cases.
pub const KID: &str = "key-1";

pub const PLAIN_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
pub const KID_HEADER: &str = r#"{"alg":"HS256","typ":"JWT","kid":"key-1"}"#;
/// Claims every ring below accepts at [`NOW`].
pub const GOOD_PAYLOAD: &str = r#"{"sub":"u1","iss":"https://issuer.example","aud":["api"],"iat":1699999940,"exp":1700003600}"#;

pub struct Rings {
    pub key: HmacKey,
    /// Default policy (8 KiB, sub and exp required, no leeway); a second key so kid-less
    /// tokens take the try-every-key path.
    pub strict: KeyRing,
    /// The vectors' policy: nothing required, 1 MiB tokens, maximum leeway, extra typ.
    pub relaxed: KeyRing,
    /// Issuer and audience configured.
    pub configured: KeyRing,
    /// The seed's one-secret `verifyJWT` ring: the vectors' key, `kid` ignored.
    pub drop_in: KeyRing,
}

impl Rings {
    pub fn all(&self) -> [&KeyRing; 3] {
        [&self.strict, &self.relaxed, &self.configured]
    }
}

pub fn secret() -> Vec<u8> {
    b64::decode(KEY_B64).expect("KEY_B64 is canonical base64url")
}

pub fn rings() -> &'static Rings {
    static RINGS: OnceLock<Rings> = OnceLock::new();
    RINGS.get_or_init(|| {
        let keys = || {
            vec![
                ("old".to_string(), vec![0x5a; 48]),
                (KID.to_string(), secret()),
            ]
        };
        let ring = |policy: Policy| KeyRing::new(keys(), KID, policy).expect("valid ring");
        Rings {
            key: HmacKey::for_jwt(&secret(), "fuzz").expect("32-byte key"),
            strict: ring(Policy::default()),
            relaxed: ring(Policy {
                leeway_seconds: 300.0,
                max_token_bytes: 1 << 20,
                require_sub: false,
                require_exp: false,
                typ: vec!["JWT".into(), "at+jwt".into()],
                ..Policy::default()
            }),
            drop_in: KeyRing::drop_in(secret(), Policy::default()).expect("valid ring"),
            configured: ring(Policy {
                issuer: Some("https://issuer.example".into()),
                audience: Some("api".into()),
                leeway_seconds: 5.0,
                ..Policy::default()
            }),
        }
    })
}

/// `b64(header) "." b64(payload) "." b64(HMAC(key, signing input))` from raw bytes.
pub fn seal(key: &HmacKey, header: &[u8], payload: &[u8]) -> String {
    let mut token = b64::encode(header);
    token.push('.');
    token.push_str(&b64::encode(payload));
    let tag = key.tag(token.as_bytes());
    token.push('.');
    token.push_str(&b64::encode(&tag));
    token
}

/// Reasons that are about the JWS layer: never right for a token we signed ourselves
/// under a header the ring accepts.
pub fn is_jws_reason(r: Reason) -> bool {
    matches!(
        r,
        Reason::BadSignature
            | Reason::UnknownKid
            | Reason::UnsupportedAlg
            | Reason::UnsupportedHeader
            | Reason::BadTyp
    )
}
