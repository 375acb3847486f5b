//! `KeyRing::new` with fuzzed kids, secrets and policy values (leeway from raw f64 bits:
//! NaN, infinities, negative zero; any `max_token_bytes`; issuer, audience, typ lists),
//! checked against an independent statement of the construction rules. A ring that is
//! built then signs fuzzed claims (`sign`, `sign_plain`) at a fuzzed clock, and what it
//! signs must pass its own JWS layer; `sign` output must verify unless only the claims
//! the caller supplied (nbf, iat in the future) or a typ list without "JWT" refuse it.
#![no_main]

use hybrid_auth::{token, KeyRing, Policy, Reason, SignRequest};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Secret {
    Raw(Vec<u8>),
    /// 32..=1052 bytes: mostly valid, crossing the 1024 limit.
    Sized(u8, u8),
}

impl Secret {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Secret::Raw(b) => b.clone(),
            Secret::Sized(fill, n) => vec![*fill; 32 + usize::from(*n) * 4],
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Kid {
    Short(u8),
    Any(String),
}

impl Kid {
    fn text(&self) -> String {
        match self {
            Kid::Short(n) => format!("k{}", n % 8),
            Kid::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum SignWith {
    Index(u8),
    Name(String),
}

#[derive(Arbitrary, Debug)]
enum Num {
    Bits(f64),
    /// A tenth of a second resolution in a plausible range.
    Small(i16),
}

impl Num {
    fn value(&self, base: f64) -> f64 {
        match self {
            Num::Bits(f) => *f,
            Num::Small(n) => base + f64::from(*n) / 10.0,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Size {
    Any(usize),
    Near(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    keys: Vec<(Kid, Secret)>,
    sign_with: SignWith,
    leeway: Num,
    max_token_bytes: Size,
    issuer: Option<String>,
    audience: Option<String>,
    typ: Vec<String>,
    require_sub: bool,
    require_exp: bool,
    claims_json: String,
    expires_in: Option<Num>,
    now: Num,
    jti: String,
    token: String,
}

/// The construction rules, written out independently of `KeyRing::new`.
fn should_build(keys: &[(String, Vec<u8>)], sign_with: &str, p: &Policy) -> bool {
    let leeway_ok = p.leeway_seconds.is_finite() && (0.0..=300.0).contains(&p.leeway_seconds);
    let size_ok = (256..=1 << 20).contains(&p.max_token_bytes);
    let names_ok = [&p.issuer, &p.audience]
        .iter()
        .all(|v| v.as_ref().is_none_or(|s| !s.is_empty() && s.len() <= 512));
    let typ_ok = p.typ.iter().all(|t| !t.is_empty() && t.len() <= 128);
    let count_ok = (1..=16).contains(&keys.len());
    let keys_ok = keys.iter().enumerate().all(|(i, (kid, secret))| {
        !kid.is_empty()
            && kid.len() <= 128
            && !keys.iter().take(i).any(|(k, _)| k == kid)
            && (32..=1024).contains(&secret.len())
    });
    let signer_ok = keys.iter().any(|(k, _)| k == sign_with);
    leeway_ok && size_ok && names_ok && typ_ok && count_ok && keys_ok && signer_ok
}

fn typ_accepts_jwt(p: &Policy) -> bool {
    p.typ.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t == "jwt" || t == "application/jwt"
    })
}

fuzz_target!(|input: Input| {
    let keys: Vec<(String, Vec<u8>)> = input
        .keys
        .iter()
        .map(|(k, s)| (k.text(), s.bytes()))
        .collect();
    let sign_with = match &input.sign_with {
        SignWith::Index(i) if !keys.is_empty() => keys[usize::from(*i) % keys.len()].0.clone(),
        SignWith::Index(_) => String::new(),
        SignWith::Name(s) => s.clone(),
    };
    let policy = Policy {
        issuer: input.issuer.clone(),
        audience: input.audience.clone(),
        leeway_seconds: input.leeway.value(0.0),
        max_token_bytes: match input.max_token_bytes {
            Size::Any(n) => n,
            Size::Near(n) => usize::from(n),
        },
        typ: if input.typ.is_empty() {
            vec!["JWT".into()]
        } else {
            input.typ.clone()
        },
        require_sub: input.require_sub,
        require_exp: input.require_exp,
    };
    let want = should_build(&keys, &sign_with, &policy);
    let ring = KeyRing::new(keys.clone(), &sign_with, policy.clone());
    assert_eq!(
        ring.is_ok(),
        want,
        "KeyRing::new: {:?}",
        ring.as_ref().err()
    );
    let Ok(ring) = ring else { return };
    assert_eq!(ring.signing_kid(), sign_with);
    assert_eq!(ring.policy(), &policy);

    let now = input.now.value(1_700_000_000.0);
    let _ = ring.verify(&input.token, now);

    // What it signs, its own JWS layer accepts.
    if let Ok(token) = ring.sign_plain(&input.claims_json) {
        match ring.verify_jws(&token) {
            Ok(jws) => assert_eq!(jws.payload, input.claims_json.as_bytes()),
            // `sign_plain` seals what it is given unchecked (its caller builds the
            // claims); an empty payload is not a JWS.
            Err(r) => assert!(
                (r == Reason::BadTyp && !typ_accepts_jwt(&policy))
                    || (r == Reason::Malformed && input.claims_json.is_empty()),
                "sign_plain output refused by the JWS layer: {r:?}"
            ),
        }
        let _ = ring.verify(&token, now);
    }
    let req = SignRequest {
        claims_json: &input.claims_json,
        expires_in: input.expires_in.as_ref().map(|n| n.value(3600.0)),
        now,
    };
    let jti = input.jti.clone();
    if let Ok(token) = ring.sign(&req, || Ok(jti)) {
        // The ring recognises its own header text without decoding it; decoding it
        // must give the same kid (any string: quotes, controls, non-ASCII) and typ.
        let header_b64 = token.split('.').next().unwrap_or_default();
        let parsed = token::parse_header(header_b64).expect("sign writes a valid header");
        assert_eq!(parsed.kid, token::Kid::Str(sign_with.clone()));
        assert_eq!(parsed.typ.as_deref(), Some("JWT"));
        let jws = ring.verify_jws(&token);
        assert!(
            jws.is_ok() || (jws.err() == Some(Reason::BadTyp) && !typ_accepts_jwt(&policy)),
            "sign output refused by the JWS layer: {:?}",
            ring.verify_jws(&token).err()
        );
        // `sign` compares exp with floor(now); so does this check.
        match ring.verify(&token, now.floor()) {
            Ok(v) => assert_eq!(v.kid, sign_with),
            Err(r) => assert!(
                matches!(r.reason, Reason::NotYetValid | Reason::IssuedInFuture)
                    || (r.reason == Reason::BadTyp && !typ_accepts_jwt(&policy)),
                "sign output refused: {:?}",
                r.reason
            ),
        }
    }
});
