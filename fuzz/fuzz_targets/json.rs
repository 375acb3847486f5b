//! `json::parse` / `parse_limited` on arbitrary text, with three oracles:
//! - a tighter member limit never accepts more, and agrees when it accepts;
//! - serde_json (lenient: duplicate keys, depth 128, 256+ members) accepts everything we
//!   accept (save numbers out of f64 range, which we keep as ±inf for the claim layer to
//!   refuse), and we refuse what it accepts only for duplicates, depth or member count;
//! - every string we decode survives `write_string` and a second parse.
#![no_main]

use hybrid_auth::json::{self, JsonError, Value};
use libfuzzer_sys::fuzz_target;

fn all_finite(v: &Value<'_>) -> bool {
    match v {
        Value::Number(n) => n.is_finite(),
        Value::Array(items) => items.iter().all(all_finite),
        Value::Object(members) => members.iter().all(|(_, v)| all_finite(v)),
        _ => true,
    }
}

fn strings<'v>(v: &'v Value<'_>, out: &mut Vec<&'v str>) {
    match v {
        Value::Str(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(members) => members.iter().for_each(|(k, v)| {
            out.push(k);
            strings(v, out)
        }),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let full = json::parse(&text);
    let limited = json::parse_limited(&text, 16);
    if limited.is_ok() {
        assert_eq!(limited, full);
    }

    let reference = serde_json::from_str::<serde_json::Value>(&text);
    match (&full, &reference) {
        (Ok(v), Err(e)) if all_finite(v) => panic!("accepted what serde_json refuses ({e})"),
        (Err(e), Ok(_)) => assert!(
            matches!(
                e,
                JsonError::DuplicateKey | JsonError::TooDeep | JsonError::TooManyMembers
            ),
            "refused ({e:?}) what serde_json accepts"
        ),
        _ => {}
    }

    if let Ok(v) = &full {
        let mut all = Vec::new();
        strings(v, &mut all);
        for s in all {
            let mut lit = String::new();
            json::write_string(&mut lit, s);
            assert_eq!(
                json::parse(&lit).ok().as_ref().and_then(Value::as_str),
                Some(s)
            );
        }
    }
});
