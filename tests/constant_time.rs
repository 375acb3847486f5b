//! The MAC check is constant-time because it is the `hmac` crate's (`Mac::verify_slice`,
//! `verify_truncated_left`, both `subtle::ConstantTimeEq`), not a comparison of ours.
//!
//! A timing test cannot tell an early-exit compare of 32 bytes from a constant-time one
//! beside a ~1 µs HMAC, reliably, on a shared machine; the vector tests pass either way.
//! So this reads the source the crate is built from and checks that (1) `HmacKey`'s two
//! checks call the crate's verify and compare nothing themselves, and (2) nothing else
//! in src/ computes a tag except to sign (`seal`) or to derive a kid (`derive_kid`), so
//! no other code path can compare tags by hand. Replacing either call by `==` or a loop,
//! or adding `key.tag(input) == tag` in the ring, fails here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

const SOURCES: &[(&str, &str)] = &[
    ("src/key.rs", include_str!("../src/key.rs")),
    ("src/ring.rs", include_str!("../src/ring.rs")),
    ("src/token.rs", include_str!("../src/token.rs")),
    ("src/claims.rs", include_str!("../src/claims.rs")),
    ("src/b64.rs", include_str!("../src/b64.rs")),
    ("src/json.rs", include_str!("../src/json.rs")),
    ("src/text.rs", include_str!("../src/text.rs")),
    ("src/options.rs", include_str!("../src/options.rs")),
    ("src/lib.rs", include_str!("../src/lib.rs")),
    ("src/wasm/mod.rs", include_str!("../src/wasm/mod.rs")),
    (
        "src/wasm/drop_in.rs",
        include_str!("../src/wasm/drop_in.rs"),
    ),
    (
        "src/wasm/key_ring.rs",
        include_str!("../src/wasm/key_ring.rs"),
    ),
    (
        "src/wasm/options.rs",
        include_str!("../src/wasm/options.rs"),
    ),
];

/// The body of `fn <name>(` in `src`: from its opening brace to the matching one.
fn body<'a>(src: &'a str, name: &str) -> &'a str {
    let start = src
        .find(&format!("fn {name}("))
        .unwrap_or_else(|| panic!("fn {name} not found"));
    let open = start + src[start..].find('{').expect("a body");
    let mut depth = 0;
    for (i, c) in src[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &src[open..=open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced fn {name}")
}

/// Code without `//` comments, so a comment mentioning a call does not count as one.
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn hmac_key_checks_call_the_crates_constant_time_verify() {
    let key = code(SOURCES[0].1);
    for (f, call) in [
        ("verify", ".verify_slice("),
        ("verify_truncated", ".verify_truncated_left("),
    ] {
        let b = body(&key, f);
        assert!(b.contains(call), "HmacKey::{f} must call {call}: {b}");
        for hand_made in ["==", "!=", "fold(", "iter()", "for ", "while ", ".tag("] {
            assert!(
                !b.contains(hand_made),
                "HmacKey::{f} compares by itself ({hand_made:?}): {b}"
            );
        }
    }
}

#[test]
fn no_other_code_computes_a_tag_to_compare_it() {
    for (path, text) in SOURCES {
        let src = code(text);
        let mut from = 0;
        while let Some(i) = src[from..].find(".tag(") {
            let at = from + i;
            // The function the call is in: the last `fn ` before it.
            let f = src[..at].rfind("fn ").expect("inside a function");
            let name: String = src[f + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let in_tests = src[..at].contains("#[cfg(test)]");
            assert!(
                in_tests || ["seal", "derive_kid"].contains(&name.as_str()),
                "{path}: `.tag(` in fn {name}: a tag is computed outside signing; \
                 compare tags only through HmacKey::verify"
            );
            from = at + 5;
        }
    }
}
