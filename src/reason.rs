//! Why a token was refused: a closed set of stable codes for logs and metrics.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Not three canonical base64url segments of UTF-8 JSON objects, or a header
    /// parameter of the wrong type.
    Malformed,
    /// Longer than `maxTokenBytes`; refused before any decoding.
    TooLarge,
    /// `alg` is not exactly `HS256` (`none`, `HS384`, `RS256`, `hs256`, ...).
    UnsupportedAlg,
    /// `crit`, `b64` or an embedded key (`jwk`, `jku`, `x5u`, `x5c`) is present.
    UnsupportedHeader,
    /// The token names a `kid` this key ring does not hold.
    UnknownKid,
    /// The MAC does not match.
    BadSignature,
    /// `typ` is present and not an accepted media type.
    BadTyp,
    /// A required claim is missing or a registered claim has the wrong type.
    InvalidClaims,
    WrongIssuer,
    WrongAudience,
    /// `nbf` is later than now plus leeway.
    NotYetValid,
    /// `iat` is later than now plus leeway.
    IssuedInFuture,
    /// `exp` is not after now minus leeway.
    Expired,
}

impl Reason {
    pub const ALL: [Reason; 13] = [
        Reason::Malformed,
        Reason::TooLarge,
        Reason::UnsupportedAlg,
        Reason::UnsupportedHeader,
        Reason::UnknownKid,
        Reason::BadSignature,
        Reason::BadTyp,
        Reason::InvalidClaims,
        Reason::WrongIssuer,
        Reason::WrongAudience,
        Reason::NotYetValid,
        Reason::IssuedInFuture,
        Reason::Expired,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::TooLarge => "too_large",
            Reason::UnsupportedAlg => "unsupported_alg",
            Reason::UnsupportedHeader => "unsupported_header",
            Reason::UnknownKid => "unknown_kid",
            Reason::BadSignature => "bad_signature",
            Reason::BadTyp => "bad_typ",
            Reason::InvalidClaims => "invalid_claims",
            Reason::WrongIssuer => "wrong_issuer",
            Reason::WrongAudience => "wrong_audience",
            Reason::NotYetValid => "not_yet_valid",
            Reason::IssuedInFuture => "issued_in_future",
            Reason::Expired => "expired",
        }
    }
}

// The TypeScript `VerifyReason` union, generated at compile time from `Reason::ALL` so
// the declaration in pkg/ cannot drift from the codes `verify` returns. The helpers below
// index arrays because `get` is not usable in const fns; they run only in const items,
// so an index out of range would fail the build, never a running instance.
const TS_HEAD: &str = "/** Stable reason codes for a refused token. */\nexport type VerifyReason =";
const TS_TAIL: &str = ";\n";

#[allow(clippy::indexing_slicing)]
const fn ts_len() -> usize {
    let mut n = TS_HEAD.len() + TS_TAIL.len();
    let mut i = 0;
    while i < Reason::ALL.len() {
        n += "\n  | \"".len() + Reason::ALL[i].code().len() + 1;
        i += 1;
    }
    n
}

#[allow(clippy::indexing_slicing)]
const fn ts_bytes() -> [u8; ts_len()] {
    let mut out = [0u8; ts_len()];
    let mut at = 0;
    at = put(&mut out, at, TS_HEAD);
    let mut i = 0;
    while i < Reason::ALL.len() {
        at = put(&mut out, at, "\n  | \"");
        at = put(&mut out, at, Reason::ALL[i].code());
        at = put(&mut out, at, "\"");
        i += 1;
    }
    put(&mut out, at, TS_TAIL);
    out
}

#[allow(clippy::indexing_slicing)]
const fn put<const N: usize>(out: &mut [u8; N], mut at: usize, s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        out[at] = b[i];
        at += 1;
        i += 1;
    }
    at
}

const TS_BYTES: [u8; ts_len()] = ts_bytes();

/// `export type VerifyReason = | "malformed" | ...;`, one line per code.
pub const VERIFY_REASON_TS: &str = match core::str::from_utf8(&TS_BYTES) {
    Ok(s) => s,
    Err(_) => "",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_union_lists_every_code_once_in_order() {
        let mut expected = String::from(TS_HEAD);
        for r in Reason::ALL {
            expected.push_str(&format!("\n  | \"{}\"", r.code()));
        }
        expected.push_str(";\n");
        assert_eq!(VERIFY_REASON_TS, expected);
        assert!(VERIFY_REASON_TS.contains("| \"issued_in_future\""));
        let mut codes: Vec<_> = Reason::ALL.iter().map(|r| r.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 13);
    }
}
