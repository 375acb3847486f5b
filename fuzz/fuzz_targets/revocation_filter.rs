//! The revocation filter's container parser (crates/revocation-filter, issue 23) on arbitrary
//! input, twice: the raw bytes, and a valid filter built from the input whose header bytes
//! the input then overwrites (so the descriptor checks are reached, not only the magic).
//! Oracles: no panic (an index out of bounds in xorf's lookup would be one); an accepted
//! container's `byte_length` is its input's length; the untouched filter finds every entry.
#![no_main]

use hybrid_auth_revocation_filter::{Builder, Filter, Kind, HEADER_LEN};
use libfuzzer_sys::fuzz_target;

const KINDS: [Kind; 3] = [Kind::Jti, Kind::Sid, Kind::User];

fn ask(bytes: &[u8]) {
    if let Ok(f) = Filter::parse(bytes) {
        assert_eq!(f.byte_length(), bytes.len());
        for i in 0..64u32 {
            let s = i.to_string();
            let _ = f.contains(KINDS[(i % 3) as usize], &s);
        }
        let _ = f.match_token(Some("jti"), Some("sid"), "user");
    }
}

fuzz_target!(|data: &[u8]| {
    ask(data);

    // A filter of up to 255 entries named by the first byte, then header edits: pairs of
    // (offset, value) from the rest of the input.
    let Some((&n, edits)) = data.split_first() else {
        return;
    };
    let mut b = Builder::new([n; 16]);
    for i in 0..u32::from(n) {
        b.add(KINDS[(i % 3) as usize], &i.to_string());
    }
    let Ok(mut bytes) = b.finish() else {
        return;
    };
    let f = Filter::parse(&bytes).expect("a built filter parses");
    for i in 0..u32::from(n) {
        assert!(f.contains(KINDS[(i % 3) as usize], &i.to_string()));
    }
    for pair in edits.chunks_exact(2) {
        let at = usize::from(pair[0]) % (HEADER_LEN + 8);
        if let Some(x) = bytes.get_mut(at) {
            *x = pair[1];
        }
    }
    if edits.len() % 2 == 1 {
        bytes.truncate(bytes.len().saturating_sub(usize::from(edits[edits.len() - 1])));
    }
    ask(&bytes);
});
