//! hybrid-auth: HS256 JWTs for Cloudflare Workers, verified strictly and fast.
//!
//! The Rust API is the pure core (no clock, no randomness, no JavaScript): [`KeyRing`]
//! verifies an untrusted string into a [`Verified`] token or a [`Rejected`] reason.
//! The `wasm` module wraps it for JavaScript (`generateJWT`, `verifyJWT`, `isJWT`,
//! `deriveKid`, `KeyRing`).

pub mod b64;
pub mod claims;
pub mod error;
pub mod json;
pub mod key;
pub mod options;
pub mod reason;
pub mod ring;
pub mod token;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use claims::Claims;
pub use error::ConfigError;
pub use key::{derive_kid, HmacKey, MIN_SECRET_BYTES};
pub use options::Policy;
pub use reason::Reason;
pub use ring::{Jws, KeyRing, Rejected, SignRequest, Verified};
pub use token::looks_like_jwt;
