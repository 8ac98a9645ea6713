//! Bearer API tokens for scripts: `rmp_` + 256 random bits, stored hashed,
//! with an optional expiry, revocable, and scoped (everything, read-only, or
//! named communities).

use super::{hash_secret, load_principal, Authenticated, Credential};
use crate::{AuditKind, Error, Identity, Origin};
use rampart_domain::{AccountId, CommunityId, TokenScope};
use rampart_store::{NewToken, Outcome};
use time::OffsetDateTime;

const PREFIX: &str = "rmp_";

/// Parses a stored scope string.
pub fn parse_scope(s: &str) -> Option<TokenScope> {
    match s {
        "full" => Some(TokenScope::Full),
        "read" => Some(TokenScope::ReadOnly),
        other => {
            let ids = other.strip_prefix("communities:")?;
            let ids: Option<Vec<CommunityId>> = ids
                .split(',')
                .map(|i| i.parse().ok().map(CommunityId))
                .collect();
            ids.filter(|v| !v.is_empty()).map(TokenScope::Communities)
        }
    }
}

/// The stored form of a scope.
pub fn scope_text(scope: &TokenScope) -> String {
    match scope {
        TokenScope::Full => "full".into(),
        TokenScope::ReadOnly => "read".into(),
        TokenScope::Communities(ids) => format!(
            "communities:{}",
            ids.iter()
                .map(|c| c.0.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Creates a token and returns its secret (shown once, never stored).
pub async fn issue_token(
    store: &rampart_store::Store,
    account: AccountId,
    name: &str,
    scope: &TokenScope,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<String, rampart_store::Error> {
    issue_token_with_id(store, account, name, scope, expires_at, now)
        .await
        .map(|(_, secret)| secret)
}

/// Creates a token and returns its public id and its secret.
pub async fn issue_token_with_id(
    store: &rampart_store::Store,
    account: AccountId,
    name: &str,
    scope: &TokenScope,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<(String, String), rampart_store::Error> {
    let secret = format!(
        "{PREFIX}{}",
        hex::encode(rampart_domain::random_bytes::<32>())
    );
    let token = NewToken {
        id: format!("t-{}", hex::encode(rampart_domain::random_bytes::<8>())),
        token_hash: hash_secret(&secret),
        account,
        name: name.to_owned(),
        scope: scope_text(scope),
        expires_at,
    };
    store.create_token(&token, now).await?;
    Ok((token.id, secret))
}

/// The principal of an API token, refusing an unknown, expired or revoked
/// one (audited).
pub async fn authenticate_token(
    state: &Identity,
    client: &Origin,
    secret: &str,
) -> Result<Authenticated, Error> {
    if !(secret.starts_with(PREFIX) && secret.len() == PREFIX.len() + 64) {
        return Err(Error::Unauthenticated);
    }
    let Some(token) = state.store.token_by_hash(&hash_secret(secret)).await? else {
        return Err(Error::Unauthenticated);
    };
    let now = state.clock.now();
    let refusal = if token.revoked_at.is_some() {
        Some("revoked")
    } else if token.expires_at.is_some_and(|e| e <= now) {
        Some("expired")
    } else {
        None
    };
    if let Some(reason) = refusal {
        let mut event = state.event(client, AuditKind::Token, Outcome::Denied);
        event.session = Some(token.id.clone());
        event.detail = serde_json::json!({ "reason": reason });
        state.record(event).await?;
        return Err(Error::Unauthenticated);
    }
    let scope = parse_scope(&token.scope).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!("token {} has a malformed scope", token.id))
    })?;
    let (principal, account) = load_principal(state, token.account, scope).await?;
    if token
        .last_used
        .is_none_or(|t| now - t > time::Duration::minutes(1))
    {
        state.store.touch_token(&token.id, now).await?;
    }
    Ok(Authenticated {
        principal,
        email: account.email,
        name: account.name,
        credential_name: format!(
            "token {:?} ({})",
            token.name,
            token.id.chars().take(8).collect::<String>()
        ),
        credential_id: token.id,
        credential: Credential::Token,
    })
}
