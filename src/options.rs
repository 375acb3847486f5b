//! Verification policy: one flat struct, validated once when a key ring is built.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::error::ConfigError;
use crate::text::{cat, Piece::*};

/// Clock skew tolerated at most. More than a few minutes hides broken clocks and
/// stretches every token's life.
pub const MAX_LEEWAY_SECONDS: f64 = 300.0;
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;
/// Upper bound for `maxTokenBytes`: a token travels in a header.
pub const MAX_MAX_TOKEN_BYTES: usize = 1 << 20;

/// The option names the JavaScript `KeyRing` constructor accepts.
pub const OPTION_NAMES: [&str; 10] = [
    "keys",
    "jwks",
    "signWith",
    "issuer",
    "audience",
    "leewaySeconds",
    "maxTokenBytes",
    "typ",
    "tokenType",
    "now",
];

/// `OPTION_NAMES` as error messages list them (a literal: `join` would cost ~2 KiB of
/// wasm; a unit test keeps the two in step).
pub const OPTION_LIST: &str =
    "keys, jwks, signWith, issuer, audience, leewaySeconds, maxTokenBytes, typ, tokenType, now";

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// When set, `iss` is required and must equal it.
    pub issuer: Option<String>,
    /// When set, `aud` is required and must equal it or, as an array, contain it.
    pub audience: Option<String>,
    /// Seconds of clock skew allowed on `exp`, `nbf` and `iat`; 0..=300.
    pub leeway_seconds: f64,
    /// Tokens longer than this are refused before decoding.
    pub max_token_bytes: usize,
    /// Accepted `typ` values when the header has one (keep "JWT": it is what `sign`
    /// writes; the JS `KeyRing` always keeps it and adds the configured ones) (compared case-insensitively, as
    /// media types are; an `application/` prefix is ignored per RFC 7515 §4.1.9).
    /// The first entry is the `typ` that `sign` writes. A token without a `typ` header
    /// is a generic JWT (RFC 7519 §5.1) and is judged as if it said "JWT". So the JS
    /// `tokenType` option, which puts its type (e.g. "at+jwt", RFC 9068) in the place of
    /// "JWT", gives explicit typing (RFC 8725 §3.11): a token minted for another purpose
    /// with the same key (untyped, "JWT", an ID token...) is refused.
    pub typ: Vec<String>,
    /// Require `sub` (a string). On by default: an identity token without a subject
    /// authenticates no one.
    pub require_sub: bool,
    /// Require `exp` (a finite number). On by default: a token that never expires
    /// cannot be contained.
    pub require_exp: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            issuer: None,
            audience: None,
            leeway_seconds: 0.0,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            typ: vec![String::from("JWT")],
            require_sub: true,
            require_exp: true,
        }
    }
}

impl Policy {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.leeway_seconds.is_finite()
            && (0.0..=MAX_LEEWAY_SECONDS).contains(&self.leeway_seconds))
        {
            // Literal text: formatting an f64 would link a float printer into the wasm.
            return Err(ConfigError::new("leewaySeconds must be between 0 and 300"));
        }
        if !(256..=MAX_MAX_TOKEN_BYTES).contains(&self.max_token_bytes) {
            return Err(ConfigError::new(cat(&[
                T("maxTokenBytes must be between 256 and "),
                N(MAX_MAX_TOKEN_BYTES as u64),
            ])));
        }
        for (name, v) in [("issuer", &self.issuer), ("audience", &self.audience)] {
            if let Some(v) = v {
                if v.is_empty() || v.len() > 512 {
                    return Err(ConfigError::new(cat(&[
                        T(name),
                        T(" must be a non-empty string of at most 512 bytes"),
                    ])));
                }
            }
        }
        if self.typ.iter().any(|t| t.is_empty() || t.len() > 128) {
            return Err(ConfigError::new("typ entries must be non-empty strings"));
        }
        Ok(())
    }

    /// Whether a token's `typ` header (`None`: absent, read as "JWT") is one of `typ`,
    /// compared as media types: case-insensitively, an `application/` prefix ignored
    /// (RFC 7515 §4.1.9).
    pub(crate) fn header_typ_ok(&self, typ: Option<&str>) -> bool {
        let bare = strip_application(typ.unwrap_or("JWT"));
        self.typ
            .iter()
            .any(|t| strip_application(t).eq_ignore_ascii_case(bare))
    }

    /// The `typ` header `sign` writes: the first accepted one.
    pub(crate) fn written_typ(&self) -> &str {
        self.typ.first().map_or("JWT", String::as_str)
    }
}

fn strip_application(t: &str) -> &str {
    match t.get(..12) {
        Some(p) if p.eq_ignore_ascii_case("application/") => t.get(12..).unwrap_or(t),
        _ => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_list_names_every_option() {
        assert_eq!(OPTION_LIST, OPTION_NAMES.join(", "));
    }

    #[test]
    fn token_type_is_required_and_compared_as_a_media_type() {
        let p = Policy {
            typ: vec!["at+jwt".into()],
            ..Policy::default()
        };
        assert_eq!(p.written_typ(), "at+jwt");
        assert_eq!(Policy::default().written_typ(), "JWT");
        for ok in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/At+JWT",
        ] {
            assert!(p.header_typ_ok(Some(ok)), "{ok}");
        }
        for bad in [
            None,
            Some("JWT"),
            Some("jwt"),
            Some(""),
            Some("application/"),
            Some("at+jwt "),
            Some("dpop+jwt"),
            Some("text/at+jwt"),
        ] {
            assert!(!p.header_typ_ok(bad), "{bad:?}");
        }
        // With "JWT" accepted: absent too.
        let plain = Policy::default();
        assert!(plain.header_typ_ok(None));
        assert!(plain.header_typ_ok(Some("application/JWT")));
        assert!(!plain.header_typ_ok(Some("at+jwt")));
        // Other accepted types (the JS `typ` option) stay accepted; absent still is not.
        let more = Policy {
            typ: vec!["at+jwt".into(), "JOSE".into()],
            ..p.clone()
        };
        assert!(more.header_typ_ok(Some("jose")));
        assert!(!more.header_typ_ok(None));
    }
}
