//! Argon2id known answers (tests/vectors/argon2id_kat.json; origins in SOURCES.md §6)
//! through this crate's API, plus the refusals a stored hash can meet. Run natively
//! (`cargo test`) and inside wasm (`wasm-pack test --node`); the vectors are compiled in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use argon2::{Algorithm, Argon2, Params, Version};
use hybrid_auth_argon2::phc;
use hybrid_auth_argon2::{
    hash_password, hash_password_with_salt, verify_password, Cost, Refusal, Verified, VerifyPolicy,
    DEFAULT_COST,
};
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const KAT: &str = include_str!("../../../tests/vectors/argon2id_kat.json");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn u(v: &Value, k: &str) -> u32 {
    v[k].as_u64().unwrap() as u32
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

/// A policy whose ceilings admit the reference vectors' 64 MiB and whose floor admits
/// their 256 KiB ones: only for these vectors.
fn vector_policy() -> VerifyPolicy {
    VerifyPolicy::new(DEFAULT_COST, Some(65_536), Some(5), Some(2), true).unwrap()
}

/// The vectors small enough for a test run (64 MiB at most; the 256 MiB one is refused).
fn reference() -> Vec<Value> {
    let kat: Value = serde_json::from_str(KAT).unwrap();
    kat["reference"].as_array().unwrap().clone()
}

#[test]
fn rfc9106_argon2id_vector_through_the_argon2_crate_we_link() {
    // Our API takes no secret or associated data, so this one checks the crate itself.
    let kat: Value = serde_json::from_str(KAT).unwrap();
    let v = &kat["rfc9106"];
    let ad = hex(s(v, "associated_data_hex"));
    let mut builder = argon2::ParamsBuilder::new();
    builder
        .m_cost(u(v, "memory_kib"))
        .t_cost(u(v, "time_cost"))
        .p_cost(u(v, "parallelism"))
        .data(argon2::AssociatedData::new(&ad).unwrap());
    let params = builder.build().unwrap();
    let secret = hex(s(v, "secret_hex"));
    let ctx =
        Argon2::new_with_secret(&secret, Algorithm::Argon2id, Version::V0x13, params).unwrap();
    let mut out = [0u8; 32];
    ctx.hash_password_into(&hex(s(v, "password_hex")), &hex(s(v, "salt_hex")), &mut out)
        .unwrap();
    assert_eq!(out.to_vec(), hex(s(v, "tag_hex")));
}

#[test]
fn reference_vectors_hash_to_their_phc_strings_and_verify() {
    let mut checked = 0;
    for v in reference() {
        let (m, t, p) = (
            u(&v, "memory_kib"),
            u(&v, "time_cost"),
            u(&v, "parallelism"),
        );
        if m > 65_536 {
            continue;
        }
        let cost = Cost::new(m, t, p, true).unwrap();
        let password = s(&v, "password").as_bytes();
        let phc_string = hash_password_with_salt(password, cost, s(&v, "salt").as_bytes()).unwrap();
        assert_eq!(phc_string, s(&v, "phc"), "{}", s(&v, "name"));
        // The raw hash inside is the reference output.
        let parsed = phc::parse(&phc_string).unwrap();
        assert_eq!(parsed.hash.as_bytes().to_vec(), hex(s(&v, "raw_hex")));
        assert_eq!(
            verify_password(password, s(&v, "phc"), &vector_policy()),
            Ok(Verified { needs_rehash: true }),
            "{}",
            s(&v, "name")
        );
        assert_eq!(
            verify_password(b"passwore", s(&v, "phc"), &vector_policy()),
            Err(Refusal::Mismatch)
        );
        checked += 1;
    }
    assert_eq!(checked, 7);
}

#[test]
fn the_256_mib_reference_vector_is_refused_before_hashing() {
    let v = reference()
        .into_iter()
        .find(|v| s(v, "name") == "2_18_1")
        .unwrap();
    // Even the widest ceilings stop at 64 MiB.
    assert_eq!(
        verify_password(b"password", s(&v, "phc"), &vector_policy()),
        Err(Refusal::ParamsAboveLimit)
    );
}

#[test]
fn below_floor_vectors_need_the_explicit_option() {
    let v = reference()
        .into_iter()
        .find(|v| s(v, "name") == "2_8_1")
        .unwrap();
    let strict = VerifyPolicy::new(DEFAULT_COST, Some(65_536), Some(5), Some(2), false).unwrap();
    assert_eq!(
        verify_password(b"password", s(&v, "phc"), &strict),
        Err(Refusal::ParamsBelowFloor)
    );
    assert_eq!(
        verify_password(b"password", s(&v, "phc"), &vector_policy()),
        Ok(Verified { needs_rehash: true })
    );
    assert!(Cost::new(256, 2, 1, false).is_err());
}

#[test]
fn round_trip_at_the_default_cost_with_a_random_salt() {
    let a = hash_password(b"correct horse battery staple", DEFAULT_COST).unwrap();
    let b = hash_password(b"correct horse battery staple", DEFAULT_COST).unwrap();
    assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
    assert_eq!(a.len(), 97);
    assert_ne!(a, b, "two salts");
    let policy = VerifyPolicy::default();
    assert_eq!(
        verify_password(b"correct horse battery staple", &a, &policy),
        Ok(Verified {
            needs_rehash: false
        })
    );
    assert_eq!(
        verify_password(b"correct horse battery stapler", &a, &policy),
        Err(Refusal::Mismatch)
    );
    assert_eq!(verify_password(b"", &a, &policy), Err(Refusal::Mismatch));
}

#[test]
fn a_hash_at_another_owasp_row_verifies_and_asks_for_a_rehash() {
    let row = hybrid_auth_argon2::OWASP_COSTS[4]; // m=7168, t=5
    let h = hash_password(b"pw", row).unwrap();
    assert!(h.contains("$m=7168,t=5,p=1$"));
    assert_eq!(
        verify_password(b"pw", &h, &VerifyPolicy::default()),
        Ok(Verified { needs_rehash: true })
    );
    let at_row = VerifyPolicy::new(row, None, None, None, false).unwrap();
    assert_eq!(
        verify_password(b"pw", &h, &at_row),
        Ok(Verified {
            needs_rehash: false
        })
    );
}

const SALT16: &[u8] = b"0123456789abcdef";

fn small() -> (Cost, VerifyPolicy) {
    let cost = Cost::new(64, 1, 1, true).unwrap();
    (
        cost,
        VerifyPolicy::new(cost, None, None, None, true).unwrap(),
    )
}

#[test]
fn tampered_parameters_are_refused_with_a_code() {
    let (cost, policy) = small();
    let good = hash_password_with_salt(b"pw", cost, SALT16).unwrap();
    assert_eq!(
        verify_password(b"pw", &good, &policy),
        Ok(Verified {
            needs_rehash: false
        })
    );
    let tail = &good[good.find("$m=").unwrap() + 1..];
    let tail = &tail[tail.find('$').unwrap()..];
    for (params, want) in [
        // 4 GiB: refused by the ceiling, before Argon2 allocates anything.
        ("m=4194304,t=1,p=1", Refusal::ParamsAboveLimit),
        ("m=4294967295,t=1,p=1", Refusal::ParamsAboveLimit),
        ("m=47105,t=1,p=1", Refusal::ParamsAboveLimit),
        ("m=64,t=6,p=1", Refusal::ParamsAboveLimit),
        ("m=64,t=4294967295,p=1", Refusal::ParamsAboveLimit),
        ("m=64,t=1,p=2", Refusal::ParamsAboveLimit),
        ("m=64,t=1,p=0", Refusal::MalformedHash),
        ("m=4,t=1,p=1", Refusal::MalformedHash),
        ("m=64,t=0,p=1", Refusal::MalformedHash),
        ("m=4294967296,t=1,p=1", Refusal::MalformedHash),
        ("m=064,t=1,p=1", Refusal::MalformedHash),
        ("t=1,m=64,p=1", Refusal::MalformedHash),
        ("m=64,t=1", Refusal::MalformedHash),
        ("m=64,t=1,p=1,keyid=AAAA", Refusal::MalformedHash),
        ("m=64,t=1,p=1,data=AAAA", Refusal::MalformedHash),
        ("m=-1,t=1,p=1", Refusal::MalformedHash),
    ] {
        let tampered = format!("$argon2id$v=19${params}{tail}");
        assert_eq!(
            verify_password(b"pw", &tampered, &policy),
            Err(want),
            "{tampered}"
        );
    }
    // Same string, default policy: below OWASP's floor.
    assert_eq!(
        verify_password(b"pw", &good, &VerifyPolicy::default()),
        Err(Refusal::ParamsBelowFloor)
    );
}

#[test]
fn malformed_and_foreign_strings_are_refused_with_a_code() {
    let (cost, policy) = small();
    let good = hash_password_with_salt(b"pw", cost, SALT16).unwrap();
    let cases: Vec<(String, Refusal)> = vec![
        (String::new(), Refusal::MalformedHash),
        ("argon2id".into(), Refusal::MalformedHash),
        (
            good.replacen("$argon2id$", "$argon2i$", 1),
            Refusal::UnsupportedAlgorithm,
        ),
        (
            good.replacen("$argon2id$", "$argon2d$", 1),
            Refusal::UnsupportedAlgorithm,
        ),
        (
            good.replacen("$argon2id$", "$scrypt$", 1),
            Refusal::UnsupportedAlgorithm,
        ),
        (
            good.replacen("$v=19$", "$v=16$", 1),
            Refusal::UnsupportedAlgorithm,
        ),
        (good.replacen("$v=19$", "$", 1), Refusal::MalformedHash),
        (
            good.replacen("$v=19$", "$v=019$", 1),
            Refusal::MalformedHash,
        ),
        (format!("{good}$"), Refusal::MalformedHash),
        (format!("{good}="), Refusal::MalformedHash),
        (format!(" {good}"), Refusal::MalformedHash),
        (good.replace('$', "$$"), Refusal::MalformedHash),
        // 41 base64 characters: no whole number of bytes.
        (good[..good.len() - 2].to_string(), Refusal::MalformedHash),
        (
            good[..good.rfind('$').unwrap()].to_string(),
            Refusal::MalformedHash,
        ),
        // A salt of 7 bytes, and a hash of 12 bytes (both too short).
        (
            format!(
                "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Ng${}",
                &good[good.rfind('$').unwrap() + 1..]
            ),
            Refusal::MalformedHash,
        ),
        (
            format!("{}$MDEyMzQ1Njc4OWFi", &good[..good.rfind('$').unwrap()]),
            Refusal::MalformedHash,
        ),
        // bcrypt's modular crypt format is not PHC.
        (
            "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy".into(),
            Refusal::MalformedHash,
        ),
        ("x".repeat(phc::MAX_PHC_BYTES + 1), Refusal::MalformedHash),
    ];
    for (stored, want) in cases {
        assert_eq!(
            verify_password(b"pw", &stored, &policy),
            Err(want),
            "{stored:?}"
        );
    }
    // Non-canonical base64: the last character of the hash with a spare bit set.
    let last = good.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let i = alphabet.find(last).unwrap();
    let noncanonical = format!("{}{}", &good[..good.len() - 1], &alphabet[i + 1..i + 2]);
    assert_eq!(
        verify_password(b"pw", &noncanonical, &policy),
        Err(Refusal::MalformedHash)
    );
}

#[test]
fn passwords_over_4096_bytes_are_refused() {
    let (cost, policy) = small();
    let long = vec![b'a'; 4097];
    let ok = vec![b'a'; 4096];
    let h = hash_password_with_salt(&ok, cost, SALT16).unwrap();
    assert_eq!(
        verify_password(&ok, &h, &policy),
        Ok(Verified {
            needs_rehash: false
        })
    );
    assert_eq!(
        verify_password(&long, &h, &policy),
        Err(Refusal::PasswordTooLong)
    );
    assert!(hash_password_with_salt(&long, cost, SALT16).is_err());
}

#[test]
fn our_params_equal_argon2s_own_hash() {
    // Independent of our PHC writer: the raw Argon2id output for the same inputs.
    let (cost, _) = small();
    let h = hash_password_with_salt(b"pw", cost, SALT16).unwrap();
    let ctx = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(64, 1, 1, Some(32)).unwrap(),
    );
    let mut out = [0u8; 32];
    ctx.hash_password_into(b"pw", SALT16, &mut out).unwrap();
    assert_eq!(phc::parse(&h).unwrap().hash.as_bytes(), out);
}
