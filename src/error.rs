//! Errors a caller can cause by configuration or by what it asks us to sign.
//! Token content never produces one of these: verification reports a [`crate::Reason`].
//! Messages never contain a secret or a token. The `hybrid-auth: ` prefix is added at
//! the JavaScript boundary, where the message becomes an `Error`.

use alloc::string::String;
use core::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub fn new(msg: impl Into<String>) -> ConfigError {
        ConfigError(msg.into())
    }

    /// The message, without a prefix.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for ConfigError {}
