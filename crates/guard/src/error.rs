//! Errors of the guard crate.
//!
//! Deciding never fails (every event gets a decision); only a bad configuration does.

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// A configuration value is out of range or inconsistent.
    #[error("invalid guard configuration: {0}")]
    InvalidConfig(String),
}
