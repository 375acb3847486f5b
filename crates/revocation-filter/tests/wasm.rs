//! The JavaScript API inside wasm (`wasm-pack test --node`): the classes' methods as
//! JavaScript calls them, errors as the `Error` objects JavaScript receives (message
//! starting with the code, and a `code` property). Through Node and the package entry:
//! test/node/filter.test.mjs.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hybrid_auth_revocation_filter::wasm::{RevocationFilter, RevocationFilterBuilder};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test as test;

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// The code an error carries, after checking that it is an `Error` whose message starts
/// with the same code.
fn code_of(e: JsValue) -> String {
    let error = e.dyn_into::<js_sys::Error>().expect("an Error");
    let code = Reflect::get(&error, &s("code"))
        .unwrap()
        .as_string()
        .expect("a code");
    let message = String::from(error.message());
    assert!(message.starts_with(&format!("{code}: ")), "{message}");
    code
}

fn builder() -> RevocationFilterBuilder {
    RevocationFilterBuilder::new(&bytes(&[9u8; 16])).unwrap()
}

fn sample() -> Vec<u8> {
    let mut b = builder();
    for i in 0..50 {
        b.add(1.0, &s(&format!("family-{i}"))).unwrap();
    }
    b.add(0.0, &s("jti-1")).unwrap();
    b.add(2.0, &s("user-1")).unwrap();
    b.finish().unwrap()
}

#[test]
fn round_trip_through_the_classes() {
    let mut b = builder();
    b.add(1.0, &s("family-1")).unwrap();
    b.add(1.0, &s("family-1")).unwrap();
    b.add(2.0, &s("user-1")).unwrap();
    assert_eq!(b.size(), 3.0);
    let out = b.finish().unwrap();
    let f = RevocationFilter::parse(&bytes(&out)).unwrap();
    assert_eq!(f.entries(), 2);
    assert_eq!(f.byte_length(), out.len() as f64);
    assert!(f.contains(1.0, &s("family-1")).unwrap());
    assert!(f.contains(2.0, &s("user-1")).unwrap());
    assert!(!f.contains(0.0, &s("family-1")).unwrap());
    assert!(!f.contains(1.0, &s("family-2")).unwrap());
}

#[test]
fn match_token_takes_undefined_or_null_for_an_absent_jti_or_sid() {
    let f = RevocationFilter::parse(&bytes(&sample())).unwrap();
    let none = JsValue::UNDEFINED;
    assert!(f.match_token(&s("jti-1"), &none, &s("someone")).unwrap());
    assert!(f.match_token(&none, &s("family-7"), &s("someone")).unwrap());
    assert!(f
        .match_token(&JsValue::NULL, &JsValue::NULL, &s("user-1"))
        .unwrap());
    assert!(!f.match_token(&none, &none, &s("someone")).unwrap());
    assert!(!f
        .match_token(&s("jti-2"), &s("family-x"), &s("someone"))
        .unwrap());
    assert_eq!(
        code_of(
            f.match_token(&JsValue::from(1), &none, &s("u"))
                .unwrap_err()
        ),
        "bad_subject"
    );
    assert_eq!(
        code_of(f.match_token(&none, &none, &none).unwrap_err()),
        "bad_subject"
    );
}

#[test]
fn parse_errors_reach_javascript_with_their_codes() {
    let good = sample();
    let mut magic = good.clone();
    magic[0] = b'X';
    let mut version = good.clone();
    version[4] = 2;
    let mut descriptor = good.clone();
    descriptor[40] ^= 1; // segment_length_mask
    let mut longer = good.clone();
    longer.push(0);
    let mut huge = good.clone();
    huge[48..52].copy_from_slice(&u32::MAX.to_le_bytes());
    let cases: [(JsValue, &str); 7] = [
        (bytes(&good[..good.len() - 1]), "truncated"),
        (bytes(&magic), "bad_magic"),
        (bytes(&version), "unsupported_version"),
        (bytes(&descriptor), "bad_descriptor"),
        (bytes(&longer), "length_mismatch"),
        (bytes(&huge), "too_large"),
        (s("HARF"), "bad_argument"),
    ];
    for (input, expected) in cases {
        assert_eq!(
            code_of(RevocationFilter::parse(&input).err().unwrap()),
            expected
        );
    }
    assert!(RevocationFilter::parse(&bytes(&good)).is_ok());
}

#[test]
fn builder_and_lookup_argument_errors_have_codes() {
    for key in [
        bytes(&[0u8; 15]),
        bytes(&[0u8; 17]),
        s("0123456789abcdef"),
        JsValue::UNDEFINED,
    ] {
        assert_eq!(
            code_of(RevocationFilterBuilder::new(&key).err().unwrap()),
            "bad_key"
        );
    }
    let mut b = builder();
    for kind in [3.0, -1.0, 1.5, f64::NAN, 256.0] {
        assert_eq!(
            code_of(b.add(kind, &s("x")).unwrap_err()),
            "bad_kind",
            "{kind}"
        );
    }
    assert_eq!(
        code_of(b.add(1.0, &JsValue::UNDEFINED).unwrap_err()),
        "bad_subject"
    );
    assert_eq!(b.size(), 0.0, "refused entries are not added");
    let f = RevocationFilter::parse(&bytes(&sample())).unwrap();
    assert_eq!(code_of(f.contains(3.0, &s("x")).unwrap_err()), "bad_kind");
    assert_eq!(
        code_of(f.contains(1.0, &JsValue::from(5)).unwrap_err()),
        "bad_subject"
    );
}
