//! A strict, small JSON parser for JOSE headers and JWT claims sets.
//!
//! Written by hand on purpose: the strict profile needs three things general JSON
//! libraries do not give together — rejection of duplicate member names at every level
//! (RFC 7515 §4 and RFC 7519 §4 allow "reject or last wins"; last-wins lets a token say
//! two things at once), a hard nesting limit checked before recursing (a 10,000-deep
//! array must fail cleanly, not overflow the wasm stack), and no byte-order mark.
//! It is RFC 8259 otherwise: no NaN/Infinity literals, no comments, no trailing commas,
//! no control characters in strings, no lone surrogates.
//!
//! The tree borrows from the input where it can, so parsing a typical claims set makes
//! only the allocations for its arrays and member lists.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Deepest nesting accepted. JWT headers and claims are flat in practice; 16 leaves room
/// for structured custom claims while keeping recursion shallow.
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The value of member `name` when `self` is an object.
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Why a text is not accepted. Only used for diagnostics in tests; callers map every
/// variant to the same public reason (`malformed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    Syntax,
    TooDeep,
    DuplicateKey,
    TooManyMembers,
    TrailingData,
}

/// Parses one complete JSON text. Leading and trailing JSON whitespace is allowed;
/// anything else after the value is an error.
pub fn parse(text: &str) -> Result<Value<'_>, JsonError> {
    parse_limited(text, MAX_MEMBERS)
}

/// Most members accepted in one object. Duplicate detection is quadratic in this
/// number (no hashing or sorting code in the wasm), so it is bounded: 256 members cost
/// at most ~33k short comparisons.
pub const MAX_MEMBERS: usize = 256;

/// Like [`parse`] with a tighter member limit, for JOSE headers, which are parsed
/// before the MAC is checked and so must stay cheap for forged input.
pub fn parse_limited(text: &str, max_members: usize) -> Result<Value<'_>, JsonError> {
    let mut p = Parser {
        src: text,
        bytes: text.as_bytes(),
        pos: 0,
        max_members,
    };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(JsonError::TrailingData);
    }
    Ok(v)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_members: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, lit: &[u8]) -> Result<(), JsonError> {
        let end = self.pos.checked_add(lit.len()).ok_or(JsonError::Syntax)?;
        if self.bytes.get(self.pos..end) == Some(lit) {
            self.pos = end;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.expect_literal(b"true").map(|_| Value::Bool(true)),
            Some(b'f') => self.expect_literal(b"false").map(|_| Value::Bool(false)),
            Some(b'n') => self.expect_literal(b"null").map(|_| Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(JsonError::Syntax),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.pos += 1; // '{'
                       // Claims sets and headers have a handful of members: one allocation, usually.
        let mut members: Vec<(Cow<'a, str>, Value<'a>)> = Vec::with_capacity(8);
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(JsonError::Syntax);
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(JsonError::Syntax);
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value(depth)?;
            if members.len() == self.max_members {
                return Err(JsonError::TooManyMembers);
            }
            if members.iter().any(|(k, _)| *k == key) {
                return Err(JsonError::DuplicateKey);
            }
            members.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(JsonError::Syntax),
            }
        }
        Ok(Value::Object(members))
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JsonError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        let text = self.src.get(start..self.pos).ok_or(JsonError::Syntax)?;
        Ok(Value::Number(number_value(text)))
    }

    /// Parses a string starting at the opening quote. Borrows when there is no escape.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: find the first byte that ends or complicates the string; most
        // strings end at a quote with no escape, and are borrowed as they are.
        let rest = self.bytes.get(start..).ok_or(JsonError::Syntax)?;
        let stop = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .ok_or(JsonError::Syntax)?;
        self.pos = start + stop;
        match self.peek() {
            Some(b'"') => {
                let s = self.src.get(start..self.pos).ok_or(JsonError::Syntax)?;
                self.pos += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            _ => return Err(JsonError::Syntax),
        }
        let mut out = String::from(self.src.get(start..self.pos).ok_or(JsonError::Syntax)?);
        loop {
            match self.peek() {
                None => return Err(JsonError::Syntax),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.peek().ok_or(JsonError::Syntax)?;
                    self.pos += 1;
                    let c = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(JsonError::Syntax),
                    };
                    out.push(c);
                }
                Some(c) if c < 0x20 => return Err(JsonError::Syntax),
                Some(_) => {
                    // Copy one whole UTF-8 character (the input is a &str, so boundaries hold).
                    let rest = self.src.get(self.pos..).ok_or(JsonError::Syntax)?;
                    let ch = rest.chars().next().ok_or(JsonError::Syntax)?;
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let end = self.pos.checked_add(4).ok_or(JsonError::Syntax)?;
        let hex = self.src.get(self.pos..end).ok_or(JsonError::Syntax)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(JsonError::Syntax);
        }
        self.pos = end;
        u32::from_str_radix(hex, 16).map_err(|_| JsonError::Syntax)
    }

    /// `\uXXXX`, combining a surrogate pair; a lone surrogate is rejected because it
    /// cannot be represented in UTF-8 and would compare differently across runtimes.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                self.expect_literal(b"\\u")?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(JsonError::Syntax);
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(JsonError::Syntax),
            c => c,
        };
        char::from_u32(code).ok_or(JsonError::Syntax)
    }
}

/// Exact powers of ten representable in an f64 (10^22 is the largest).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a number text that already matched the JSON grammar.
///
/// Written instead of `str::parse::<f64>`, whose correctly-rounded algorithm brings
/// ~15 KiB of code and tables into the wasm. Numbers here only matter as NumericDates
/// (`exp`, `nbf`, `iat`), which JS receives from its own `JSON.parse`, so the value
/// is used for comparisons with the clock alone. It is exact (Clinger's fast path:
/// one correctly rounded operation on exact operands) whenever the significand has at
/// most 15 digits and the decimal exponent is within ±22, which covers every real
/// NumericDate, fractions of a second included. Beyond that it is within a few ulps,
/// and overflow gives ±inf, which the claim checks refuse as non-finite.
fn number_value(text: &str) -> f64 {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let mut mantissa: u64 = 0;
    let mut significant = 0u32;
    let mut exp10: i64 = 0;
    let mut in_fraction = false;
    let mut rest = digits;
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'0'..=b'9' => {
                if significant < 19 {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    if mantissa != 0 {
                        significant += 1;
                    }
                    if in_fraction {
                        exp10 -= 1;
                    }
                } else if !in_fraction {
                    exp10 += 1; // digits beyond 19 are dropped, their places kept
                }
            }
            b'.' => in_fraction = true,
            b'e' | b'E' => {
                exp10 = exp10.saturating_add(exponent(tail));
                break;
            }
            _ => break,
        }
        rest = tail;
    }
    let m = mantissa as f64;
    let value = if mantissa == 0 {
        0.0
    } else if significant <= 15 && (-22..=22).contains(&exp10) {
        let p = POW10
            .get(exp10.unsigned_abs() as usize)
            .copied()
            .unwrap_or(1.0);
        if exp10 >= 0 {
            m * p
        } else {
            m / p
        }
    } else {
        let e = exp10.clamp(-400, 400);
        let p = crate::num::powi(10.0, e.unsigned_abs() as u32);
        if e >= 0 {
            m * p
        } else {
            m / p
        }
    };
    if negative {
        -value
    } else {
        value
    }
}

/// The exponent part after `e`/`E` (sign and digits, already grammar-checked).
fn exponent(bytes: &[u8]) -> i64 {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let mut e: i64 = 0;
    for &b in digits {
        e = e
            .saturating_mul(10)
            .saturating_add(i64::from(b.wrapping_sub(b'0')));
    }
    if negative {
        -e
    } else {
        e
    }
}

/// Appends `s` to `out` as a JSON string literal (quotes included).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Most strings (ids, emails, names) need no escaping: copy them whole.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = c as usize;
                out.push_str("\\u00");
                out.push(char::from(*HEX.get(n >> 4).unwrap_or(&b'0')));
                out.push(char::from(*HEX.get(n & 15).unwrap_or(&b'0')));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_objects_and_unescapes() {
        let v = parse(r#" {"a":1,"b":[true,false,null],"c":"x\u00e9\n","d":-0.5e2} "#).unwrap();
        assert_eq!(v.get("a"), Some(&Value::Number(1.0)));
        assert_eq!(v.get("c").and_then(Value::as_str), Some("xé\n"));
        assert_eq!(v.get("d"), Some(&Value::Number(-50.0)));
    }

    #[test]
    fn rejects_what_rfc8259_forbids() {
        for bad in [
            "",
            "{",
            "{,}",
            "{\"a\":1,}",
            "[1,]",
            "NaN",
            "{\"a\":NaN}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "\"\u{1}\"",
            "{'a':1}",
            "{\"a\" 1}",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "{} {}",
            "\u{feff}{}",
            "/*c*/{}",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn rejects_duplicate_keys_at_any_level_even_when_escaped() {
        assert_eq!(parse(r#"{"a":1,"a":2}"#), Err(JsonError::DuplicateKey));
        assert_eq!(
            parse(r#"{"x":{"a":1,"\u0061":2}}"#),
            Err(JsonError::DuplicateKey)
        );
        assert!(parse(r#"{"a":1,"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn member_count_is_bounded() {
        let obj = |n: usize| {
            format!(
                "{{{}}}",
                (0..n)
                    .map(|i| format!("\"k{i}\":0"))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        assert!(parse(&obj(MAX_MEMBERS)).is_ok());
        assert_eq!(parse(&obj(MAX_MEMBERS + 1)), Err(JsonError::TooManyMembers));
        assert_eq!(parse_limited(&obj(3), 2), Err(JsonError::TooManyMembers));
    }

    #[test]
    fn depth_is_bounded_without_recursing_into_the_bomb() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&deep), Err(JsonError::TooDeep));
        let bomb = "[".repeat(100_000);
        assert_eq!(parse(&bomb), Err(JsonError::TooDeep));
    }

    #[test]
    fn surrogate_pairs_combine() {
        assert_eq!(
            parse(r#""\ud83d\ude00""#).unwrap(),
            Value::Str(Cow::Owned("😀".into()))
        );
    }

    #[test]
    fn huge_exponents_become_infinite_not_errors() {
        assert_eq!(parse("1e400").unwrap(), Value::Number(f64::INFINITY));
    }

    #[test]
    fn numbers_match_the_correctly_rounded_parser_where_dates_live() {
        for text in [
            "0",
            "-0",
            "1",
            "-1",
            "1700000000",
            "1700000000.5",
            "1700000000.25",
            "253402300800",
            "4102444800",
            "1.5e9",
            "17e8",
            "0.5",
            "-1.25",
            "1e22",
            "123456789012345",
            "1E3",
            "1e+2",
            "2.5E-3",
            "9007199254740991",
            "0.000001",
        ] {
            let ours = match parse(text).unwrap() {
                Value::Number(n) => n,
                _ => unreachable!(),
            };
            assert_eq!(ours, text.parse::<f64>().unwrap(), "{text}");
        }
        for text in [
            "12345678901234567890123",
            "1.2345678901234567890e30",
            "1e-30",
            "-3.3e100",
        ] {
            let ours = match parse(text).unwrap() {
                Value::Number(n) => n,
                _ => unreachable!(),
            };
            let exact = text.parse::<f64>().unwrap();
            assert!(
                ((ours - exact) / exact).abs() < 1e-14,
                "{text}: {ours} vs {exact}"
            );
        }
        for text in ["1e400", "-1e400", "1e999999999999999999999"] {
            match parse(text).unwrap() {
                Value::Number(n) => assert!(n.is_infinite(), "{text}"),
                _ => unreachable!(),
            }
        }
    }

    #[test]
    fn write_string_round_trips() {
        let mut out = String::new();
        write_string(&mut out, "a\"b\\c\n\u{1}é😀");
        assert_eq!(parse(&out).unwrap().as_str(), Some("a\"b\\c\n\u{1}é😀"));
    }
}
