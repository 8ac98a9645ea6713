//! TOTP secrets being enrolled, kept per signing-in session until the first
//! code confirms one (migration 0012 says why a table of their own). Before,
//! every load of the enrollment page made a new secret, so the key a user
//! had scanned stopped working after a reload or a wrong code.

use crate::Result;
use rampart_domain::AccountId;
use time::OffsetDateTime;

/// PendingTotp operations of a storage backend.
#[async_trait::async_trait]
pub trait PendingTotp: Send + Sync {
    /// The sealed secret the session is enrolling, if any. Scoped by the
    /// account too, so a session hash alone never reaches a secret.
    async fn pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
    ) -> Result<Option<Vec<u8>>>;

    /// Stores `sealed_secret` for the session unless it already has one,
    /// and returns the one kept: two loads of the page at once show the
    /// same key, whichever wrote first.
    async fn keep_pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, bool)>;

    /// Replaces the session's pending secret (the owner asked for a new
    /// key: the old one stops working).
    async fn replace_pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Makes the session's pending secret the account's confirmed factor,
    /// with `step` (the step of the confirming code) spent, and replaces
    /// the recovery codes, in one transaction. `sealed_secret` is the
    /// secret the code was checked against: if the session asked for a new
    /// key meanwhile, nothing is confirmed. False also when the account
    /// already has a confirmed factor. Every pending secret of the account
    /// goes with the confirmation.
    async fn confirm_pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
        sealed_secret: &[u8],
        step: i64,
        recovery_hashes: &[Vec<u8>],
        now: OffsetDateTime,
    ) -> Result<bool>;
}
