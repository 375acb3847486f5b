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

    pub fn code(self) -> &'static str {
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
