//! Building message and JSON text without `core::fmt`, which the `no_std` wasm build
//! leaves out: `format!` and integer `to_string` would link it back in.

use alloc::string::String;

/// Appends the decimal digits of `n`.
pub fn push_uint(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or(&[]) {
        out.push(char::from(d));
    }
}

/// Appends `n` in decimal, with a sign when negative.
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_uint(out, n.unsigned_abs());
}

/// Concatenates text pieces and decimal numbers: `cat(&[T("keys["), N(3), T("]")])`.
pub enum Piece<'a> {
    T(&'a str),
    N(u64),
}

pub fn cat(pieces: &[Piece<'_>]) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::T(t) => s.push_str(t),
            Piece::N(n) => push_uint(&mut s, *n),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_match_the_standard_formatting() {
        for n in [
            0i64,
            1,
            9,
            10,
            99,
            100,
            1_700_000_000,
            -1,
            -10,
            i64::MAX,
            i64::MIN,
        ] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        assert_eq!(
            cat(&[Piece::T("a"), Piece::N(u64::MAX), Piece::T("b")]),
            format!("a{}b", u64::MAX)
        );
    }
}
