//! No input may panic: a panic in wasm poisons the instance for every later request.
//!
//! A cheap, dependency-free stand-in for the cargo-fuzz targets in `fuzz/` that runs on
//! stable Rust in every `cargo test` (and, smaller, inside wasm with `wasm-pack test`):
//! 200,000 random and mutated inputs through `KeyRing::verify`, `looks_like_jwt` and
//! `json::parse`. Reaching the end without a panic is the proof; the oracles below make
//! sure the inputs really reach the code behind the MAC and that the ring answers
//! correctly, so the test also fails for a wrong answer, not only for a panic:
//! - a token the ring accepts is one this test signed (no mutation forges one);
//! - every generated claims set that is valid, re-signed with the right key, is accepted
//!   with its exact payload; one with duplicate keys or nesting past the limit is
//!   refused as `malformed`, never as a signature problem;
//! - after everything, the same rings still verify a good token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashSet};

use hybrid_auth::json::{self, MAX_DEPTH};
use hybrid_auth::{b64, looks_like_jwt, HmacKey, KeyRing, Policy, Reason};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Inputs per run; fewer inside wasm (`wasm-pack test --node`), where debug is slower.
#[cfg(not(target_arch = "wasm32"))]
const INPUTS: usize = 200_000;
#[cfg(target_arch = "wasm32")]
const INPUTS: usize = 50_000;

const NOW: f64 = 1_700_000_000.0;
const SECRET: [u8; 32] = *b"no-panic test secret, 32 bytes!!";
const KID: &str = "k1";

/// xorshift64* (Vigna): tiny, fast, and good enough to drive mutations.
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
    /// Uniform-ish in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn seal(key: &HmacKey, header: &[u8], payload: &[u8]) -> String {
    let mut token = b64::encode(header);
    token.push('.');
    token.push_str(&b64::encode(payload));
    let tag = key.tag(token.as_bytes());
    token.push('.');
    token.push_str(&b64::encode(&tag));
    token
}

const HEADERS: [&str; 4] = [
    r#"{"alg":"HS256","typ":"JWT"}"#,
    r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#,
    r#"{"alg":"HS256"}"#,
    "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}",
];

/// Headers a ring must refuse although their MAC is right, with the reason.
const BAD_HEADERS: [(&str, Reason); 9] = [
    (r#"{"alg":"none","typ":"JWT"}"#, Reason::UnsupportedAlg),
    (r#"{"alg":"HS512"}"#, Reason::UnsupportedAlg),
    (r#"{"alg":"hs256"}"#, Reason::UnsupportedAlg),
    (r#"{"typ":"JWT"}"#, Reason::Malformed),
    (r#"{"alg":"HS256","alg":"HS256"}"#, Reason::Malformed),
    (
        r#"{"alg":"HS256","crit":["exp"]}"#,
        Reason::UnsupportedHeader,
    ),
    (
        r#"{"alg":"HS256","jwk":{"kty":"oct"}}"#,
        Reason::UnsupportedHeader,
    ),
    (r#"{"alg":"HS256","kid":"nope"}"#, Reason::UnknownKid),
    (r#"{"alg":"HS256","typ":"text/plain"}"#, Reason::BadTyp),
];

const NUMBERS: [&str; 14] = [
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e3",
    "1E+2",
    "-2.5e-3",
    "1e400",
    "-1e400",
    "1e-400",
    "9007199254740993",
    "123456789012345678901234567890",
    "1.7976931348623157e308",
];

const STRING_PIECES: [&str; 14] = [
    "a",
    "user",
    " ",
    "\\n",
    "\\\"",
    "\\\\",
    "\\/",
    "\\u00e9",
    "\\ud83d\\ude00",
    "\\u0000",
    "é",
    "😀",
    "\u{202e}",
    "\u{7f}",
];

/// A JSON generator that knows whether what it wrote is acceptable to the strict parser
/// (no duplicate member names, nesting within [`MAX_DEPTH`]).
struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    valid: bool,
}

impl Gen<'_> {
    fn ws(&mut self) {
        if self.rng.chance(8) {
            self.out
                .push_str(self.rng.pick_str(&[" ", "\n", "\t", "\r\n  "]));
        }
    }

    fn string(&mut self) {
        self.out.push('"');
        for _ in 0..self.rng.below(5) {
            self.out.push_str(self.rng.pick_str(&STRING_PIECES));
        }
        self.out.push('"');
    }

    /// Writes a value whose containers would sit at nesting level `level` (the claims
    /// object itself is level 1).
    fn value(&mut self, level: usize) {
        let choice = if level > 6 {
            self.rng.below(5)
        } else {
            self.rng.below(8)
        };
        match choice {
            0 => self
                .out
                .push_str(self.rng.pick_str(&["null", "true", "false"])),
            1 | 2 => self.out.push_str(self.rng.pick_str(&NUMBERS)),
            3 | 4 => self.string(),
            5 => self.array(level),
            6 => self.object(level),
            _ => self.bomb(level),
        }
    }

    fn array(&mut self, level: usize) {
        if level > MAX_DEPTH {
            self.valid = false;
        }
        self.out.push('[');
        for i in 0..self.rng.below(4) {
            if i > 0 {
                self.out.push(',');
            }
            self.ws();
            self.value(level + 1);
            self.ws();
        }
        self.out.push(']');
    }

    fn object(&mut self, level: usize) {
        if level > MAX_DEPTH {
            self.valid = false;
        }
        self.out.push('{');
        let mut seen = HashSet::new();
        for i in 0..self.rng.below(4) {
            if i > 0 {
                self.out.push(',');
            }
            // Few names, so duplicates happen; `\u0061` spells "a" with an escape.
            let (name, text) = *self.rng.pick(&[
                ("a", "\"a\""),
                ("a", "\"\\u0061\""),
                ("b", "\"b\""),
                ("c", "\"c\""),
                ("d", "\"d\""),
                ("é", "\"é\""),
            ]);
            if !seen.insert(name) {
                self.valid = false;
            }
            self.ws();
            self.out.push_str(text);
            self.ws();
            self.out.push(':');
            self.ws();
            self.value(level + 1);
        }
        self.out.push('}');
    }

    /// Nesting straight down, sometimes past the limit.
    fn bomb(&mut self, level: usize) {
        let n = 1 + self.rng.below(24);
        if level + n - 1 > MAX_DEPTH {
            self.valid = false;
        }
        let open = if self.rng.chance(2) { "[" } else { "{\"x\":" };
        let close = if open == "[" { "]" } else { "}" };
        self.out.push_str(&open.repeat(n));
        self.out.push('0');
        self.out.push_str(&close.repeat(n));
    }
}

/// A claims set that passes the default policy at [`NOW`] when `valid` comes back true:
/// `sub` and a future `exp`, optional past `iat`/`nbf`, `aud`, profile claims, and
/// custom members holding arbitrary JSON (duplicates and deep nesting make it invalid).
fn claims(rng: &mut Rng) -> (String, bool) {
    let mut g = Gen {
        rng,
        out: String::from("{"),
        valid: true,
    };
    let mut members: Vec<String> = vec![
        format!("\"sub\":\"user-{}\"", g.rng.below(1000)),
        format!("\"exp\":{}", NOW as u64 + 1 + g.rng.below(1_000_000) as u64),
    ];
    if g.rng.chance(2) {
        members.push(format!("\"iat\":{}", NOW as u64 - g.rng.below(1000) as u64));
    }
    if g.rng.chance(3) {
        members.push(format!(
            "\"nbf\":{}.5",
            NOW as u64 - 1 - g.rng.below(1000) as u64
        ));
    }
    if g.rng.chance(3) {
        members.push(r#""aud":["api","web"]"#.to_string());
    }
    if g.rng.chance(3) {
        members.push("\"name\":\"Zoë \\u00e9 😀 \u{202e}\"".to_string());
    }
    let mut custom = Vec::new();
    for _ in 0..g.rng.below(5) {
        let name = format!("x{}", g.rng.below(6));
        if custom.contains(&name) {
            g.valid = false;
        }
        custom.push(name.clone());
        let mut v = Gen {
            rng: g.rng,
            out: String::new(),
            valid: true,
        };
        v.value(2);
        g.valid &= v.valid;
        members.push(format!("\"{name}\":{}", v.out));
    }
    // Shuffle the members: registered claims need not come first.
    for i in (1..members.len()).rev() {
        let j = g.rng.below(i + 1);
        members.swap(i, j);
    }
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            g.out.push(',');
        }
        g.ws();
        g.out.push_str(m);
        g.ws();
    }
    g.out.push('}');
    (g.out, g.valid)
}

fn b64url_chars(rng: &mut Rng, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..len).map(|_| char::from(*rng.pick(A))).collect()
}

/// One to four byte-level mutations: flip a bit, insert, delete, duplicate a range,
/// truncate, overwrite with a structural character.
fn mutate(rng: &mut Rng, token: &str) -> String {
    let mut b = token.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                let byte = if rng.chance(2) {
                    *rng.pick(b".=+/ \0\xff-_Aa0")
                } else {
                    rng.next() as u8
                };
                b.insert(i, byte);
            }
            2 if len > 0 => {
                b.remove(rng.below(len));
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(16)).min(len);
                let dup = b[i..j].to_vec();
                let at = rng.below(len + 1);
                b.splice(at..at, dup);
            }
            4 if len > 0 => b.truncate(rng.below(len)),
            _ if len > 0 => {
                let i = rng.below(len);
                b[i] = *rng.pick(b".=+/A_-");
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Reorders, repeats or drops the dot-separated segments.
fn shuffle_segments(rng: &mut Rng, token: &str) -> String {
    let segs: Vec<&str> = token.split('.').collect();
    let n = rng.below(6);
    let picked: Vec<&str> = (0..n).map(|_| *rng.pick(&segs)).collect();
    picked.join(".")
}

/// Replaces one segment with random base64url text, or with the encoding of random
/// bytes or of generated JSON.
fn replace_segment(rng: &mut Rng, token: &str) -> String {
    let mut segs: Vec<String> = token.split('.').map(str::to_string).collect();
    let i = rng.below(segs.len());
    segs[i] = match rng.below(3) {
        0 => {
            let len = rng.below(64);
            b64url_chars(rng, len)
        }
        1 => {
            let len = rng.below(48);
            b64::encode(&rng.bytes(len))
        }
        _ => b64::encode(claims(rng).0.as_bytes()),
    };
    segs.join(".")
}

/// A clock value: usually near [`NOW`], sometimes hostile.
fn clock(rng: &mut Rng) -> f64 {
    *rng.pick(&[
        NOW,
        NOW,
        NOW + 1e6,
        NOW - 1e9,
        0.0,
        -0.0,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
    ])
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    resigned_valid: usize,
    resigned_invalid: usize,
    accepted: usize,
    reasons: BTreeMap<&'static str, usize>,
    looks_like: usize,
    json_ok: usize,
}

#[test]
fn no_input_panics_and_the_ring_stays_correct() {
    let key = HmacKey::for_jwt(&SECRET, "test").unwrap();
    let keys = || {
        vec![
            ("old".to_string(), vec![7u8; 40]),
            (KID.to_string(), SECRET.to_vec()),
        ]
    };
    let strict = KeyRing::new(keys(), KID, Policy::default()).unwrap();
    let relaxed = KeyRing::new(
        keys(),
        KID,
        Policy {
            leeway_seconds: 300.0,
            max_token_bytes: 1 << 20,
            require_sub: false,
            require_exp: false,
            typ: vec!["JWT".into(), "at+jwt".into()],
            ..Policy::default()
        },
    )
    .unwrap();
    let rings = [&strict, &relaxed];

    // Valid tokens to mutate; every one must verify before the storm.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut signed: Vec<String> = Vec::new();
    while signed.len() < 64 {
        let (payload, valid) = claims(&mut rng);
        if valid {
            let header = HEADERS[signed.len() % HEADERS.len()];
            signed.push(seal(&key, header.as_bytes(), payload.as_bytes()));
        }
    }
    for t in &signed {
        for ring in rings {
            assert!(ring.verify(t, NOW).is_ok(), "base token refused: {t}");
        }
    }
    let known: HashSet<String> = signed.iter().cloned().collect();
    let good = signed[0].clone();

    let mut tally = Tally::default();
    // Each input goes through one of the two rings (alternating), `looks_like_jwt` and
    // the JSON parser.
    let run = |tally: &mut Tally, input: &str, now: f64| {
        tally.inputs += 1;
        match rings[tally.inputs % 2].verify(input, now) {
            Ok(_) => {
                tally.accepted += 1;
                assert!(
                    known.contains(input),
                    "accepted a token it never signed: {input:?}"
                );
            }
            Err(r) => *tally.reasons.entry(r.reason.code()).or_default() += 1,
        }
        if looks_like_jwt(input, 8192) {
            tally.looks_like += 1;
        }
        if json::parse(input).is_ok() {
            tally.json_ok += 1;
        }
    };

    for i in 0..INPUTS {
        let now = if rng.chance(16) { clock(&mut rng) } else { NOW };
        let base = rng.pick(&signed).clone();
        match i % 8 {
            0 => {
                let len = rng.below(200);
                let bytes = rng.bytes(len);
                run(&mut tally, &String::from_utf8_lossy(&bytes), now);
            }
            1 => {
                let mut t = String::new();
                for s in 0..3 {
                    if s > 0 {
                        t.push('.');
                    }
                    let len = rng.below(80);
                    t.push_str(&b64url_chars(&mut rng, len));
                }
                run(&mut tally, &t, now);
            }
            2 | 3 => run(&mut tally, &mutate(&mut rng, &base), now),
            4 => run(&mut tally, &shuffle_segments(&mut rng, &base), now),
            5 => run(&mut tally, &replace_segment(&mut rng, &base), now),
            6 => {
                // Generated claims re-signed with the right key: the claim logic's turn.
                let (payload, valid) = claims(&mut rng);
                let header = *rng.pick(&HEADERS);
                let token = seal(&key, header.as_bytes(), payload.as_bytes());
                run(&mut tally, &payload, now); // the JSON text itself, too
                {
                    let ring = rings[i % 16 / 8];
                    let got = ring.verify(&token, NOW);
                    if token.len() > ring.policy().max_token_bytes {
                        assert_eq!(got.unwrap_err().reason, Reason::TooLarge);
                    } else if valid {
                        let v = got.unwrap_or_else(|r| {
                            panic!("valid claims refused ({:?}): {payload}", r.reason)
                        });
                        assert_eq!(v.payload, payload);
                        assert_eq!(v.kid, KID);
                    } else {
                        let reason = got.expect_err("invalid claims accepted").reason;
                        assert_eq!(reason, Reason::Malformed, "{payload}");
                    }
                    if now.to_bits() != NOW.to_bits() {
                        let _ = ring.verify(&token, now);
                    }
                }
                if valid {
                    tally.resigned_valid += 1;
                } else {
                    tally.resigned_invalid += 1;
                }
            }
            _ => {
                // A correct MAC over a header the ring must refuse.
                let (header, want) = *rng.pick(&BAD_HEADERS);
                let payload = claims(&mut rng).0;
                let token = seal(&key, header.as_bytes(), payload.as_bytes());
                {
                    let ring = rings[i % 16 / 8];
                    let want = if token.len() > ring.policy().max_token_bytes {
                        Reason::TooLarge
                    } else {
                        want
                    };
                    assert_eq!(ring.verify(&token, now).unwrap_err().reason, want);
                }
                run(&mut tally, &mutate(&mut rng, &token), now);
            }
        }
    }

    // The same rings, after everything, still verify a good token.
    for ring in rings {
        let v = ring.verify(&good, NOW).expect("good token after the storm");
        assert_eq!(v.kid, KID);
    }
    // The run really exercised both sides of the MAC.
    assert!(tally.inputs >= INPUTS, "{}", tally.inputs);
    assert!(
        tally.resigned_valid > INPUTS / 8 / 4,
        "{}",
        tally.resigned_valid
    );
    assert!(
        tally.resigned_invalid > INPUTS / 8 / 20,
        "{}",
        tally.resigned_invalid
    );
    assert!(tally.reasons.get("bad_signature").copied().unwrap_or(0) > INPUTS / 40);
    assert!(tally.reasons.get("malformed").copied().unwrap_or(0) > INPUTS / 10);
    eprintln!(
        "no_panic: {} inputs, {} re-signed valid claims accepted, {} invalid refused, \
         {} accepted (signed tokens), looks_like_jwt {}, json ok {}, reasons {:?}",
        tally.inputs,
        tally.resigned_valid,
        tally.resigned_invalid,
        tally.accepted,
        tally.looks_like,
        tally.json_ok,
        tally.reasons
    );
}
