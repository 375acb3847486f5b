//! Building and asking filters: no false negatives, the false-positive rate, round trips,
//! the empty filter, duplicates, kinds kept apart, the container's layout. Natively
//! (`cargo test`) and inside wasm (`wasm-pack test --node`, with fewer entries).
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
    entry_key, Builder, Filter, FilterError, Kind, HEADER_LEN, MAGIC,
};
use xorf::{BinaryFuse16, DmaSerializable};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(not(target_arch = "wasm32"))]
const MEMBERS: usize = 100_000;
#[cfg(target_arch = "wasm32")]
const MEMBERS: usize = 20_000;
#[cfg(not(target_arch = "wasm32"))]
const OUTSIDERS: usize = 1_000_000;
#[cfg(target_arch = "wasm32")]
const OUTSIDERS: usize = 100_000;

const KINDS: [Kind; 3] = [Kind::Jti, Kind::Sid, Kind::User];

fn subjects(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n).map(|_| rng.uuid()).collect()
}

/// A filter of `members` under `kind`, built and parsed back.
fn build(key: [u8; 16], kind: Kind, members: &[String]) -> (Vec<u8>, Filter) {
    let mut b = Builder::new(key);
    for s in members {
        b.add(kind, s);
    }
    let bytes = b.finish().unwrap();
    let filter = Filter::parse(&bytes).unwrap();
    (bytes, filter)
}

#[test]
fn every_member_is_found_no_false_negatives_over_100k_uuids() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let members = subjects(&mut rng, MEMBERS);
    for kind in KINDS {
        let (_, f) = build(rng.key(), kind, &members);
        let missed = members.iter().filter(|s| !f.contains(kind, s)).count();
        assert_eq!(missed, 0, "{kind:?}: members not found");
    }
}

#[test]
fn false_positive_rate_over_1m_non_members_is_below_one_in_ten_thousand() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let members = subjects(&mut rng, MEMBERS);
    let (bytes, f) = build(rng.key(), Kind::Sid, &members);
    let set: HashSet<&str> = members.iter().map(String::as_str).collect();
    let mut asked = 0usize;
    let mut hits = 0usize;
    while asked < OUTSIDERS {
        let s = rng.uuid();
        if set.contains(s.as_str()) {
            continue;
        }
        asked += 1;
        hits += usize::from(f.contains(Kind::Sid, &s));
    }
    let rate = hits as f64 / asked as f64;
    eprintln!(
        "false positives: {hits} of {asked} ({:.4} %), {} bytes for {} entries ({:.2} bits an entry)",
        rate * 100.0,
        bytes.len(),
        members.len(),
        (bytes.len() - HEADER_LEN) as f64 * 8.0 / members.len() as f64
    );
    // 16-bit fingerprints: about 1 in 65,536 (15 expected of 1,000,000 natively).
    assert!(rate < 0.0001, "false-positive rate {rate}");
}

#[test]
fn round_trip_parse_reads_the_count_the_length_and_the_members_of_every_kind() {
    let mut rng = Rng(7);
    let mut b = Builder::new(rng.key());
    let per_kind: Vec<(Kind, Vec<String>)> = KINDS
        .iter()
        .map(|&k| (k, subjects(&mut rng, 500)))
        .collect();
    for (kind, list) in &per_kind {
        for s in list {
            b.add(*kind, s);
        }
    }
    assert_eq!(b.size(), 1500);
    let bytes = b.finish().unwrap();
    assert_eq!(&bytes[..4], &MAGIC);
    let f = Filter::parse(&bytes).unwrap();
    assert_eq!(f.entries(), 1500);
    assert_eq!(f.byte_length(), bytes.len());
    for (kind, list) in &per_kind {
        assert!(list.iter().all(|s| f.contains(*kind, s)), "{kind:?}");
    }
    // The builder keeps its entries: one more, and finish again.
    b.add(Kind::Jti, "one-more");
    let again = Filter::parse(&b.finish().unwrap()).unwrap();
    assert_eq!(again.entries(), 1501);
    assert!(again.contains(Kind::Jti, "one-more"));
    assert!(per_kind[1].1.iter().all(|s| again.contains(Kind::Sid, s)));
}

#[test]
fn every_small_size_from_1_to_64_builds_and_finds_its_members() {
    let mut rng = Rng(11);
    for n in 1..=64 {
        let members = subjects(&mut rng, n);
        let (bytes, f) = build(rng.key(), Kind::User, &members);
        assert_eq!(f.entries() as usize, n);
        assert_eq!(f.byte_length(), bytes.len());
        assert!(
            members.iter().all(|s| f.contains(Kind::User, s)),
            "size {n}"
        );
    }
}

#[test]
fn the_empty_filter_is_a_header_alone_and_contains_nothing() {
    let mut rng = Rng(3);
    let mut b = Builder::new(rng.key());
    assert_eq!(b.size(), 0);
    let bytes = b.finish().unwrap();
    assert_eq!(bytes.len(), HEADER_LEN);
    let f = Filter::parse(&bytes).unwrap();
    assert_eq!((f.entries(), f.byte_length()), (0, HEADER_LEN));
    // 10,000 subjects under every kind: not one hit (a zeroed fuse filter would say yes to
    // about 1 in 256 of them).
    for _ in 0..10_000 {
        let s = rng.uuid();
        for kind in KINDS {
            assert!(!f.contains(kind, &s));
        }
        assert!(!f.match_token(Some(&s), Some(&s), &s));
    }
}

#[test]
fn duplicates_are_removed_before_building_the_same_bytes_as_the_distinct_set() {
    let mut rng = Rng(5);
    let key = rng.key();
    let members = subjects(&mut rng, 2_000);
    let (once, _) = build(key, Kind::Sid, &members);
    let mut b = Builder::new(key);
    for _ in 0..3 {
        for s in members.iter().rev() {
            b.add(Kind::Sid, s);
        }
    }
    assert_eq!(b.size(), 6_000);
    let thrice = b.finish().unwrap();
    assert_eq!(Filter::parse(&thrice).unwrap().entries(), 2_000);
    assert_eq!(
        thrice, once,
        "same key, same distinct entries: same container"
    );
}

#[test]
fn kinds_are_separate_a_subject_under_another_kind_hits_only_at_the_false_positive_rate() {
    let mut rng = Rng(13);
    let members = subjects(&mut rng, MEMBERS / 2);
    let (_, f) = build(rng.key(), Kind::Sid, &members);
    assert!(members.iter().all(|s| f.contains(Kind::Sid, s)));
    for other in [Kind::Jti, Kind::User] {
        let hits = members.iter().filter(|s| f.contains(other, s)).count();
        let rate = hits as f64 / members.len() as f64;
        assert!(
            rate < 0.005,
            "{other:?}: {hits} of {} sids hit",
            members.len()
        );
    }
}

#[test]
fn match_token_is_true_when_the_jti_the_sid_or_the_user_is_in_the_set() {
    let mut rng = Rng(17);
    let (jti, sid, user) = (rng.uuid(), rng.uuid(), rng.uuid());
    let mut b = Builder::new(rng.key());
    b.add(Kind::Jti, &jti);
    b.add(Kind::Sid, &sid);
    b.add(Kind::User, &user);
    let f = Filter::parse(&b.finish().unwrap()).unwrap();
    // Strangers: checked to miss (the seeded generator makes this deterministic).
    let (j2, s2, u2) = (rng.uuid(), rng.uuid(), rng.uuid());
    assert!(!f.match_token(Some(&j2), Some(&s2), &u2));
    assert!(!f.match_token(None, None, &u2));
    assert!(f.match_token(Some(&jti), Some(&s2), &u2));
    assert!(f.match_token(None, Some(&sid), &u2));
    assert!(f.match_token(Some(&j2), None, &user));
    // The user's id as a jti or sid is another key.
    assert!(!f.match_token(Some(&user), Some(&user), &u2));
}

#[test]
fn the_key_is_siphash13_over_the_kind_byte_and_the_subject_and_differs_per_filter_key() {
    use core::hash::Hasher;
    let key = *b"0123456789abcdef";
    let mut h = siphasher::sip::SipHasher13::new_with_key(&key);
    h.write(&[1u8]);
    h.write(b"family-1");
    assert_eq!(entry_key(&key, Kind::Sid, "family-1"), h.finish());
    assert_ne!(
        entry_key(&key, Kind::Sid, "x"),
        entry_key(&key, Kind::Jti, "x")
    );
    assert_ne!(
        entry_key(&key, Kind::Sid, "x"),
        entry_key(b"0123456789abcdeF", Kind::Sid, "x")
    );
    assert_eq!(Kind::from_u8(3), Err(FilterError::BadKind));
    assert_eq!(Kind::from_u8(2), Ok(Kind::User));
}

#[test]
fn the_container_layout_header_fields_then_xorfs_own_descriptor_bytes_then_fingerprints() {
    let mut rng = Rng(19);
    let key = rng.key();
    let members = subjects(&mut rng, 300);
    let (bytes, _) = build(key, Kind::Jti, &members);
    let mut keys: Vec<u64> = members
        .iter()
        .map(|s| entry_key(&key, Kind::Jti, s))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let fuse = BinaryFuse16::try_from(&keys).unwrap();
    let mut descriptor = [0u8; 20];
    fuse.dma_copy_descriptor_to(&mut descriptor);
    assert_eq!(&bytes[0..4], b"HARF");
    assert_eq!(&bytes[4..8], &[1, 0, 0, 0]);
    assert_eq!(&bytes[8..24], &key);
    assert_eq!(&bytes[24..28], &300u32.to_le_bytes());
    assert_eq!(&bytes[28..48], &descriptor);
    assert_eq!(
        &bytes[48..52],
        &(fuse.fingerprints.len() as u32).to_le_bytes()
    );
    let le: Vec<u8> = fuse
        .fingerprints
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect();
    assert_eq!(&bytes[52..], &le[..]);
}
