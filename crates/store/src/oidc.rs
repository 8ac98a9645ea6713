//! OIDC sign-ins in flight: what the callback needs to finish one (the
//! provider, nonce and PKCE verifier), keyed by the hash of the `state`
//! sent to the provider. Taking a row deletes it, so a state is good once.

use crate::{from_ms, to_ms, Result, Store};
use sqlx::Row;
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

impl Store {
    /// Remembers a sign-in in flight, and forgets those started before
    /// `stale_before` (abandoned at the provider).
    pub async fn begin_oidc_login(
        &self,
        login: &OidcLogin,
        stale_before: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < ?")
            .bind(to_ms(stale_before))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, provider, nonce, pkce_verifier, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&login.state_hash)
        .bind(&login.provider)
        .bind(&login.nonce)
        .bind(&login.pkce_verifier)
        .bind(to_ms(login.created_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes (deletes and returns) the sign-in with this state hash: the
    /// delete is the single-use check, atomic across requests and nodes.
    pub async fn take_oidc_login(&self, state_hash: &[u8]) -> Result<Option<OidcLogin>> {
        let row = sqlx::query(
            "DELETE FROM oidc_logins WHERE state_hash = ?
             RETURNING state_hash, provider, nonce, pkce_verifier, created_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(OidcLogin {
                state_hash: row.try_get("state_hash")?,
                provider: row.try_get("provider")?,
                nonce: row.try_get("nonce")?,
                pkce_verifier: row.try_get("pkce_verifier")?,
                created_at: from_ms(row.try_get("created_at")?)?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_login_is_taken_once_and_stale_ones_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("rampart.db")).await.unwrap();
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let login = |hash: &[u8], at| OidcLogin {
            state_hash: hash.to_vec(),
            provider: "corp".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            created_at: at,
        };
        let ten = time::Duration::minutes(10);
        store
            .begin_oidc_login(&login(b"old", t0), t0 - ten)
            .await
            .unwrap();
        let later = t0 + time::Duration::minutes(11);
        store
            .begin_oidc_login(&login(b"new", later), later - ten)
            .await
            .unwrap();
        // Starting a new sign-in swept the abandoned one.
        assert!(store.take_oidc_login(b"old").await.unwrap().is_none());
        let taken = store.take_oidc_login(b"new").await.unwrap().unwrap();
        assert_eq!((taken.provider.as_str(), taken.created_at), ("corp", later));
        assert!(store.take_oidc_login(b"new").await.unwrap().is_none());
    }
}
