//! No stored hash may panic the instance (a panic in wasm poisons it for every later
//! request): random and mutated PHC strings through `phc::parse` and `verify_password`,
//! natively (`cargo test`) and inside wasm (`wasm-pack test --node`, fewer inputs).
//! Oracles, so the test fails for a wrong answer and not only for a panic:
//! - whatever parses writes back to exactly the input (one canonical form);
//! - only the untouched original verifies; every other outcome is a refusal code;
//! - the mutations reach every refusal a stored hash can cause, including `mismatch`
//!   (Argon2 really ran) and `params_above_limit` (it did not).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;

use hybrid_auth_argon2::{
    hash_password_with_salt, phc, verify_password, Cost, Refusal, VerifyPolicy,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(not(target_arch = "wasm32"))]
const INPUTS: usize = 30_000;
#[cfg(target_arch = "wasm32")]
const INPUTS: usize = 6_000;

/// xorshift64* (Vigna), as in the JWT core's no-panic test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: [&str; 24] = [
    "$",
    "=",
    ",",
    "argon2id",
    "argon2i",
    "v=19",
    "v=16",
    "m=",
    "t=",
    "p=",
    "4294967295",
    "4294967296",
    "0",
    "00",
    "1",
    "8",
    "64",
    "47105",
    "4194304",
    "keyid=",
    "data=",
    "/",
    "+",
    "é",
];

fn mutate(rng: &mut Rng, base: &str) -> String {
    let mut s: Vec<u8> = base.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let at = if s.is_empty() {
            0
        } else {
            rng.below(s.len() + 1)
        };
        match rng.below(6) {
            0 if !s.is_empty() => {
                let i = rng.below(s.len());
                s[i] = rng.next() as u8;
            }
            1 if !s.is_empty() => {
                let end = (at + 1 + rng.below(6)).min(s.len());
                s.drain(at.min(end)..end);
            }
            2 => {
                let p = PIECES[rng.below(PIECES.len())];
                s.splice(at..at, p.bytes());
            }
            3 => {
                // Replace one `$`-field with a piece or a number.
                let text = String::from_utf8_lossy(&s).into_owned();
                let mut fields: Vec<String> = text.split('$').map(String::from).collect();
                let i = rng.below(fields.len());
                fields[i] = match rng.below(3) {
                    0 => PIECES[rng.below(PIECES.len())].to_string(),
                    1 => format!(
                        "m={},t={},p={}",
                        rng.next() % 100_000,
                        rng.next() % 8,
                        rng.next() % 4
                    ),
                    _ => String::new(),
                };
                s = fields.join("$").into_bytes();
            }
            4 if !s.is_empty() => {
                let i = rng.below(s.len());
                let b = s[i];
                s.insert(i, b);
            }
            _ => s.truncate(at),
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

#[test]
fn mutated_phc_strings_never_panic_and_are_refused_with_a_code() {
    let cost = Cost::new(16, 1, 1, true).unwrap();
    // Ceilings small enough that admitted mutations cost microseconds.
    let policy = VerifyPolicy::new(cost, Some(64), Some(2), Some(2), true).unwrap();
    let good = hash_password_with_salt(b"pw", cost, b"saltsaltsaltsalt").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    for n in 0..INPUTS {
        let input = if n % 50 == 0 {
            // Random printable noise now and then.
            (0..rng.below(120))
                .map(|_| char::from(32 + rng.below(95) as u8))
                .collect()
        } else {
            mutate(&mut rng, &good)
        };
        if let Ok(parsed) = phc::parse(&input) {
            let again = phc::format(parsed.cost, &parsed.salt, parsed.hash.as_bytes());
            assert_eq!(again.as_deref(), Some(input.as_str()));
        }
        match verify_password(b"pw", &input, &policy) {
            Ok(_) => {
                assert_eq!(input, good, "only the original verifies");
                *seen.entry("ok").or_default() += 1;
            }
            Err(r) => *seen.entry(r.as_str()).or_default() += 1,
        }
    }
    for code in [
        Refusal::Mismatch,
        Refusal::MalformedHash,
        Refusal::UnsupportedAlgorithm,
        Refusal::ParamsAboveLimit,
    ] {
        assert!(
            seen.get(code.as_str()).copied().unwrap_or(0) > 0,
            "{code:?} never reached: {seen:?}"
        );
    }
    // And the policy still verifies the original afterwards.
    assert!(verify_password(b"pw", &good, &policy).is_ok());
}
