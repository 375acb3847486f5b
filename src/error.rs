//! Errors a caller can cause by configuration or by what it asks us to sign.
//! Token content never produces one of these: verification reports a [`crate::Reason`].
//! Messages never contain a secret or a token.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub fn new(msg: impl Into<String>) -> ConfigError {
        ConfigError(format!("hybrid-auth: {}", msg.into()))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}
