//! hybrid-auth: HS256 JWTs for Cloudflare Workers, verified strictly and fast.
//!
//! The Rust API is the pure core (no clock, no randomness, no JavaScript): [`KeyRing`]
//! verifies an untrusted string into a [`Verified`] token or a [`Rejected`] reason.
//! The `wasm` module wraps it for JavaScript (`generateJWT`, `verifyJWT`, `isJWT`,
//! `deriveKid`, `KeyRing`).
//!
//! Without the default `std` feature the crate is `no_std` + `alloc`; the package's wasm
//! is built that way with a panic handler that does not format, so `core::fmt` is not
//! linked (a panic cannot be reached from input anyway: see `tests/no_panic.rs`).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

// The parsers of untrusted bytes are internal; the `internals` feature opens them to the
// fuzz targets and the integration tests (a dev-dependency of this crate on itself turns
// it on for `cargo test`), never to users.
#[cfg(feature = "internals")]
pub mod b64;
#[cfg(not(feature = "internals"))]
mod b64;
pub mod claims;
// Ed25519 only with the `eddsa` feature; without it, a module of the same API whose key
// cannot be made (see its comment for why the package ships both builds).
#[cfg_attr(not(feature = "eddsa"), path = "ed25519_absent.rs")]
pub mod ed25519;
pub mod error;
#[cfg(feature = "internals")]
pub mod json;
#[cfg(not(feature = "internals"))]
mod json;
#[cfg_attr(not(feature = "eddsa"), path = "jwk_absent.rs")]
pub mod jwk;
pub mod key;
pub mod options;
pub mod reason;
pub mod ring;
#[cfg(feature = "internals")]
pub mod token;
#[cfg(not(feature = "internals"))]
mod token;

mod num;
mod text;
#[cfg(target_arch = "wasm32")]
mod wasm;

/// A panic aborts the instance without formatting its message: the message and location
/// would link `core::fmt` into a module where no input can reach a panic (bench/notes.md,
/// "The .wasm size", has the measured saving).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

// The panic handler and the allocator exist only for wasm32: elsewhere `std` is needed.
#[cfg(all(not(feature = "std"), not(target_arch = "wasm32")))]
compile_error!(
    "without the `std` feature hybrid-auth builds only for wasm32 (the package's .wasm)"
);

/// `LockedAllocator` (a spin lock around the free list) rather than the crate's
/// `AssumeSingleThreaded`, whose constructor is `unsafe`: the crate forbids `unsafe`, and
/// an uncontended lock costs a compare-and-swap per allocation.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

pub use claims::Claims;
pub use ed25519::EdKey;
pub use error::ConfigError;
pub use key::{derive_kid, HmacKey, MIN_SECRET_BYTES};
pub use options::Policy;
pub use reason::Reason;
pub use ring::{Alg, Jws, Key, KeyRing, Rejected, SignRequest, Verified};
pub use token::looks_like_jwt;
