//! No container may panic the instance (a panic in wasm poisons it): every header field
//! corrupted, truncation at every length, extra bytes, huge lengths, descriptors whose
//! lookups would index outside the fingerprints, and random mutations. Each case expects
//! its own error code, and an accepted container is then asked many lookups. Natively
//! (`cargo test`) and inside wasm (`wasm-pack test --node`, fewer mutations).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;

use common::Rng;
use hybrid_auth_revocation_filter::{
    filter::fingerprints_from_le, format::check_descriptor, Builder, Filter, FilterError, Header,
    Kind, HEADER_LEN, MAX_FINGERPRINTS,
};
use xorf::Descriptor;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(not(target_arch = "wasm32"))]
const MUTATIONS: usize = 40_000;
#[cfg(target_arch = "wasm32")]
const MUTATIONS: usize = 5_000;

// Header offsets (src/format.rs).
const ENTRIES: usize = 24;
const SEED: usize = 28;
const SEGMENT_LENGTH: usize = 36;
const MASK: usize = 40;
const SEGMENT_COUNT_LENGTH: usize = 44;
const FINGERPRINT_LEN: usize = 48;

fn small_filter(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut b = Builder::new(rng.key());
    for _ in 0..n {
        b.add(Kind::Sid, &rng.uuid());
    }
    b.finish().unwrap()
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn with_u32(bytes: &[u8], at: usize, value: u32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + 4].copy_from_slice(&value.to_le_bytes());
    b
}

fn code(r: Result<Filter, FilterError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Parses, and when accepted asks 300 lookups under every kind (an index out of bounds
/// there would panic the test).
fn parse_and_ask(bytes: &[u8]) -> Result<Filter, FilterError> {
    let r = Filter::parse(bytes);
    if let Ok(f) = &r {
        let mut rng = Rng(0xA5A5_5A5A ^ bytes.len() as u64);
        for _ in 0..300 {
            let s = rng.uuid();
            let _ =
                f.contains(Kind::Jti, &s) | f.contains(Kind::Sid, &s) | f.contains(Kind::User, &s);
        }
    }
    r
}

#[test]
fn truncation_at_every_length_of_a_small_filter_is_truncated() {
    for n in [0, 1, 20] {
        let bytes = small_filter(n, 101 + n as u64);
        assert_eq!(code(parse_and_ask(&bytes)), "ok");
        for len in 0..bytes.len() {
            assert_eq!(
                code(parse_and_ask(&bytes[..len])),
                "truncated",
                "{n} entries cut at {len}"
            );
        }
    }
}

#[test]
fn extra_bytes_after_the_fingerprints_are_a_length_mismatch() {
    for n in [0, 20] {
        let bytes = small_filter(n, 103);
        for extra in [1usize, 7, 1000] {
            let mut longer = bytes.clone();
            longer.extend(std::iter::repeat_n(0u8, extra));
            assert_eq!(
                code(parse_and_ask(&longer)),
                "length_mismatch",
                "{n} entries + {extra}"
            );
        }
    }
}

#[test]
fn magic_version_and_reserved_bytes_are_checked() {
    let bytes = small_filter(20, 107);
    for i in 0..4 {
        let mut b = bytes.clone();
        b[i] ^= 0x20;
        assert_eq!(code(parse_and_ask(&b)), "bad_magic", "magic byte {i}");
    }
    for v in [0u8, 2, 255] {
        let mut b = bytes.clone();
        b[4] = v;
        assert_eq!(
            code(parse_and_ask(&b)),
            "unsupported_version",
            "version {v}"
        );
    }
    for i in 5..8 {
        let mut b = bytes.clone();
        b[i] = 1;
        assert_eq!(
            code(parse_and_ask(&b)),
            "unsupported_version",
            "reserved byte {i}"
        );
    }
    // Not our magic at all, long enough to read it.
    assert_eq!(code(Filter::parse(b"{\"not\":\"a filter\"}")), "bad_magic");
}

#[test]
fn fingerprint_lengths_too_large_longer_or_shorter_than_the_bytes_are_refused() {
    let bytes = small_filter(20, 109);
    let len = read_u32(&bytes, FINGERPRINT_LEN);
    let cases = [
        (u32::MAX, "too_large"),
        (MAX_FINGERPRINTS as u32 + 1, "too_large"),
        (MAX_FINGERPRINTS as u32, "truncated"),
        (len + 1, "truncated"),
        (len - 1, "length_mismatch"),
        (0, "length_mismatch"),
    ];
    for (value, expected) in cases {
        assert_eq!(
            code(parse_and_ask(&with_u32(&bytes, FINGERPRINT_LEN, value))),
            expected,
            "length {value}"
        );
    }
    // Huge and consistent: 64 Mi + 1 fingerprints announced and present is still too large
    // (checked before the descriptor, without looking at the fingerprints).
    let mut huge = with_u32(&bytes, FINGERPRINT_LEN, MAX_FINGERPRINTS as u32 + 1);
    huge.truncate(HEADER_LEN);
    huge.resize(HEADER_LEN + 2 * (MAX_FINGERPRINTS + 1), 0);
    assert_eq!(code(Filter::parse(&huge)), "too_large");
    // Half a fingerprint too many or too few: the body is counted in 16-bit slots.
    let mut odd = bytes.clone();
    odd.push(0);
    assert_eq!(code(parse_and_ask(&odd)), "length_mismatch");
    assert_eq!(code(parse_and_ask(&bytes[..bytes.len() - 1])), "truncated");
}

#[test]
fn every_inconsistent_descriptor_field_is_bad_descriptor() {
    let bytes = small_filter(20, 113);
    let l = read_u32(&bytes, SEGMENT_LENGTH);
    let m = read_u32(&bytes, MASK);
    let c = read_u32(&bytes, SEGMENT_COUNT_LENGTH);
    let n = read_u32(&bytes, FINGERPRINT_LEN);
    assert_eq!(
        (m, c + 2 * l),
        (l - 1, n),
        "the built filter is what check_descriptor requires"
    );
    let cases: Vec<(usize, u32)> = vec![
        (SEGMENT_LENGTH, 0),
        (SEGMENT_LENGTH, l + 1),
        (SEGMENT_LENGTH, 3),
        (SEGMENT_LENGTH, l * 2),
        (SEGMENT_LENGTH, l / 2),
        (SEGMENT_LENGTH, 1 << 31),
        (SEGMENT_LENGTH, u32::MAX),
        (MASK, m ^ 1),
        (MASK, 0),
        (MASK, u32::MAX),
        (MASK, l),
        (SEGMENT_COUNT_LENGTH, 0),
        (SEGMENT_COUNT_LENGTH, c + 1),
        (SEGMENT_COUNT_LENGTH, c + l),
        (SEGMENT_COUNT_LENGTH, c - l),
        (SEGMENT_COUNT_LENGTH, n),
        (SEGMENT_COUNT_LENGTH, u32::MAX),
        (ENTRIES, 0),
        (ENTRIES, n + 1),
        (ENTRIES, u32::MAX),
    ];
    for (at, value) in cases {
        assert_eq!(
            code(parse_and_ask(&with_u32(&bytes, at, value))),
            "bad_descriptor",
            "field at {at} = {value}"
        );
    }
    // Only the count is informational: any count from 1 to the fingerprint length parses.
    assert_eq!(code(parse_and_ask(&with_u32(&bytes, ENTRIES, 1))), "ok");
    assert_eq!(code(parse_and_ask(&with_u32(&bytes, ENTRIES, n))), "ok");
    // Any seed is a valid seed: the lookups stay in bounds, they just stop finding members.
    let mut reseeded = bytes.clone();
    reseeded[SEED..SEED + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(code(parse_and_ask(&reseeded)), "ok");
    // The empty filter: only the all-zero descriptor.
    let empty = small_filter(0, 113);
    for at in [SEED, SEGMENT_LENGTH, MASK, SEGMENT_COUNT_LENGTH] {
        assert_eq!(
            code(parse_and_ask(&with_u32(&empty, at, 4))),
            "bad_descriptor",
            "empty, field at {at}"
        );
    }
}

/// A container written field by field, with `len` zero fingerprints.
fn container(entries: u32, l: u32, m: u32, c: u32, len: u32) -> Vec<u8> {
    let mut b = b"HARF\x01\0\0\0".to_vec();
    b.extend_from_slice(&[7u8; 16]);
    b.extend_from_slice(&entries.to_le_bytes());
    b.extend_from_slice(&0x0123_4567_89AB_CDEFu64.to_le_bytes());
    for v in [l, m, c, len] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.resize(HEADER_LEN + 2 * len as usize, 0);
    b
}

#[test]
fn crafted_containers_whose_length_adds_up_are_still_refused_when_an_index_could_escape() {
    // The smallest shape xorf makes (one key): L = 4, M = 3, C = 4, 12 fingerprints.
    assert_eq!(code(parse_and_ask(&container(1, 4, 3, 4, 12))), "ok");
    assert_eq!(code(parse_and_ask(&container(2, 8, 7, 16, 32))), "ok");
    let refused = [
        // C = 0: h0 = 0, h2 = 8 ^ (x & 3) >= 8 = len for every lookup.
        (4, 3, 0, 8),
        // C not a multiple of L: h0 <= 5, h2 up to 5 | 3 + 8 = 15 >= 14.
        (4, 3, 6, 14),
        // A segment longer than xorf ever makes (2^19 > 262144), though in bounds.
        (1 << 19, (1 << 19) - 1, 1 << 19, 3 << 19),
        // L not a power of two, the sum right: the mask cannot be L - 1 of a power of two.
        (6, 5, 6, 18),
    ];
    for (l, m, c, len) in refused {
        assert_eq!(
            code(parse_and_ask(&container(1, l, m, c, len))),
            "bad_descriptor",
            "L {l} M {m} C {c} len {len}"
        );
    }
}

/// Descriptors that agree with themselves (L a power of two, M = L - 1, C a multiple of L)
/// but whose segment count is too long for the fingerprints: C + 2L > len.
fn out_of_bounds_descriptors(d: &Descriptor, len: u32) -> Vec<Descriptor> {
    let l = d.segment_length;
    [
        len,
        len - l,
        d.segment_count_length + l,
        d.segment_count_length * 4,
        (u32::MAX / l) * l,
    ]
    .into_iter()
    .map(|c| Descriptor {
        segment_count_length: c / l * l,
        ..d.clone()
    })
    .filter(|x| u64::from(x.segment_count_length) + 2 * u64::from(l) > u64::from(len))
    .collect()
}

#[test]
fn a_descriptor_whose_lookups_would_index_past_the_fingerprints_is_refused() {
    let bytes = small_filter(20, 127);
    let header = Header::parse(&bytes, bytes.len()).unwrap();
    let len = header.fingerprint_len as u32;
    let bad = out_of_bounds_descriptors(&header.descriptor, len);
    assert_eq!(bad.len(), 5);
    for d in &bad {
        let b = with_u32(&bytes, SEGMENT_COUNT_LENGTH, d.segment_count_length);
        assert_eq!(
            check_descriptor(20, d, len as usize),
            Err(FilterError::BadDescriptor)
        );
        assert_eq!(
            code(parse_and_ask(&b)),
            "bad_descriptor",
            "C = {}",
            d.segment_count_length
        );
    }
    // A longer segment with a matching mask, the count unchanged: also too long.
    let l2 = header.descriptor.segment_length * 2;
    let b = with_u32(&with_u32(&bytes, SEGMENT_LENGTH, l2), MASK, l2 - 1);
    assert_eq!(code(parse_and_ask(&b)), "bad_descriptor", "L = {l2}");
}

/// The oracle for the test above: xorf itself, given those descriptors, indexes out of
/// bounds (its lookup panics), so the refusal is what keeps the instance alive.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn xorf_given_those_descriptors_does_index_out_of_bounds() {
    use xorf::{BinaryFuse16, Filter as _};
    let bytes = small_filter(20, 127);
    let header = Header::parse(&bytes, bytes.len()).unwrap();
    let len = header.fingerprint_len as u32;
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for d in out_of_bounds_descriptors(&header.descriptor, len) {
        let fuse = BinaryFuse16 {
            descriptor: d.clone(),
            fingerprints: fingerprints_from_le(&bytes[HEADER_LEN..]),
        };
        let panicked = std::panic::catch_unwind(|| {
            for k in 0..100_000u64 {
                let _ = fuse.contains(&k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            }
        })
        .is_err();
        assert!(
            panicked,
            "C = {} did not index out of bounds",
            d.segment_count_length
        );
    }
    std::panic::set_hook(prev);
}

#[test]
fn from_parts_checks_the_fingerprints_against_the_header() {
    let bytes = small_filter(20, 131);
    let header = Header::parse(&bytes, bytes.len()).unwrap();
    let fp = fingerprints_from_le(&bytes[HEADER_LEN..]);
    assert!(Filter::from_parts(header.clone(), fp.clone()).is_ok());
    assert_eq!(
        code(Filter::from_parts(header.clone(), fp[1..].into())),
        "truncated"
    );
    let mut longer = fp.to_vec();
    longer.push(0);
    assert_eq!(
        code(Filter::from_parts(header, longer.into())),
        "length_mismatch"
    );
}

#[test]
fn random_mutations_never_panic_and_reach_every_parse_error() {
    let originals = [
        small_filter(0, 137),
        small_filter(5, 139),
        small_filter(40, 149),
    ];
    let mut rng = Rng(0x5EED);
    let mut seen = HashSet::new();
    for i in 0..MUTATIONS {
        let mut b = originals[i % originals.len()].clone();
        for _ in 0..1 + rng.below(3) {
            match rng.below(6) {
                // A byte of the header, to any value.
                0 | 1 => {
                    let at = rng.below(HEADER_LEN.min(b.len().max(1)));
                    if let Some(x) = b.get_mut(at) {
                        *x = rng.next() as u8;
                    }
                }
                // A header u32 field to a boundary value.
                2 => {
                    let at = [
                        ENTRIES,
                        SEGMENT_LENGTH,
                        MASK,
                        SEGMENT_COUNT_LENGTH,
                        FINGERPRINT_LEN,
                    ][rng.below(5)];
                    let v = [
                        0,
                        1,
                        u32::MAX,
                        1 << 18,
                        1 << 26,
                        (1 << 26) + 1,
                        rng.next() as u32,
                    ][rng.below(7)];
                    if b.len() >= at + 4 {
                        b = with_u32(&b, at, v);
                    }
                }
                3 => b.truncate(rng.below(b.len() + 1)),
                4 => b.extend((0..1 + rng.below(8)).map(|_| rng.next() as u8)),
                // A fingerprint byte (accepted: only the answers change).
                _ => {
                    if b.len() > HEADER_LEN {
                        let at = HEADER_LEN + rng.below(b.len() - HEADER_LEN);
                        b[at] ^= 1 + rng.below(255) as u8;
                    }
                }
            }
        }
        seen.insert(code(parse_and_ask(&b)));
    }
    for expected in [
        "ok",
        "truncated",
        "bad_magic",
        "unsupported_version",
        "bad_descriptor",
        "length_mismatch",
        "too_large",
    ] {
        assert!(
            seen.contains(expected),
            "no mutation gave {expected}: {seen:?}"
        );
    }
}
