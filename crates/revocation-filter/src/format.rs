//! The container: what `Builder::finish` writes and `Filter::parse` reads. Little-endian
//! throughout, 52 bytes of header, then the fingerprints:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 4 | magic `HARF` |
//! | 4 | 1 | version, 1 |
//! | 5 | 3 | reserved, zero |
//! | 8 | 16 | SipHash-1-3 key of this filter |
//! | 24 | 4 | entry count (distinct keys), u32 |
//! | 28 | 20 | xorf's binary fuse descriptor (its `DmaSerializable` layout): seed u64, segment_length u32, segment_length_mask u32, segment_count_length u32 |
//! | 48 | 4 | fingerprint count n (16-bit slots), u32 |
//! | 52 | 2n | fingerprints, u16 each |
//!
//! An empty filter (0 entries) has an all-zero descriptor and no fingerprints.

use alloc::vec::Vec;

use xorf::Descriptor;

use crate::FilterError;

/// The first four bytes of every container.
pub const MAGIC: [u8; 4] = *b"HARF";
/// The one version this crate writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// Bytes before the fingerprints.
pub const HEADER_LEN: usize = 52;
/// Bytes per fingerprint: 16 bits (xorf's `BinaryFuse16`) keep a filter hit's false-positive
/// rate near 1 in 65,536 a lookup, so a token check (up to three lookups: jti, sid, user)
/// needs a D1 confirmation for about 0.005 % of valid tokens; 8-bit fingerprints measured
/// about 1.1 % in the simulation, above the 0.5 % budget.
pub const FINGERPRINT_BYTES: usize = 2;
/// The most fingerprints a container may announce (128 MiB, about 59 million entries).
pub const MAX_FINGERPRINTS: usize = 64 << 20;
/// The longest segment xorf 0.13 makes (`segment_length(..).min(262144)`).
pub const MAX_SEGMENT_LENGTH: u32 = 262_144;

/// A parsed and validated header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The filter's SipHash key.
    pub key: [u8; 16],
    /// How many distinct keys the filter was built from.
    pub entries: u32,
    /// xorf's descriptor (all zero for an empty filter).
    pub descriptor: Descriptor,
    /// How many fingerprints (16-bit slots, 2 bytes each) follow the header.
    pub fingerprint_len: usize,
}

/// Reads fixed-size fields front to back; running out is `Truncated`.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], FilterError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(FilterError::Truncated)?;
        self.0 = rest;
        Ok(*head)
    }
    fn u32(&mut self) -> Result<u32, FilterError> {
        self.take::<4>().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, FilterError> {
        self.take::<8>().map(u64::from_le_bytes)
    }
}

impl Header {
    /// Parses the header at the start of `bytes` (at least its first [`HEADER_LEN`]
    /// bytes, or all of a shorter input) of a container `total_len` bytes long, and checks
    /// everything a lookup relies on. The checks, in this order (the first that fails is
    /// the error):
    /// 1. magic (`bad_magic`), version and reserved bytes (`unsupported_version`), each
    ///    after enough bytes were there to read it (`truncated` otherwise);
    /// 2. the fingerprint count is at most [`MAX_FINGERPRINTS`] (`too_large`);
    /// 3. the container is exactly header + 2 × count bytes (`truncated` if shorter,
    ///    `length_mismatch` if longer);
    /// 4. the descriptor fits the fingerprints (`bad_descriptor`), see [`check_descriptor`].
    pub fn parse(bytes: &[u8], total_len: usize) -> Result<Header, FilterError> {
        let mut r = Reader(bytes);
        if r.take::<4>()? != MAGIC {
            return Err(FilterError::BadMagic);
        }
        if r.take::<1>()? != [FORMAT_VERSION] {
            return Err(FilterError::UnsupportedVersion);
        }
        if r.take::<3>()? != [0; 3] {
            return Err(FilterError::UnsupportedVersion);
        }
        let key = r.take::<16>()?;
        let entries = r.u32()?;
        let descriptor = Descriptor {
            seed: r.u64()?,
            segment_length: r.u32()?,
            segment_length_mask: r.u32()?,
            segment_count_length: r.u32()?,
        };
        let fingerprint_len = r.u32()? as usize;
        if fingerprint_len > MAX_FINGERPRINTS {
            return Err(FilterError::TooLarge);
        }
        let body = total_len.saturating_sub(HEADER_LEN);
        // Cannot overflow: fingerprint_len <= 64 Mi.
        let needed = fingerprint_len * FINGERPRINT_BYTES;
        if body < needed {
            return Err(FilterError::Truncated);
        }
        if body > needed {
            return Err(FilterError::LengthMismatch);
        }
        check_descriptor(entries, &descriptor, fingerprint_len)?;
        Ok(Header {
            key,
            entries,
            descriptor,
            fingerprint_len,
        })
    }

    /// Appends the 52 header bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&MAGIC);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.entries.to_le_bytes());
        // xorf's `DmaSerializable` descriptor layout (tests/format.rs compares the two).
        let d = &self.descriptor;
        out.extend_from_slice(&d.seed.to_le_bytes());
        out.extend_from_slice(&d.segment_length.to_le_bytes());
        out.extend_from_slice(&d.segment_length_mask.to_le_bytes());
        out.extend_from_slice(&d.segment_count_length.to_le_bytes());
        // `finish` never makes more than MAX_FINGERPRINTS, which fits a u32.
        out.extend_from_slice(&(self.fingerprint_len as u32).to_le_bytes());
    }
}

/// The empty filter's descriptor: all zero (it has no fingerprints and is never asked).
pub const EMPTY_DESCRIPTOR: Descriptor = Descriptor {
    seed: 0,
    segment_length: 0,
    segment_length_mask: 0,
    segment_count_length: 0,
};

/// Refuses a descriptor under which xorf's lookup could index outside `len` fingerprints.
///
/// xorf 0.13's `bfuse_contains_impl!` reads `fingerprints[h0]`, `[h1]`, `[h2]` with
/// `(h0, h1, h2) = hash_of_hash(hash, L, M, C)` (L = segment_length, M = its mask,
/// C = segment_count_length, hash any u64):
/// ```text
/// h0 = (hash * C) >> 64                       (as u128, so 0 <= h0 < C when C > 0)
/// h1 = (h0 + L)     ^ ((hash >> 18) as u32 & M)
/// h2 = (h0 + L + L) ^ ((hash as u32) & M)
/// ```
/// Required here: L a power of two (1 <= L <= 262144), M = L - 1, C a multiple of L with
/// C >= L, and C + 2L = len (what xorf builds: `(segment_count + 2) * L` fingerprints,
/// also after its "smaller segment" retries, and 12 for one key).
///
/// Proof that every index is < len. Write C = kL (k >= 1). Then h0 < kL, so
/// `h0 | M <= kL - 1` (the bits below L make at most L - 1 on top of a multiple of L that
/// is at most (k - 1)L). Adding L (a power of two) to h0 leaves the bits under M as they
/// are, so `(h0 + L) | M = (h0 | M) + L` and likewise for 2L. XOR with a value `& M`
/// changes only those low bits, so it is at most the `| M` of its left side:
/// `h0 <= kL - 1 < len`, `h1 <= kL - 1 + L`, `h2 <= kL - 1 + 2L = len - 1`. No sum
/// overflows u32: `len <= 64 Mi` ([`MAX_FINGERPRINTS`], checked before this).
///
/// Also refused: more entries than fingerprints (xorf makes at least 1.125 slots a key),
/// and, for 0 entries, anything but the all-zero descriptor and no fingerprints.
pub fn check_descriptor(entries: u32, d: &Descriptor, len: usize) -> Result<(), FilterError> {
    if entries == 0 {
        return if *d == EMPTY_DESCRIPTOR && len == 0 {
            Ok(())
        } else {
            Err(FilterError::BadDescriptor)
        };
    }
    let l = u64::from(d.segment_length);
    let c = u64::from(d.segment_count_length);
    let fits = d.segment_length.is_power_of_two()
        && d.segment_length <= MAX_SEGMENT_LENGTH
        && d.segment_length_mask == d.segment_length - 1
        && c >= l
        && c % l == 0
        && c + 2 * l == len as u64
        && u64::from(entries) <= len as u64;
    if fits {
        Ok(())
    } else {
        Err(FilterError::BadDescriptor)
    }
}
