//! The configuration sections identity reads: `[identity]` and
//! `[session]` (`[oidc]` is in [`crate::oidc`]). `rampart-app` loads them
//! with the rest of `rampart.toml`.

use serde::{Deserialize, Serialize};

/// `[identity]`: who must use a second factor, and the sign-in throttle.
///
/// ```toml
/// [identity]
/// exempt_roles = []          # or ["security"]; never "admin"
/// free_failures = 5          # per account and per IP before back-off
/// max_backoff_secs = 900     # back-off doubles from 1 s up to this
/// locked_contact = "your security officer"   # whom a locked account is told to contact
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// Install-wide roles whose accounts sign in with a password only.
    /// Second factors are enforced for everyone else; `admin` can never be
    /// exempted.
    pub exempt_roles: Vec<rampart_domain::InstallRole>,
    /// Failures per account and per IP before the back-off starts (a
    /// network gets four times as many).
    pub free_failures: u32,
    /// The longest back-off, in seconds.
    pub max_backoff_secs: u64,
    /// Distinct accounts failing from one IP or network, or distinct IPs
    /// failing for one account, within an hour, that raise a
    /// credential-stuffing alert.
    pub stuffing_threshold: u32,
    /// Whom a locked (suspended) account is told to contact when it signs
    /// in with its right password, e.g. "the security office, +32 2 000 00
    /// 00". Shown to that account only, never to a wrong password.
    pub locked_contact: String,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            exempt_roles: Vec::new(),
            free_failures: 5,
            max_backoff_secs: 15 * 60,
            stuffing_threshold: 10,
            locked_contact: "your security officer".into(),
        }
    }
}

/// `[session]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// A session unused this long ends.
    pub idle_minutes: u32,
    /// A session ends this long after sign-in, used or not.
    pub absolute_hours: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}
