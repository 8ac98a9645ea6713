//! Server-side sessions: a 256-bit random secret (the web layer's cookie
//! value), of which only the hash is stored; idle and absolute expiry, and
//! a short life for a session part-way through sign-in.

use super::{hash_secret, load_principal, new_secret, Authenticated, Credential};
use crate::{Error, Identity, Origin};
use rampart_domain::{AccountId, TokenScope};
use rampart_store::SessionStage;
use time::Duration;

/// How long a session part-way through sign-in lives.
const PENDING_LIFETIME: Duration = Duration::minutes(15);

/// A session just created.
#[derive(Debug)]
pub struct NewSession {
    /// The secret its holder presents (shown once, stored hashed).
    pub secret: String,
    /// Its CSRF token.
    pub csrf: String,
    /// Its public id, for audit events.
    pub public_id: String,
}

/// Creates a session.
pub async fn start_session(
    state: &Identity,
    account: AccountId,
    stage: SessionStage,
    client: &Origin,
) -> Result<NewSession, Error> {
    let (secret, hash) = new_secret();
    let csrf = hex::encode(rampart_domain::random_bytes::<32>());
    let public_id = format!("s-{}", hex::encode(&hash[..8]));
    state
        .store
        .create_session(
            &rampart_store::NewSession {
                token_hash: hash,
                public_id: public_id.clone(),
                account,
                stage,
                csrf: csrf.clone(),
                ip: client.ip().to_owned(),
                user_agent: client.user_agent().to_owned(),
            },
            state.clock.now(),
        )
        .await?;
    Ok(NewSession {
        secret,
        csrf,
        public_id,
    })
}

/// The principal of a session secret, refusing an expired session (and
/// deleting it).
pub async fn authenticate_session(state: &Identity, secret: &str) -> Result<Authenticated, Error> {
    if secret.len() != 64 {
        return Err(Error::Unauthenticated);
    }
    let hash = hash_secret(secret);
    let session = state
        .store
        .session_by_hash(&hash)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let now = state.clock.now();
    let idle = Duration::minutes(i64::from(state.config.session.idle_minutes));
    let absolute = Duration::hours(i64::from(state.config.session.absolute_hours));
    // A half-signed-in session is only good for finishing the sign-in.
    let pending_expired =
        session.stage != SessionStage::Full && now - session.created_at >= PENDING_LIFETIME;
    if now - session.last_seen >= idle || now - session.created_at >= absolute || pending_expired {
        state.store.delete_session(&hash).await?;
        return Err(Error::Unauthenticated);
    }
    // Writing on every request would serialise reads behind the WAL lock;
    // minute precision is plenty for a 30-minute idle limit.
    if now - session.last_seen > Duration::minutes(1) {
        state.store.touch_session(&hash, now).await?;
    }
    let (principal, account) = load_principal(state, session.account, TokenScope::Full).await?;
    Ok(Authenticated {
        principal,
        email: account.email,
        name: account.name,
        credential_name: format!("session {}", session.public_id),
        credential_id: session.public_id,
        credential: Credential::Session {
            hash,
            csrf: session.csrf,
            stage: session.stage,
        },
    })
}
