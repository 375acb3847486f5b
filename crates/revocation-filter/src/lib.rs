//! A compact revocation filter for hybrid-auth (issue 23), as its own WebAssembly module.
//!
//! Each isolate keeps a binary fuse filter (xorf's `BinaryFuse16`: about 19 bits an entry,
//! about 0.0015 % false positives a lookup, no false negatives) of the revoked set instead of a map of
//! every row: refresh families (`sid`), user stamps and denied `jti`s. A hit is a
//! *maybe*: the caller confirms it against D1; a miss is certain.
//!
//! - An entry is a [`Kind`] and a subject string. Its 64-bit key is SipHash-1-3, with the
//!   filter's own random 16-byte key, over the kind byte followed by the subject's UTF-8
//!   bytes ([`entry_key`]), so keys cannot be computed ahead for another filter.
//! - [`Builder`] collects keys and [`Builder::finish`] serializes the container (see
//!   [`format`]); [`Filter::parse`] validates every byte of one before it is used, so no
//!   input can make a lookup index out of bounds ([`format::Header::parse`] has the proof).
//! - The `wasm` module wraps both for JavaScript (`RevocationFilterBuilder`,
//!   `RevocationFilter`).
//!
//! Without the default `std` feature the crate is `no_std` + `alloc`, like the JWT core.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod error;
pub mod filter;
pub mod format;
/// The JavaScript API (public for the wasm tests in tests/wasm.rs).
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::FilterError;
pub use filter::{entry_key, Builder, Filter, Kind, MAX_ENTRIES};
pub use format::{
    Header, FINGERPRINT_BYTES, FORMAT_VERSION, HEADER_LEN, MAGIC, MAX_FINGERPRINTS,
    MAX_SEGMENT_LENGTH,
};

/// A panic aborts the instance without formatting (no input reaches one: tests/parse.rs).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(not(feature = "std"), not(target_arch = "wasm32")))]
compile_error!("without the `std` feature hybrid-auth-revocation-filter builds only for wasm32");

/// The JWT core's allocator (see its src/lib.rs): a small first-fit free list.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
