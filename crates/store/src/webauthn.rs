//! WebAuthn (passkey) state: an account's registered credentials and the
//! ceremonies in progress. The credential itself (public key, algorithm)
//! is the web layer's serialised form, opaque here; the store owns what
//! must hold across nodes: a credential id belongs to one account, a
//! challenge is answered at most once and never after it expires, and the
//! signature counter only moves forward.

use crate::Result;
use rampart_domain::AccountId;
use time::OffsetDateTime;

/// A credential to register.
#[derive(Debug, Clone)]
pub struct NewWebauthnCredential {
    /// The authenticator's credential id.
    pub credential_id: Vec<u8>,
    /// The owner's name for it ("laptop", "security key").
    pub name: String,
    /// The serialised credential.
    pub passkey: String,
    /// The signature counter at registration.
    pub sign_count: u32,
}

/// A registered credential.
#[derive(Debug, Clone)]
pub struct WebauthnCredential {
    /// Row id (what the account page's remove button names).
    pub id: i64,
    /// The authenticator's credential id.
    pub credential_id: Vec<u8>,
    /// The owner's name for it.
    pub name: String,
    /// The serialised credential.
    pub passkey: String,
    /// The newest signature counter seen.
    pub sign_count: u32,
    /// Registration time.
    pub created_at: OffsetDateTime,
    /// Last successful use.
    pub last_used_at: Option<OffsetDateTime>,
}

/// How a use of a credential compared with what was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterCheck {
    /// The counter moved forward (or the authenticator keeps none: 0).
    Advanced,
    /// The counter did not move forward: the authenticator may be cloned.
    Regressed,
    /// No such credential for the account (removed meanwhile).
    Unknown,
}

/// Passkeys operations of a storage backend.
#[async_trait::async_trait]
pub trait Passkeys: Send + Sync {
    /// Registers a credential for `account`; a credential id already
    /// registered (to anyone) is [`crate::Error::Conflict`].
    async fn add_webauthn_credential(
        &self,
        account: AccountId,
        new: &NewWebauthnCredential,
        now: OffsetDateTime,
    ) -> Result<i64>;

    /// The account's credentials, oldest first.
    async fn webauthn_credentials(&self, account: AccountId) -> Result<Vec<WebauthnCredential>>;

    /// Removes one of the account's credentials (scoped: another account's
    /// id removes nothing). Whether one was removed.
    async fn remove_webauthn_credential(&self, account: AccountId, id: i64) -> Result<bool>;

    /// Records a successful use of the account's credential `credential_id`
    /// with signature counter `count` and its updated serialised form. The
    /// counter is stored only when it moved forward; a non-zero counter that
    /// did not is reported as [`CounterCheck::Regressed`] (still recorded as
    /// used, so the caller decides what a regression costs).
    async fn use_webauthn_credential(
        &self,
        account: AccountId,
        credential_id: &[u8],
        count: u32,
        passkey: &str,
        now: OffsetDateTime,
    ) -> Result<CounterCheck>;

    /// Stores a ceremony in progress under the hash of its handle.
    async fn put_webauthn_challenge(
        &self,
        handle_hash: &[u8],
        account: AccountId,
        purpose: &str,
        state: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()>;

    /// Takes a ceremony of `account` for `purpose`: deleted in the same
    /// statement that reads it, so two answers to one challenge (even on
    /// two nodes) find it once. An expired one is deleted and not returned;
    /// expired ones of anyone are swept on the way.
    async fn take_webauthn_challenge(
        &self,
        handle_hash: &[u8],
        account: AccountId,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>>;
}
