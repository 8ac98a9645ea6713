//! Accounts: who can sign in, with which nation and install-wide roles.

use crate::Result;
use rampart_domain::{AccountId, AccountStatus, CommunityId, CommunityRole, Email, Nation};
use time::OffsetDateTime;

/// An account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// Key.
    pub id: AccountId,
    /// Sign-in name.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Nation, for releasability.
    pub nation: Nation,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// The password is a one-time password that must be changed.
    pub must_change_password: bool,
    /// Active or suspended.
    pub status: AccountStatus,
    /// Install administrator.
    pub admin: bool,
    /// Security officer.
    pub security: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in name.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Nation.
    pub nation: Nation,
    /// The argon2id PHC string of the one-time password.
    pub password_hash: String,
    /// Install administrator.
    pub admin: bool,
    /// Security officer.
    pub security: bool,
}

/// Accounts operations of a storage backend.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync {
    /// Creates an account whose password must be changed at first sign-in.
    async fn create_account(&self, new: &NewAccount, now: OffsetDateTime) -> Result<AccountId>;

    /// Looks an account up by email.
    async fn account_by_email(&self, email: &Email) -> Result<Option<AccountRow>>;

    /// Looks an account up by key.
    async fn account_by_id(&self, id: AccountId) -> Result<Option<AccountRow>>;

    /// Every account, by email.
    async fn list_accounts(&self) -> Result<Vec<AccountRow>>;

    /// How many accounts exist (zero means a fresh install).
    async fn count_accounts(&self) -> Result<i64>;

    /// Replaces the password hash; `must_change` marks it one-time.
    async fn set_password(&self, id: AccountId, hash: &str, must_change: bool) -> Result<()>;

    /// Makes the account choose a new password at its next sign-in,
    /// leaving the password itself as it is (a change made meanwhile is
    /// kept).
    async fn require_password_change(&self, id: AccountId) -> Result<()>;

    /// Suspends or reactivates an account. Suspension also ends every
    /// session and revokes every token, in the same transaction.
    async fn set_account_status(
        &self,
        id: AccountId,
        status: AccountStatus,
        now: OffsetDateTime,
    ) -> Result<()>;

    /// The communities an account belongs to, with its role in each.
    async fn memberships_of(&self, id: AccountId) -> Result<Vec<(CommunityId, CommunityRole)>>;
}
