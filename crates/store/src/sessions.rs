//! Server-side sessions and API tokens. Only hashes of the secrets are
//! stored, so a copy of the database does not let anyone sign in.

use crate::{Error, Result};
use rampart_domain::AccountId;
use time::OffsetDateTime;

/// How far a session's holder has got through sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Signed in with a one-time password: may only change it.
    PasswordChange,
    /// Password changed, second factor still to enroll: may only enroll.
    EnrollSecondFactor,
    /// Password right, second factor still to give: may only give it.
    SecondFactor,
    /// Fully signed in.
    Full,
}

impl SessionStage {
    /// The stored (and audited) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::PasswordChange => "password_change",
            SessionStage::EnrollSecondFactor => "enroll_second_factor",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Full => "full",
        }
    }

    /// Reads the stored word back.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "password_change" => Ok(Self::PasswordChange),
            "enroll_second_factor" => Ok(Self::EnrollSecondFactor),
            "second_factor" => Ok(Self::SecondFactor),
            "full" => Ok(Self::Full),
            other => Err(Error::Corrupt(format!("session stage {other:?}"))),
        }
    }
}

/// A session to create.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Hash of the cookie value.
    pub token_hash: Vec<u8>,
    /// Non-secret id used in audit events.
    pub public_id: String,
    /// Owner.
    pub account: AccountId,
    /// Sign-in stage.
    pub stage: SessionStage,
    /// Anti-CSRF token for unsafe requests.
    pub csrf: String,
    /// Client address at sign-in.
    pub ip: String,
    /// Client user agent at sign-in.
    pub user_agent: String,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Non-secret id used in audit events.
    pub public_id: String,
    /// Owner.
    pub account: AccountId,
    /// Sign-in stage.
    pub stage: SessionStage,
    /// Anti-CSRF token.
    pub csrf: String,
    /// Creation time (absolute expiry counts from here).
    pub created_at: OffsetDateTime,
    /// Last activity (idle expiry counts from here).
    pub last_seen: OffsetDateTime,
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Public id (shown in lists, audit events).
    pub id: String,
    /// Hash of the secret.
    pub token_hash: Vec<u8>,
    /// Owner.
    pub account: AccountId,
    /// A name for people.
    pub name: String,
    /// `full`, `read`, or a comma-separated list of community keys.
    pub scope: String,
    /// When it stops working.
    pub expires_at: Option<OffsetDateTime>,
}

/// A stored API token.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Public id.
    pub id: String,
    /// Owner.
    pub account: AccountId,
    /// A name for people.
    pub name: String,
    /// Scope as stored.
    pub scope: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Expiry.
    pub expires_at: Option<OffsetDateTime>,
    /// Revocation time.
    pub revoked_at: Option<OffsetDateTime>,
    /// Last use.
    pub last_used: Option<OffsetDateTime>,
}

/// Sessions operations of a storage backend.
#[async_trait::async_trait]
pub trait Sessions: Send + Sync {
    /// Stores a new session.
    async fn create_session(&self, s: &NewSession, now: OffsetDateTime) -> Result<()>;

    /// Finds a session by the hash of its cookie value.
    async fn session_by_hash(&self, token_hash: &[u8]) -> Result<Option<SessionRow>>;

    /// Records activity on a session.
    async fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> Result<()>;

    /// Ends one session.
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;

    /// Ends every session of an account.
    async fn delete_sessions_of(&self, account: AccountId) -> Result<u64>;

    /// Removes sessions idle or older than the given limits.
    async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64>;

    /// Stores a new API token.
    async fn create_token(&self, t: &NewToken, now: OffsetDateTime) -> Result<()>;

    /// Finds a token by the hash of its secret (expired and revoked ones
    /// included: the caller decides and audits why it is refused).
    async fn token_by_hash(&self, token_hash: &[u8]) -> Result<Option<TokenRow>>;

    /// The tokens of an account, newest first.
    async fn tokens_of(&self, account: AccountId) -> Result<Vec<TokenRow>>;

    /// Records a token's use.
    async fn touch_token(&self, id: &str, now: OffsetDateTime) -> Result<()>;

    /// Revokes a token of the given account.
    async fn revoke_token(&self, account: AccountId, id: &str, now: OffsetDateTime) -> Result<()>;
}
