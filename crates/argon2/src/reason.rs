//! Why a password was not verified: one stable code each, the same text in Rust,
//! TypeScript (`VerifyPasswordReason`) and the docs.

/// A refused verification. Only `Mismatch` means "wrong password"; every other code
/// says the stored hash (untrusted input) or the password argument was refused before
/// any Argon2 work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The password does not match the hash.
    Mismatch,
    /// Not a canonical `$argon2id$v=19$m=…,t=…,p=…$salt$hash` string (see `phc.rs`).
    MalformedHash,
    /// A well-formed PHC string for another algorithm (argon2i, argon2d, …) or version.
    UnsupportedAlgorithm,
    /// Parameters below OWASP's floor, and the policy does not allow them.
    ParamsBelowFloor,
    /// Parameters above the policy's ceilings (a tampered row asking for gigabytes).
    ParamsAboveLimit,
    /// The password is longer than [`crate::password::MAX_PASSWORD_BYTES`].
    PasswordTooLong,
}

impl Refusal {
    pub const ALL: [Refusal; 6] = [
        Refusal::Mismatch,
        Refusal::MalformedHash,
        Refusal::UnsupportedAlgorithm,
        Refusal::ParamsBelowFloor,
        Refusal::ParamsAboveLimit,
        Refusal::PasswordTooLong,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Refusal::Mismatch => "mismatch",
            Refusal::MalformedHash => "malformed_hash",
            Refusal::UnsupportedAlgorithm => "unsupported_algorithm",
            Refusal::ParamsBelowFloor => "params_below_floor",
            Refusal::ParamsAboveLimit => "params_above_limit",
            Refusal::PasswordTooLong => "password_too_long",
        }
    }
}

/// The TypeScript union, kept equal to [`Refusal::ALL`] by a test.
pub const REASON_TS: &str = r#"
/** Why `verifyPassword` refused: only "mismatch" means a wrong password. */
export type VerifyPasswordReason =
  | "mismatch"
  | "malformed_hash"
  | "unsupported_algorithm"
  | "params_below_floor"
  | "params_above_limit"
  | "password_too_long";
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_union_lists_every_reason_once() {
        let quoted: Vec<String> = Refusal::ALL
            .iter()
            .map(|r| format!("| \"{}\"", r.as_str()))
            .collect();
        let in_ts = REASON_TS.matches("| \"").count();
        assert_eq!(in_ts, Refusal::ALL.len());
        for q in quoted {
            assert_eq!(REASON_TS.matches(&q).count(), 1, "{q}");
        }
    }
}
