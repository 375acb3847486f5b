//! Entries, the builder and the filter.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::hash::Hasher;

use siphasher::sip::SipHasher13;
use xorf::{BinaryFuse16, Filter as _};

use crate::format::{Header, EMPTY_DESCRIPTOR, FINGERPRINT_BYTES, HEADER_LEN, MAX_FINGERPRINTS};
use crate::FilterError;

/// The kinds of revoked subjects. The number is the first byte hashed, so the same
/// subject under two kinds makes two unrelated keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A denied access token's `jti`.
    Jti = 0,
    /// A revoked refresh family (`sid`).
    Sid = 1,
    /// A user stamp (every token of the user issued before it is revoked).
    User = 2,
}

impl Kind {
    /// 0, 1 or 2; anything else is `bad_kind`.
    pub const fn from_u8(kind: u8) -> Result<Kind, FilterError> {
        match kind {
            0 => Ok(Kind::Jti),
            1 => Ok(Kind::Sid),
            2 => Ok(Kind::User),
            _ => Err(FilterError::BadKind),
        }
    }
}

/// The most distinct entries one filter may hold: what keeps its fingerprints within
/// [`MAX_FINGERPRINTS`] (xorf uses about 1.125 slots an entry plus two segments of at most
/// 262,144 slots).
pub const MAX_ENTRIES: usize = 50_000_000;

/// An entry's 64-bit key: SipHash-1-3 with the filter's key over `[kind] ++ subject`.
pub fn entry_key(sip_key: &[u8; 16], kind: Kind, subject: &str) -> u64 {
    let mut h = SipHasher13::new_with_key(sip_key);
    h.write(&[kind as u8]);
    h.write(subject.as_bytes());
    h.finish()
}

/// Collects entries; [`Builder::finish`] makes the container.
#[derive(Debug, Clone)]
pub struct Builder {
    key: [u8; 16],
    keys: Vec<u64>,
    added: usize,
}

impl Builder {
    /// A builder for a filter with this SipHash key (random, from the caller).
    pub fn new(key: [u8; 16]) -> Builder {
        Builder {
            key,
            keys: Vec::new(),
            added: 0,
        }
    }

    /// Adds an entry (duplicates are allowed; `finish` removes them).
    pub fn add(&mut self, kind: Kind, subject: &str) {
        self.keys.push(entry_key(&self.key, kind, subject));
        self.added += 1;
    }

    /// How many entries were added, duplicates included.
    pub fn size(&self) -> usize {
        self.added
    }

    /// Sorts and deduplicates the keys (xorf needs distinct keys), builds the binary fuse
    /// filter and returns the container. The builder keeps its entries: more can be added
    /// and `finish` called again.
    pub fn finish(&mut self) -> Result<Vec<u8>, FilterError> {
        self.keys.sort_unstable();
        self.keys.dedup();
        if self.keys.len() > MAX_ENTRIES {
            return Err(FilterError::TooLarge);
        }
        let entries = self.keys.len() as u32;
        let (descriptor, fingerprints) = if self.keys.is_empty() {
            (EMPTY_DESCRIPTOR, Box::default())
        } else {
            let fuse = BinaryFuse16::try_from(self.keys.as_slice())
                .map_err(|_| FilterError::BuildFailed)?;
            (fuse.descriptor, fuse.fingerprints)
        };
        if fingerprints.len() > MAX_FINGERPRINTS {
            return Err(FilterError::TooLarge);
        }
        let header = Header {
            key: self.key,
            entries,
            descriptor,
            fingerprint_len: fingerprints.len(),
        };
        let mut out = Vec::with_capacity(HEADER_LEN + fingerprints.len() * FINGERPRINT_BYTES);
        header.write_to(&mut out);
        for fp in fingerprints.iter() {
            out.extend_from_slice(&fp.to_le_bytes());
        }
        Ok(out)
    }
}

/// A parsed filter: answers whether an entry may be revoked.
#[derive(Debug, Clone)]
pub struct Filter {
    key: [u8; 16],
    entries: u32,
    /// `None` for the empty filter, which contains nothing.
    fuse: Option<BinaryFuse16>,
}

impl Filter {
    /// Parses and validates a container (see [`Header::parse`] for every check).
    pub fn parse(bytes: &[u8]) -> Result<Filter, FilterError> {
        let header = Header::parse(bytes.get(..HEADER_LEN).unwrap_or(bytes), bytes.len())?;
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        Filter::from_parts(header, fingerprints_from_le(body))
    }

    /// A filter from a header [`Header::parse`] accepted and its fingerprints (which must
    /// be exactly `header.fingerprint_len` of them: checked again here).
    pub fn from_parts(header: Header, fingerprints: Box<[u16]>) -> Result<Filter, FilterError> {
        if fingerprints.len() < header.fingerprint_len {
            return Err(FilterError::Truncated);
        }
        if fingerprints.len() > header.fingerprint_len {
            return Err(FilterError::LengthMismatch);
        }
        crate::format::check_descriptor(header.entries, &header.descriptor, fingerprints.len())?;
        let fuse = (header.entries > 0).then_some(BinaryFuse16 {
            descriptor: header.descriptor,
            fingerprints,
        });
        Ok(Filter {
            key: header.key,
            entries: header.entries,
            fuse,
        })
    }

    /// Whether the entry may be in the set: `false` is certain, `true` is wrong for about
    /// 1 in 65,536 of the entries that are not (16-bit fingerprints).
    pub fn contains(&self, kind: Kind, subject: &str) -> bool {
        match &self.fuse {
            None => false,
            Some(fuse) => fuse.contains(&entry_key(&self.key, kind, subject)),
        }
    }

    /// Whether a token may be revoked: its `jti`, its family `sid` or its user is in the set.
    pub fn match_token(&self, jti: Option<&str>, sid: Option<&str>, user: &str) -> bool {
        jti.is_some_and(|j| self.contains(Kind::Jti, j))
            || sid.is_some_and(|s| self.contains(Kind::Sid, s))
            || self.contains(Kind::User, user)
    }

    /// The distinct entries the filter was built from (the header's count).
    pub fn entries(&self) -> u32 {
        self.entries
    }

    /// The container's size in bytes (header and fingerprints).
    pub fn byte_length(&self) -> usize {
        HEADER_LEN
            + self
                .fuse
                .as_ref()
                .map_or(0, |f| f.fingerprints.len() * FINGERPRINT_BYTES)
    }
}

/// Little-endian fingerprint bytes to slots; a trailing odd byte is dropped (the header
/// check already refused a body that is not exactly `2 * fingerprint_len` bytes).
pub fn fingerprints_from_le(body: &[u8]) -> Box<[u16]> {
    body.chunks_exact(FINGERPRINT_BYTES).map(le_u16).collect()
}

/// A 2-byte little-endian chunk as a fingerprint (`chunks_exact(2)` gives only those).
pub(crate) fn le_u16(b: &[u8]) -> u16 {
    match *b {
        [lo, hi] => u16::from_le_bytes([lo, hi]),
        _ => 0,
    }
}
