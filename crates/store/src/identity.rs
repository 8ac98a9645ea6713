//! Identity state beyond the password: TOTP factors and recovery codes, the
//! sign-in throttle and the failures the credential-stuffing detector
//! counts, the devices an account signed in from, and the listing of an
//! account's own sessions. The throttle lives here rather than in memory so
//! that several nodes share it.

use crate::Result;
use rampart_domain::AccountId;
use time::OffsetDateTime;

/// A stored TOTP factor.
#[derive(Debug, Clone)]
pub struct TotpFactor {
    /// The secret, sealed by the web layer (nonce ‖ ciphertext).
    pub sealed_secret: Vec<u8>,
    /// Whether enrollment was confirmed with a valid code.
    pub confirmed: bool,
    /// The newest time step accepted (−1: none yet).
    pub last_step: i64,
}

/// Back-off state of one throttle key.
#[derive(Debug, Clone)]
pub struct ThrottleState {
    /// `account:…`, `ip:…`, `net:…` or `factor:…`.
    pub key: String,
    /// Failures since the counter last reset.
    pub failures: i64,
    /// Time of the last failure.
    pub last_failure: OffsetDateTime,
    /// Attempts before this time are refused.
    pub blocked_until: OffsetDateTime,
}

/// What the credential-stuffing detector looks at, over a recent window.
#[derive(Debug, Clone, Copy, Default)]
pub struct StuffingCounts {
    /// Distinct accounts that failed from the client's IP.
    pub accounts_from_ip: i64,
    /// Distinct accounts that failed from the client's network (/24, /64).
    pub accounts_from_net: i64,
    /// Distinct IPs the account failed from.
    pub sources_for_account: i64,
}

/// A sign-in from a device the account had not used before.
#[derive(Debug, Clone)]
pub struct DeviceNotice {
    /// The network (IPv4 /24, IPv6 /64).
    pub net: String,
    /// The user agent.
    pub user_agent: String,
    /// When it was first seen.
    pub first_seen: OffsetDateTime,
}

/// One of an account's sessions, for the account page.
#[derive(Debug, Clone)]
pub struct SessionListing {
    /// Non-secret id.
    pub public_id: String,
    /// Hash of the cookie value (to tell the current session).
    pub token_hash: Vec<u8>,
    /// Address at sign-in.
    pub ip: String,
    /// User agent at sign-in.
    pub user_agent: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last activity.
    pub last_seen: OffsetDateTime,
}

/// SignIn operations of a storage backend.
#[async_trait::async_trait]
pub trait SignIn: Send + Sync {
    /// The account's TOTP factor, confirmed or not.
    async fn totp_factor(&self, account: AccountId) -> Result<Option<TotpFactor>>;

    /// Stores a new, unconfirmed TOTP secret, replacing an unconfirmed one.
    /// A confirmed factor is never replaced here ([`Error::Conflict`]).
    async fn begin_totp(
        &self,
        account: AccountId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Confirms the pending factor with an accepted `step` and replaces the
    /// recovery codes, in one transaction. False if there is no pending
    /// factor or the step was already used.
    async fn confirm_totp(
        &self,
        account: AccountId,
        step: i64,
        recovery_hashes: &[Vec<u8>],
        now: OffsetDateTime,
    ) -> Result<bool>;

    /// Marks `step` used if it is newer than every step used before: the
    /// compare-and-set that makes each code single-use, also across nodes.
    async fn accept_totp_step(&self, account: AccountId, step: i64) -> Result<bool>;

    /// Hashes of the account's unused recovery codes.
    async fn unused_recovery_codes(&self, account: AccountId) -> Result<Vec<Vec<u8>>>;

    /// Uses up one recovery code; false if it was used meanwhile.
    async fn use_recovery_code(
        &self,
        account: AccountId,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<bool>;

    /// Removes every second factor of the account (its TOTP secret, confirmed
    /// or being enrolled, its recovery codes and its passkeys) in one
    /// transaction, so that its next sign-in enrolls again. Returns how many
    /// factors were removed (TOTP and passkeys; recovery codes go with TOTP).
    async fn reset_second_factors(&self, account: AccountId) -> Result<u64>;

    /// The back-off states of the given keys (absent keys are clean).
    async fn throttle_states(&self, keys: &[String]) -> Result<Vec<ThrottleState>>;

    /// Counts a failure against each key, in one immediate transaction: a
    /// counter idle since `reset_before` starts again at one, and
    /// `blocked_for(failures)` (milliseconds) sets how long the key is
    /// refused from now.
    async fn record_throttle_failures(
        &self,
        keys: &[String],
        now: OffsetDateTime,
        reset_before: OffsetDateTime,
        blocked_for: &(dyn for<'k> Fn(&'k str, i64) -> i64 + Send + Sync),
    ) -> Result<()>;

    /// Clears a key (a successful second factor clears `factor:…`).
    async fn clear_throttle(&self, key: &str) -> Result<()>;

    /// Notes that an alert was raised for `key`; false if one already was
    /// since `since` (one alert per key and window, not one per attempt).
    async fn mark_alerted(
        &self,
        key: &str,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> Result<bool>;

    /// Logs a failed (or refused) sign-in for the detector, forgets entries
    /// older than `forget_before`, and returns the counts since `since`.
    async fn record_sign_in_failure(
        &self,
        ip: &str,
        net: &str,
        account: &str,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> Result<StuffingCounts>;

    /// Remembers the device of a complete sign-in. Returns true when the
    /// account had signed in before, but never from this device (a notice).
    async fn remember_device(
        &self,
        account: AccountId,
        net: &str,
        user_agent: &str,
        now: OffsetDateTime,
    ) -> Result<bool>;

    /// Sign-ins from new devices, newest first.
    async fn device_notices(&self, account: AccountId) -> Result<Vec<DeviceNotice>>;

    /// The account's sessions, most recently used first.
    async fn sessions_of(&self, account: AccountId) -> Result<Vec<SessionListing>>;

    /// Ends one of the account's sessions by its public id.
    async fn delete_session_of(&self, account: AccountId, public_id: &str) -> Result<()>;

    /// Ends every session of the account but the one given.
    async fn delete_other_sessions(&self, account: AccountId, keep: &[u8]) -> Result<u64>;
}
