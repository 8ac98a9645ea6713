//! Server-side sessions and API tokens. Only hashes of the secrets are
//! stored, so a copy of the database does not let anyone sign in.

use crate::{conflict_as, from_ms, to_ms, Error, Result, Store};
use rampart_domain::AccountId;
use sqlx::Row;
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

    fn parse(s: &str) -> Result<Self> {
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

fn token_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<TokenRow> {
    let opt = |col: &str| -> Result<Option<OffsetDateTime>> {
        r.try_get::<Option<i64>, _>(col)?.map(from_ms).transpose()
    };
    Ok(TokenRow {
        id: r.try_get("id")?,
        account: AccountId(r.try_get("account_id")?),
        name: r.try_get("name")?,
        scope: r.try_get("scope")?,
        created_at: from_ms(r.try_get("created_at")?)?,
        expires_at: opt("expires_at")?,
        revoked_at: opt("revoked_at")?,
        last_used: opt("last_used")?,
    })
}

impl Store {
    /// Stores a new session.
    pub async fn create_session(&self, s: &NewSession, now: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, public_id, account_id, stage, csrf, created_at, last_seen, ip, user_agent)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.token_hash)
        .bind(&s.public_id)
        .bind(s.account.0)
        .bind(s.stage.as_str())
        .bind(&s.csrf)
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(&s.ip)
        .bind(&s.user_agent)
        .execute(&self.pool)
        .await
        .map_err(conflict_as("session"))?;
        Ok(())
    }

    /// Finds a session by the hash of its cookie value.
    pub async fn session_by_hash(&self, token_hash: &[u8]) -> Result<Option<SessionRow>> {
        let row = sqlx::query(
            "SELECT public_id, account_id, stage, csrf, created_at, last_seen FROM sessions WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRow {
                public_id: r.try_get("public_id")?,
                account: AccountId(r.try_get("account_id")?),
                stage: SessionStage::parse(&r.try_get::<String, _>("stage")?)?,
                csrf: r.try_get("csrf")?,
                created_at: from_ms(r.try_get("created_at")?)?,
                last_seen: from_ms(r.try_get("last_seen")?)?,
            })
        })
        .transpose()
    }

    /// Records activity on a session.
    pub async fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = ? WHERE token_hash = ?")
            .bind(to_ms(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of an account.
    pub async fn delete_sessions_of(&self, account: AccountId) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE account_id = ?")
            .bind(account.0)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Removes sessions idle or older than the given limits.
    pub async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE last_seen < ? OR created_at < ?")
                .bind(to_ms(idle_before))
                .bind(to_ms(created_before))
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// Stores a new API token.
    pub async fn create_token(&self, t: &NewToken, now: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, account_id, name, scope, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&t.id)
        .bind(&t.token_hash)
        .bind(t.account.0)
        .bind(&t.name)
        .bind(&t.scope)
        .bind(to_ms(now))
        .bind(t.expires_at.map(to_ms))
        .execute(&self.pool)
        .await
        .map_err(conflict_as("token"))?;
        Ok(())
    }

    /// Finds a token by the hash of its secret (expired and revoked ones
    /// included: the caller decides and audits why it is refused).
    pub async fn token_by_hash(&self, token_hash: &[u8]) -> Result<Option<TokenRow>> {
        sqlx::query("SELECT * FROM api_tokens WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(token_from_row)
            .transpose()
    }

    /// The tokens of an account, newest first.
    pub async fn tokens_of(&self, account: AccountId) -> Result<Vec<TokenRow>> {
        sqlx::query("SELECT * FROM api_tokens WHERE account_id = ? ORDER BY created_at DESC")
            .bind(account.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(token_from_row)
            .collect()
    }

    /// Records a token's use.
    pub async fn touch_token(&self, id: &str, now: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used = ? WHERE id = ?")
            .bind(to_ms(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Revokes a token of the given account.
    pub async fn revoke_token(
        &self,
        account: AccountId,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL")
            .bind(to_ms(now))
            .bind(id)
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("token"));
        }
        Ok(())
    }
}
