//! The compact serialization: splitting a token into segments and reading its header.
//! Everything here works on untrusted input and returns a [`Reason`] instead of failing
//! any other way.

use alloc::string::String;
use alloc::vec::Vec;

use crate::b64;
use crate::json::{self, Value};
use crate::reason::Reason;
use crate::ring::Alg;

/// A token's three segments, structurally valid (non-empty base64url text).
pub struct Segments<'a> {
    pub header_b64: &'a str,
    /// `header "." payload`, the bytes the MAC covers.
    pub signing_input: &'a str,
    pub payload_b64: &'a str,
    pub signature_b64: &'a str,
}

/// Shortest plausible JWT: `{"alg":"HS256"}` (20 chars) + `{}` (3) + a MAC (43) + 2 dots.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Splits `token` at its two dots (header and payload non-empty). The characters are
/// not checked here: the strict base64url decoders that read each segment refuse
/// anything outside the alphabet, so checking twice would only cost time.
pub fn split(token: &str) -> Option<Segments<'_>> {
    // Byte searches: `str::find(char)` brings a UTF-8 char searcher (~0.8 KiB of wasm).
    let dot = |s: &str| s.bytes().position(|b| b == b'.');
    let d1 = dot(token)?;
    let rest = token.get(d1 + 1..)?;
    let d2 = d1 + 1 + dot(rest)?;
    let header_b64 = token.get(..d1)?;
    let payload_b64 = token.get(d1 + 1..d2)?;
    let signature_b64 = token.get(d2 + 1..)?;
    if signature_b64.bytes().any(|b| b == b'.') {
        return None;
    }
    // An empty signature is structurally a JWS (that is how `alg: none` tokens look);
    // it is refused later with the reason that says why.
    for seg in [header_b64, payload_b64] {
        if seg.is_empty() || seg.len() % 4 == 1 {
            return None;
        }
    }
    if signature_b64.len() % 4 == 1 {
        return None;
    }
    Some(Segments {
        header_b64,
        signing_input: token.get(..d2)?,
        payload_b64,
        signature_b64,
    })
}

/// The structural test behind `isJWT`: three base64url segments, a sane length, no
/// decoding. Meant for routing a bearer token (JWT or opaque session id), not for trust.
pub fn looks_like_jwt(token: &str, max_bytes: usize) -> bool {
    if !(MIN_TOKEN_CHARS..=max_bytes).contains(&token.len()) {
        return false;
    }
    // One pass: this runs on every request in the middleware, before any verification,
    // so it should cost far less than the verification it routes to. (Same answer as an
    // alphabet check plus `split`; a unit test compares the two.)
    let (mut d1, mut d2) = (None, None);
    for (i, &b) in token.as_bytes().iter().enumerate() {
        if b == b'.' {
            match (d1, d2) {
                (None, _) => d1 = Some(i),
                (Some(_), None) => d2 = Some(i),
                _ => return false,
            }
        } else if !b64::is_alphabet(b) {
            return false;
        }
    }
    let (Some(d1), Some(d2)) = (d1, d2) else {
        return false;
    };
    // Segment lengths: header, payload, signature; none empty, none 1 mod 4 (no
    // base64 text has that length).
    [d1, d2 - d1 - 1, token.len() - d2 - 1]
        .iter()
        .all(|&n| n > 0 && n % 4 != 1)
}

/// The header parameters that matter after the strict checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The algorithm named: only the two this crate implements get this far.
    pub alg: Alg,
    pub kid: Kid,
    pub typ: Option<String>,
}

/// The `kid` header parameter as found. A key ring that selects keys by `kid` refuses
/// [`Kid::NotAString`] as malformed (RFC 7515 §4.1.4 makes it a string); the one-secret
/// drop-in verifier has a single key to try and ignores `kid` whatever it holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Kid {
    #[default]
    Absent,
    Str(String),
    NotAString,
}

/// Header parameters that would make us trust key material or semantics carried by the
/// token itself. None is needed for HS256 with a configured key ring.
const REFUSED_PARAMS: [&str; 7] = ["crit", "b64", "jwk", "jku", "x5u", "x5c", "zip"];

/// Real headers carry 2-4 parameters; the header is parsed before the MAC is checked,
/// so a forged one must not be able to make that parse expensive.
const MAX_HEADER_MEMBERS: usize = 16;

/// How many parsed headers [`parse_header`] remembers, and the longest header text it
/// remembers (real headers are 36-70 characters).
const HEADER_MEMO: usize = 4;
const MAX_MEMO_HEADER_CHARS: usize = 256;

/// Headers parsed successfully, by their exact base64url text, newest first.
///
/// Why: every token from one signer carries the same header text, so a deployment sees
/// a handful of distinct headers. The key ring recognises the headers it writes by their
/// text; a token from another signer (a seed-era one: `{"typ":"JWT","alg":"HS256"}`
/// in another order, an extra `kid`) paid the full decode and JSON parse on every
/// request, about 10-17% of a verification (bench/notes.md, "Crates and speed").
/// The parse is a pure function of the text, so the remembered value is exactly what
/// parsing again would give (a unit test checks that); refused headers are never
/// remembered. Bounded: 4 entries of at most 256 characters; a new header evicts the
/// oldest, so a flood of distinct headers costs the parse it would have cost anyway.
static HEADERS: spin::Mutex<Vec<(String, Header)>> = spin::Mutex::new(Vec::new());

/// Decodes and checks the JOSE header: a UTF-8 JSON object, `alg` exactly "HS256",
/// no `crit` (we understand no extension, RFC 7515 §4.1.11), no embedded keys.
/// Remembers the last few accepted header texts ([`HEADERS`]).
pub fn parse_header(header_b64: &str) -> Result<Header, Reason> {
    // `try_lock`: never waits; a busy memo only means parsing (it cannot be re-entered
    // in wasm, and native threads in tests just skip it).
    if let Some(memo) = HEADERS.try_lock() {
        if let Some((_, header)) = memo.iter().find(|(text, _)| text == header_b64) {
            return Ok(header.clone());
        }
    }
    let header = parse_header_text(header_b64)?;
    if header_b64.len() <= MAX_MEMO_HEADER_CHARS {
        if let Some(mut memo) = HEADERS.try_lock() {
            memo.truncate(HEADER_MEMO - 1);
            memo.insert(0, (String::from(header_b64), header.clone()));
        }
    }
    Ok(header)
}

/// [`parse_header`] without the memo.
pub fn parse_header_text(header_b64: &str) -> Result<Header, Reason> {
    let bytes = b64::decode(header_b64).ok_or(Reason::Malformed)?;
    let text = core::str::from_utf8(&bytes).map_err(|_| Reason::Malformed)?;
    let value = json::parse_limited(text, MAX_HEADER_MEMBERS).map_err(|_| Reason::Malformed)?;
    let Value::Object(members) = &value else {
        return Err(Reason::Malformed);
    };
    // Exact, case-sensitive names (RFC 7515 §4.1.1). Which keys an algorithm may use is
    // the key ring's decision (`KeyRing::authenticate`), not the header's.
    let alg = match value.get("alg") {
        Some(Value::Str(alg)) if alg == "HS256" => Alg::Hs256,
        Some(Value::Str(alg)) if alg == "EdDSA" => Alg::EdDsa,
        Some(Value::Str(_)) => return Err(Reason::UnsupportedAlg),
        _ => return Err(Reason::Malformed),
    };
    if members
        .iter()
        .any(|(k, _)| REFUSED_PARAMS.contains(&k.as_ref()))
    {
        return Err(Reason::UnsupportedHeader);
    }
    let typ = match value.get("typ") {
        None => None,
        Some(Value::Str(s)) => Some(String::from(s.as_ref())),
        Some(_) => return Err(Reason::Malformed),
    };
    let kid = match value.get("kid") {
        None => Kid::Absent,
        Some(Value::Str(s)) => Kid::Str(String::from(s.as_ref())),
        Some(_) => Kid::NotAString,
    };
    Ok(Header { alg, kid, typ })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_requires_three_nonempty_base64url_segments() {
        assert!(split("eyJh.e30.abcd").is_some());
        assert!(
            split("eyJh.e30.").is_some(),
            "alg none shape: refused later, by alg"
        );
        for bad in [
            "",
            "..",
            "a.b",
            "a.b.c.d",
            "eyJh..abcd",
            ".e30.abcd",
            "eyJh.e3012.abcd",
        ] {
            assert!(split(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn is_jwt_checks_the_alphabet_split_leaves_it_to_the_decoders() {
        for bad in [
            "eyJhbGciOiJIUzI1NiJ9.e30.a cd",
            "eyJhbGciOiJIUzI1NiJ9.e30.ab=c",
            "eyJhbGciOiJIUzI1NiJ9.e30.a+cd",
        ] {
            assert!(split(bad).is_some());
            assert!(!looks_like_jwt(bad, 8192), "{bad:?}");
        }
    }

    #[test]
    fn uuid_session_ids_are_not_jwts() {
        assert!(!looks_like_jwt(
            "550e8400-e29b-41d4-a716-446655440000",
            8192
        ));
        assert!(looks_like_jwt(
            "eyJhbGciOiJIUzI1NiJ9.e30.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            8192
        ));
        assert!(!looks_like_jwt(
            &format!("{}.e30.abcd", "a".repeat(9000)),
            8192
        ));
        assert!(
            !looks_like_jwt("eyJhbGciOiJub25lIn0.e30.", 8192),
            "unsigned"
        );
    }

    /// The one-pass check against its definition: an alphabet check plus `split`.
    #[test]
    fn looks_like_jwt_matches_split() {
        let reference = |t: &str| {
            (MIN_TOKEN_CHARS..=64).contains(&t.len())
                && t.bytes().all(|b| b == b'.' || b64::is_alphabet(b))
                && split(t).is_some_and(|s| !s.signature_b64.is_empty())
        };
        // Strings of 16..=40 bytes from a fixed-seed generator: 0-3 dots at random
        // places (so segment lengths take every value mod 4, empty included) and now
        // and then a byte outside the alphabet.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut accepted = 0;
        for _ in 0..100_000 {
            let len = 16 + (next() % 25) as usize;
            let mut t: Vec<u8> = (0..len).map(|_| b"aZ-_09"[(next() % 6) as usize]).collect();
            for _ in 0..next() % 4 {
                let at = (next() % len as u64) as usize;
                t[at] = b'.';
            }
            if next() % 10 == 0 {
                let at = (next() % len as u64) as usize;
                t[at] = b"=+/ \0"[(next() % 5) as usize];
            }
            let t = String::from_utf8(t).expect("ASCII");
            let expected = reference(&t);
            assert_eq!(looks_like_jwt(&t, 64), expected, "{t}");
            accepted += usize::from(expected);
        }
        // Both answers are exercised often.
        assert!((3_000..97_000).contains(&accepted), "{accepted}");
    }

    #[test]
    fn remembered_headers_are_what_parsing_gives_and_refusals_are_not_remembered() {
        let headers = [
            r#"{"typ":"JWT","alg":"HS256","kid":"x"}"#,
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"HS256","kid":7}"#,
            r#"{"alg":"HS256","kid":"a\u0062"}"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256","crit":[]}"#,
            r#"{"alg":"HS256","typ":7}"#,
            r#"{"typ":"JWT","alg":"HS256"}"#,
            r#"{"alg":"HS256","x":1}"#,
            r#"{"alg":"HS256","y":1}"#,
        ];
        // Three passes: the first fills the memo, later ones read it (and evict, with
        // more distinct accepted headers than it holds).
        for _ in 0..3 {
            for json in headers {
                let text = b64::encode(json.as_bytes());
                let fresh = parse_header_text(&text);
                assert_eq!(parse_header(&text), fresh, "{json}");
                assert_eq!(parse_header(&text), fresh, "{json} (again)");
                let memo = HEADERS.lock();
                let remembered = memo.iter().any(|(t, _)| *t == text);
                assert!(memo.len() <= HEADER_MEMO);
                if fresh.is_err() {
                    assert!(!remembered, "a refused header was remembered: {json}");
                }
            }
        }
        let long =
            b64::encode(format!(r#"{{"alg":"HS256","k":"{}"}}"#, "a".repeat(300)).as_bytes());
        assert!(parse_header(&long).is_ok());
        assert!(
            !HEADERS.lock().iter().any(|(t, _)| *t == long),
            "too long to remember"
        );
    }

    #[test]
    fn header_rules() {
        let h = |json: &str| parse_header(&b64::encode(json.as_bytes()));
        assert_eq!(
            h(r#"{"alg":"HS256"}"#),
            Ok(Header {
                alg: Alg::Hs256,
                kid: Kid::Absent,
                typ: None
            })
        );
        assert_eq!(
            h(r#"{"alg":"EdDSA"}"#),
            Ok(Header {
                alg: Alg::EdDsa,
                kid: Kid::Absent,
                typ: None
            })
        );
        assert_eq!(h(r#"{"alg":"EDDSA"}"#), Err(Reason::UnsupportedAlg));
        assert_eq!(h(r#"{"alg":"Ed25519"}"#), Err(Reason::UnsupportedAlg));
        assert_eq!(h(r#"{"alg":"none"}"#), Err(Reason::UnsupportedAlg));
        assert_eq!(h(r#"{"alg":"hs256"}"#), Err(Reason::UnsupportedAlg));
        assert_eq!(h(r#"{"typ":"JWT"}"#), Err(Reason::Malformed));
        assert_eq!(h(r#"{"alg":["HS256"]}"#), Err(Reason::Malformed));
        assert_eq!(
            h(r#"{"alg":"HS256","crit":[]}"#),
            Err(Reason::UnsupportedHeader)
        );
        assert_eq!(
            h(r#"{"alg":"HS256","jwk":{}}"#),
            Err(Reason::UnsupportedHeader)
        );
        assert_eq!(
            h(r#"{"alg":"HS256","kid":7}"#),
            Ok(Header {
                alg: Alg::Hs256,
                kid: Kid::NotAString,
                typ: None
            })
        );
        assert_eq!(h(r#"{"alg":"HS256","typ":7}"#), Err(Reason::Malformed));
        assert_eq!(h(r#"{"alg":"none","alg":"HS256"}"#), Err(Reason::Malformed));
        assert_eq!(
            h(r#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#),
            Ok(Header {
                alg: Alg::Hs256,
                kid: Kid::Str("k1".into()),
                typ: Some("JWT".into())
            })
        );
    }
}
