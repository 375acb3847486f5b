//! Argon2id password hashing for hybrid-auth (issue 21), as its own WebAssembly module.
//!
//! The Rust API is the pure core: [`Cost`] and the OWASP table, [`phc::parse`] (the one
//! place a stored hash, untrusted input, becomes typed values), [`hash_password`] and
//! [`verify_password`] with a [`VerifyPolicy`] that refuses a stored hash asking for more
//! than its ceilings *before* any memory is allocated. The `wasm` module wraps it for
//! JavaScript (`hashPassword`, `verifyPassword`, `argon2idOwaspCosts`).
//!
//! It is a separate module from the JWT core because that was measured to be cheaper for
//! every Worker that does not hash passwords (bench/notes.md, "Argon2id placement").
//! Without the default `std` feature the crate is `no_std` + `alloc`, like the JWT core.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod cost;
pub mod password;
pub mod phc;
pub mod reason;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use cost::{Cost, CostError, VerifyPolicy, DEFAULT_COST, MAX_MEMORY_KIB, OWASP_COSTS};
pub use password::{hash_password, hash_password_with_salt, verify_password, HashError, Verified};
pub use reason::Refusal;

/// A panic aborts the instance without formatting (no input reaches one: tests/no_panic.rs).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(not(feature = "std"), not(target_arch = "wasm32")))]
compile_error!("without the `std` feature hybrid-auth-argon2 builds only for wasm32");

/// The JWT core's allocator (see its src/lib.rs). Argon2's memory matrix is one
/// allocation of `m` KiB; freed, it goes back to the free list and the next hash of the
/// same cost reuses it, so wasm memory grows once (measured in bench/notes.md).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
