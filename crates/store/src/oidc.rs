//! OIDC sign-ins in flight: what the callback needs to finish one (the
//! provider, nonce and PKCE verifier), keyed by the hash of the `state`
//! sent to the provider. Taking a row deletes it, so a state is good once.

use crate::Result;
use time::OffsetDateTime;

/// An OIDC sign-in started by a redirect to the provider.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    /// Hash of the `state` parameter.
    pub state_hash: Vec<u8>,
    /// The configured provider's name.
    pub provider: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier for the token request.
    pub pkce_verifier: String,
    /// When the redirect was made.
    pub created_at: OffsetDateTime,
}

/// OidcLogins operations of a storage backend.
#[async_trait::async_trait]
pub trait OidcLogins: Send + Sync {
    /// Remembers a sign-in in flight, and forgets those started before
    /// `stale_before` (abandoned at the provider).
    async fn begin_oidc_login(&self, login: &OidcLogin, stale_before: OffsetDateTime)
        -> Result<()>;

    /// Takes (deletes and returns) the sign-in with this state hash: the
    /// delete is the single-use check, atomic across requests and nodes.
    async fn take_oidc_login(&self, state_hash: &[u8]) -> Result<Option<OidcLogin>>;
}
