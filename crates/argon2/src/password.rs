//! Hashing a password into a PHC string, and verifying one against a stored string.

use alloc::string::String;
use alloc::vec::Vec;

use argon2::password_hash::Output;
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::cost::{Cost, VerifyPolicy};
use crate::phc::{self, HASH_BYTES, SALT_BYTES};
use crate::Refusal;

/// Longer passwords are refused: hashing is linear in their length (BLAKE2b over it), and
/// a request body should not decide how much of it is copied into wasm and hashed.
pub const MAX_PASSWORD_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
    PasswordTooLong,
    /// `crypto.getRandomValues` (or the OS source natively) is missing.
    NoRandomness,
    /// Argon2 refused its parameters: unreachable for a `Cost` (validated), kept typed.
    Argon2,
}

impl HashError {
    pub const fn message(self) -> &'static str {
        match self {
            HashError::PasswordTooLong => "password is longer than 4096 bytes",
            HashError::NoRandomness => {
                "no secure random source (crypto.getRandomValues) is available"
            }
            HashError::Argon2 => "Argon2 refused the parameters",
        }
    }
}

/// A verified password. `needs_rehash`: the stored hash was made with another cost,
/// salt length or hash length than `policy.target()`; hash the password again and store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub needs_rehash: bool,
}

/// Hashes with a fresh 16-byte salt from getrandom.
pub fn hash_password(password: &[u8], cost: Cost) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).map_err(|_| HashError::NoRandomness)?;
    hash_password_with_salt(password, cost, &salt)
}

/// Hashes with the given salt (tests and known-answer vectors; use [`hash_password`]).
pub fn hash_password_with_salt(
    password: &[u8],
    cost: Cost,
    salt: &[u8],
) -> Result<String, HashError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(HashError::PasswordTooLong);
    }
    let mut out = [0u8; HASH_BYTES];
    run(&argon2id(cost, HASH_BYTES)?, password, salt, &mut out).map_err(|_| HashError::Argon2)?;
    phc::format(cost, salt, &out).ok_or(HashError::Argon2)
}

/// Verifies `password` against a stored PHC string. The string is parsed by
/// [`phc::parse`] and its cost admitted by `policy` before Argon2 allocates its memory;
/// the comparison is `password-hash`'s constant-time `Output` equality.
pub fn verify_password(
    password: &[u8],
    stored: &str,
    policy: &VerifyPolicy,
) -> Result<Verified, Refusal> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Refusal::PasswordTooLong);
    }
    let stored = phc::parse(stored)?;
    policy.admit(stored.cost)?;
    let mut buf = [0u8; Output::MAX_LENGTH];
    let out = buf
        .get_mut(..stored.hash.len())
        .ok_or(Refusal::MalformedHash)?;
    let ctx = argon2id(stored.cost, out.len()).map_err(|_| Refusal::MalformedHash)?;
    run(&ctx, password, &stored.salt, out).map_err(|_| Refusal::MalformedHash)?;
    let computed = Output::new(out).map_err(|_| Refusal::MalformedHash)?;
    if computed != stored.hash {
        return Err(Refusal::Mismatch);
    }
    Ok(Verified {
        needs_rehash: stored.cost != policy.target()
            || stored.salt.len() != SALT_BYTES
            || stored.hash.len() != HASH_BYTES,
    })
}

fn argon2id(cost: Cost, output_len: usize) -> Result<Argon2<'static>, HashError> {
    let params = Params::new(
        cost.memory_kib(),
        cost.time_cost(),
        cost.parallelism(),
        Some(output_len),
    )
    .map_err(|_| HashError::Argon2)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Argon2's memory matrix (`m` blocks of 1 KiB), kept between calls. Allocated per call
/// (what `hash_password_into` does), the freed matrix was split by later small
/// allocations and the next hash grew wasm memory again: 38 MiB after 100 hashes at the
/// default cost instead of 19 (bench/notes.md). Kept, it grows once, to the largest cost
/// used, and is never freed. Argon2 writes every block before reading it, so what a
/// previous hash left there is never read. wasm is single-threaded; natively a busy
/// matrix (another thread hashing) means a temporary one.
static MATRIX: spin::Mutex<Vec<Block>> = spin::Mutex::new(Vec::new());

fn run(ctx: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let blocks = ctx.params().block_count();
    let Some(mut matrix) = MATRIX.try_lock() else {
        return ctx.hash_password_into(password, salt, out);
    };
    if matrix.len() < blocks {
        // The smaller matrix is freed first, so the allocator may reuse its space.
        *matrix = Vec::new();
        matrix.resize(blocks, Block::default());
    }
    ctx.hash_password_into_with_memory(password, salt, out, matrix.as_mut_slice())
}
