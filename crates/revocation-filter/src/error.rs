//! The errors of the filter, each with a stable code (what JavaScript sees first in an
//! `Error`'s message and in its `code` property).

/// Why a container was refused, or a filter could not be built or asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterError {
    /// The input ends before the header or the fingerprints it announces.
    Truncated,
    /// The first four bytes are not `HARF`.
    BadMagic,
    /// A version other than 1, or reserved header bytes that are not zero (a later
    /// version's fields, which this reader would ignore).
    UnsupportedVersion,
    /// The xorf descriptor or the entry count cannot belong to a filter of this many
    /// fingerprints (the lookup would index outside them, or the header contradicts itself).
    BadDescriptor,
    /// Bytes after the fingerprints.
    LengthMismatch,
    /// More than 64 MiB of fingerprints announced, or more entries than a filter holds.
    TooLarge,
    /// A kind outside 0 (jti), 1 (sid), 2 (user).
    BadKind,
    /// A filter key that is not 16 bytes (a `Uint8Array` in JavaScript).
    BadKey,
    /// JavaScript only: a subject that is not a string.
    BadSubject,
    /// JavaScript only: `parse` given something other than a `Uint8Array`.
    BadArgument,
    /// xorf could not construct the filter (with distinct keys this does not happen in
    /// practice; it is reported, never a panic).
    BuildFailed,
}

impl FilterError {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::BadMagic => "bad_magic",
            Self::UnsupportedVersion => "unsupported_version",
            Self::BadDescriptor => "bad_descriptor",
            Self::LengthMismatch => "length_mismatch",
            Self::TooLarge => "too_large",
            Self::BadKind => "bad_kind",
            Self::BadKey => "bad_key",
            Self::BadSubject => "bad_subject",
            Self::BadArgument => "bad_argument",
            Self::BuildFailed => "build_failed",
        }
    }

    /// A sentence for people, after the code.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Truncated => "the revocation filter ends early",
            Self::BadMagic => "not a revocation filter (the magic is not HARF)",
            Self::UnsupportedVersion => {
                "a revocation filter version (or reserved bytes) this reader does not know"
            }
            Self::BadDescriptor => {
                "the revocation filter's descriptor does not fit its fingerprints"
            }
            Self::LengthMismatch => "bytes after the revocation filter's fingerprints",
            Self::TooLarge => "the revocation filter is larger than 64 MiB of fingerprints",
            Self::BadKind => "kind must be 0 (jti), 1 (sid) or 2 (user)",
            Self::BadKey => "the filter key must be a Uint8Array of 16 bytes",
            Self::BadSubject => "a subject must be a string",
            Self::BadArgument => "parse takes a Uint8Array",
            Self::BuildFailed => "the binary fuse filter could not be constructed",
        }
    }
}

impl core::fmt::Display for FilterError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())?;
        f.write_str(": ")?;
        f.write_str(self.message())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FilterError {}
