//! The PHC string `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`: the one
//! place a stored hash (untrusted input: a database row) becomes typed values, and the
//! one place the string is written.
//!
//! Parsing is strict: `password-hash`'s PHC grammar first, then exactly one shape, and
//! the parsed values written back must give the input byte for byte (so a missing
//! version, another parameter order, extra parameters, leading zeros or non-canonical
//! base64 are all `malformed_hash`). Nothing here allocates more than the string's size:
//! the cost is only *read*; whether it may be computed is `VerifyPolicy::admit`'s call.

use alloc::string::String;
use alloc::vec::Vec;

use argon2::password_hash::{Decimal, Output, PasswordHash, SaltString};

use crate::cost::{self, Cost};
use crate::Refusal;

/// Longer strings are refused before parsing. Ours are 97 bytes; the longest this
/// grammar admits (10-digit numbers, 64-char salt, 64-byte hash) is under 250.
pub const MAX_PHC_BYTES: usize = 256;
/// What [`crate::hash_password`] writes.
pub const SALT_BYTES: usize = 16;
pub const HASH_BYTES: usize = 32;
/// The shortest salt (Argon2's own minimum) and hash accepted from a stored string.
pub const MIN_SALT_BYTES: usize = 8;
pub const MIN_HASH_BYTES: usize = 16;

const ALGORITHM: &str = "argon2id";
const VERSION: Decimal = 0x13;
/// Argon2's largest lane count (`Params::MAX_P_COST`).
const MAX_LANES: u32 = 0xFF_FFFF;

/// A stored Argon2id hash, parsed. `cost` is as found: not yet admitted by a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHash {
    pub cost: Cost,
    pub salt: Vec<u8>,
    pub hash: Output,
}

/// Parses a stored hash strictly; see the module comment.
pub fn parse(s: &str) -> Result<StoredHash, Refusal> {
    if s.len() > MAX_PHC_BYTES {
        return Err(Refusal::MalformedHash);
    }
    let phc = PasswordHash::new(s).map_err(|_| Refusal::MalformedHash)?;
    if phc.algorithm.as_str() != ALGORITHM {
        return Err(Refusal::UnsupportedAlgorithm);
    }
    match phc.version {
        None => return Err(Refusal::MalformedHash),
        Some(VERSION) => {}
        Some(_) => return Err(Refusal::UnsupportedAlgorithm),
    }
    let mut values = [0u32; 3];
    let mut count = 0usize;
    for (name, value) in phc.params.iter() {
        let slot = match (count, name.as_str()) {
            (0, "m") | (1, "t") | (2, "p") => values.get_mut(count),
            _ => None,
        };
        let slot = slot.ok_or(Refusal::MalformedHash)?;
        *slot = value.decimal().map_err(|_| Refusal::MalformedHash)?;
        count += 1;
    }
    let [m, t, p] = values;
    // Argon2's own parameter rules, so that `Params::new` cannot fail later.
    if count != 3 || t == 0 || p == 0 || p > MAX_LANES || u64::from(m) < 8 * u64::from(p) {
        return Err(Refusal::MalformedHash);
    }
    let salt_field = phc.salt.ok_or(Refusal::MalformedHash)?;
    let mut salt_buf = [0u8; 64];
    let salt = salt_field
        .decode_b64(&mut salt_buf)
        .map_err(|_| Refusal::MalformedHash)?;
    let hash = phc.hash.ok_or(Refusal::MalformedHash)?;
    if salt.len() < MIN_SALT_BYTES || hash.len() < MIN_HASH_BYTES {
        return Err(Refusal::MalformedHash);
    }
    let stored = StoredHash {
        cost: cost::stored(m, t, p),
        salt: salt.to_vec(),
        hash,
    };
    // Canonical form only: what we would write for these values, byte for byte.
    if format(stored.cost, &stored.salt, stored.hash.as_bytes()).as_deref() != Some(s) {
        return Err(Refusal::MalformedHash);
    }
    Ok(stored)
}

/// Writes the PHC string. `None` only for a salt or hash outside the grammar's lengths
/// (4..=48 and 10..=64 bytes), which no caller here produces.
pub fn format(cost: Cost, salt: &[u8], hash: &[u8]) -> Option<String> {
    let salt = SaltString::encode_b64(salt).ok()?;
    let hash = Output::new(hash).ok()?;
    let mut hash_buf = [0u8; Output::B64_MAX_LENGTH];
    let hash_b64 = hash.b64_encode(&mut hash_buf).ok()?;
    let mut s = String::with_capacity(40 + salt.len() + hash_b64.len());
    s.push_str("$argon2id$v=19$m=");
    push_u32(&mut s, cost.memory_kib());
    s.push_str(",t=");
    push_u32(&mut s, cost.time_cost());
    s.push_str(",p=");
    push_u32(&mut s, cost.parallelism());
    s.push('$');
    s.push_str(salt.as_str());
    s.push('$');
    s.push_str(hash_b64);
    Some(s)
}

/// Decimal digits without `core::fmt` (which the `no_std` wasm leaves out).
fn push_u32(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut rest = n;
    let mut len = 0usize;
    for d in digits.iter_mut() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
        if rest == 0 {
            break;
        }
    }
    for d in digits.iter().take(len).rev() {
        out.push(char::from(*d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZHcjYv4mvAOWS2vq55mRwbVO5Mq2ecE1Qq8jh1h1Mvg";

    #[test]
    fn a_canonical_string_parses_and_writes_back_identically() {
        let h = parse(GOOD).unwrap();
        assert_eq!(h.cost, cost::stored(19_456, 2, 1));
        assert_eq!(h.salt, b"somesaltsomesalt");
        assert_eq!(h.hash.len(), 32);
        assert_eq!(format(h.cost, &h.salt, h.hash.as_bytes()).unwrap(), GOOD);
    }

    #[test]
    fn decimals() {
        for n in [0u32, 7, 10, 19_456, u32::MAX] {
            let mut s = String::new();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
