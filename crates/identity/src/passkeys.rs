//! WebAuthn passkeys as a second factor: registration from the account
//! (a fully signed-in session, never an API token: a stolen token must not
//! be able to add a factor), sign-in for sessions in the `second_factor`
//! stage, listing and removal.
//!
//! The relying party is `[http] public_url`: its host is the RP id and the
//! URL is the only origin accepted, so an answer made for another site is
//! refused. Hosts that are IP addresses cannot be RP ids (WebAuthn §5.1.2),
//! so with the default `http://127.0.0.1:8080` passkeys are off and said so.
//!
//! A ceremony's state (webauthn-rs's, serialised) waits in the store under
//! the hash of a random handle given to the client: taken on first use, so
//! each challenge is answered once, on any node, and never after 5 minutes.

use crate::{
    sign_in::{self, SignedIn},
    AuditKind, Authenticated, Credential, Error, Identity, Origin,
};
use rampart_domain::AccountId;
use rampart_store::{
    CounterCheck, NewWebauthnCredential, Outcome, SessionStage, WebauthnCredential,
};
use serde_json::{json, Value};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// How long a challenge may be answered.
const CHALLENGE_TTL: time::Duration = time::Duration::minutes(5);
const REGISTER: &str = "register";
const AUTHENTICATE: &str = "authenticate";
const STEP_UP: &str = "step_up";

/// The relying party of `[http] public_url`, or why there is none.
fn relying_party(state: &Identity) -> Result<Webauthn, Error> {
    let off = || {
        Error::Precondition(
            "passkeys are not set up on this server: [http] public_url needs a host name (not an IP address)".into(),
        )
    };
    let origin = Url::parse(&state.config.public_url).map_err(|_| off())?;
    let rp_id = origin.domain().ok_or_else(off)?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("Rampart").build())
        .map_err(|_| off())
}

/// Whether passkeys can be used with this configuration.
pub fn available(state: &Identity) -> bool {
    relying_party(state).is_ok()
}

/// The user handle an authenticator keeps: derived from the account id
/// with a fixed key, so it names no email and no row number.
fn user_handle(account: AccountId) -> Uuid {
    let hash = blake3::keyed_hash(
        blake3::hash(b"rampart webauthn user handle").as_bytes(),
        &account.0.to_le_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    Uuid::from_bytes(bytes)
}

fn corrupt(e: serde_json::Error) -> Error {
    Error::Internal(anyhow::anyhow!("stored passkey state: {e}"))
}

async fn passkeys_of(state: &Identity, account: AccountId) -> Result<Vec<Passkey>, Error> {
    state
        .store
        .webauthn_credentials(account)
        .await?
        .iter()
        .map(|c| serde_json::from_str(&c.passkey).map_err(corrupt))
        .collect()
}

/// Whether the account has a passkey.
pub async fn has_passkey(state: &Identity, account: AccountId) -> Result<bool, Error> {
    Ok(!state.store.webauthn_credentials(account).await?.is_empty())
}

async fn put_challenge(
    state: &Identity,
    account: AccountId,
    purpose: &str,
    ceremony: String,
) -> Result<String, Error> {
    let (handle, hash) = crate::new_secret();
    state
        .store
        .put_webauthn_challenge(
            &hash,
            account,
            purpose,
            &ceremony,
            state.clock.now() + CHALLENGE_TTL,
        )
        .await?;
    Ok(handle)
}

async fn take_challenge<T: serde::de::DeserializeOwned>(
    state: &Identity,
    account: AccountId,
    purpose: &str,
    handle: &str,
) -> Result<Option<T>, Error> {
    let hash = crate::hash_secret(handle);
    match state
        .store
        .take_webauthn_challenge(&hash, account, purpose, state.clock.now())
        .await?
    {
        Some(text) => Ok(Some(serde_json::from_str(&text).map_err(corrupt)?)),
        None => Ok(None),
    }
}

fn require_full_session(user: &Authenticated) -> Result<(), Error> {
    match &user.credential {
        Credential::Session {
            stage: SessionStage::Full,
            ..
        } => Ok(()),
        _ => Err(Error::Forbidden(
            "passkeys are added from a signed-in browser session, not with an API token",
        )),
    }
}

/// A ceremony begun: the challenge's id, to send back with the answer, and
/// the options for the browser's WebAuthn call.
pub struct Challenge {
    /// Names the stored ceremony state.
    pub challenge: String,
    /// The `publicKey` member of `navigator.credentials.create()` or
    /// `.get()`.
    pub options: Value,
}

/// Starts a registration: `{challenge, options}` (options are the
/// `publicKey` member of `navigator.credentials.create()`).
pub async fn start_registration(
    state: &Identity,
    user: &Authenticated,
) -> Result<Challenge, Error> {
    require_full_session(user)?;
    let rp = relying_party(state)?;
    let account = user.principal.account;
    let existing = passkeys_of(state, account)
        .await?
        .iter()
        .map(|p| p.cred_id().clone())
        .collect();
    let (options, ceremony) = rp
        .start_passkey_registration(
            user_handle(account),
            user.email.as_str(),
            user.email.as_str(),
            Some(existing),
        )
        .map_err(|e| Error::Internal(anyhow::anyhow!("passkey registration: {e}")))?;
    let ceremony = serde_json::to_string(&ceremony).map_err(corrupt)?;
    let challenge = put_challenge(state, account, REGISTER, ceremony).await?;
    let options = serde_json::to_value(options).map_err(corrupt)?;
    Ok(Challenge { challenge, options })
}

/// Finishes a registration with the authenticator's answer; the passkey is
/// stored under `name`. Audited either way.
pub async fn finish_registration(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    challenge: &str,
    name: &str,
    credential: Value,
) -> Result<(i64, String), Error> {
    require_full_session(user)?;
    let rp = relying_party(state)?;
    let account = user.principal.account;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "a passkey name has 1 to 64 characters".into(),
        ));
    }
    let Some(ceremony) =
        take_challenge::<PasskeyRegistration>(state, account, REGISTER, challenge).await?
    else {
        super::refuse(
            state,
            user,
            client,
            AuditKind::PasskeyRegister,
            "unknown, used or expired challenge",
        )
        .await?;
        return Err(Error::Precondition(
            "the challenge is unknown, already used or expired: start again".into(),
        ));
    };
    let Ok(credential) = serde_json::from_value::<RegisterPublicKeyCredential>(credential) else {
        super::refuse(
            state,
            user,
            client,
            AuditKind::PasskeyRegister,
            "malformed credential",
        )
        .await?;
        return Err(Error::BadRequest(
            "the credential is not a WebAuthn attestation".into(),
        ));
    };
    let passkey = match rp.finish_passkey_registration(&credential, &ceremony) {
        Ok(p) => p,
        Err(e) => {
            // The library's reason names the check (origin, RP id hash,
            // challenge, signature); it holds no secret.
            super::refuse(
                state,
                user,
                client,
                AuditKind::PasskeyRegister,
                &e.to_string(),
            )
            .await?;
            return Err(Error::Invalid(format!("the passkey was refused: {e}")));
        }
    };
    let new = NewWebauthnCredential {
        credential_id: passkey.cred_id().as_ref().to_vec(),
        name: name.to_owned(),
        passkey: serde_json::to_string(&passkey).map_err(corrupt)?,
        sign_count: 0,
    };
    let id = state
        .store
        .add_webauthn_credential(account, &new, state.clock.now())
        .await?;
    let mut event = state.event_for(user, client, AuditKind::PasskeyRegister, Outcome::Ok);
    event.detail = json!({ "credential": id, "name": name });
    state.record(event).await?;
    Ok((id, name.to_owned()))
}

/// The account's passkeys, for the account page and the API.
pub async fn list(state: &Identity, account: AccountId) -> Result<Vec<WebauthnCredential>, Error> {
    Ok(state.store.webauthn_credentials(account).await?)
}

/// Removes one of the account's passkeys (404 for anyone else's); audited.
pub async fn remove(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    id: i64,
) -> Result<(), Error> {
    require_full_session(user)?;
    if !state
        .store
        .remove_webauthn_credential(user.principal.account, id)
        .await?
    {
        return Err(Error::NotFound);
    }
    let mut event = state.event_for(user, client, AuditKind::PasskeyRemove, Outcome::Ok);
    event.detail = json!({ "credential": id });
    state.record(event).await?;
    Ok(())
}

/// Why an assertion was refused: the error to answer with, and the reason
/// to audit.
pub struct Refusal {
    /// What the client is told.
    pub error: Error,
    /// What the audit event says.
    pub reason: String,
}

fn refusal(error: Error, reason: impl Into<String>) -> Refusal {
    Refusal {
        error,
        reason: reason.into(),
    }
}

/// Starts an assertion ceremony for `purpose` over the account's passkeys:
/// `{challenge, options}` (the `publicKey` member of
/// `navigator.credentials.get()`).
async fn start_assertion(
    state: &Identity,
    account: AccountId,
    purpose: &str,
) -> Result<Challenge, Error> {
    let rp = relying_party(state)?;
    let passkeys = passkeys_of(state, account).await?;
    if passkeys.is_empty() {
        return Err(Error::Precondition("this account has no passkey".into()));
    }
    let (options, ceremony) = rp
        .start_passkey_authentication(&passkeys)
        .map_err(|e| Error::Internal(anyhow::anyhow!("passkey assertion: {e}")))?;
    let ceremony = serde_json::to_string(&ceremony).map_err(corrupt)?;
    let challenge = put_challenge(state, account, purpose, ceremony).await?;
    let options = serde_json::to_value(options).map_err(corrupt)?;
    Ok(Challenge { challenge, options })
}

/// Checks an answer to a ceremony of `purpose`: the challenge is taken
/// (once), the signature, origin, RP id and user verification are checked
/// by webauthn-rs, the credential must still be the account's, and its
/// counter is recorded (a regression is audited as `webauthn_counter`).
async fn check_assertion(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    purpose: &str,
    challenge: &str,
    credential: Value,
) -> Result<Result<(), Refusal>, Error> {
    let rp = relying_party(state)?;
    let account = user.principal.account;
    let Some(ceremony) =
        take_challenge::<PasskeyAuthentication>(state, account, purpose, challenge).await?
    else {
        return Ok(Err(refusal(
            Error::Precondition(
                "the challenge is unknown, already used or expired: start again".into(),
            ),
            "unknown, used or expired challenge",
        )));
    };
    let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(credential) else {
        return Ok(Err(refusal(
            Error::BadRequest("the credential is not a WebAuthn assertion".into()),
            "malformed credential",
        )));
    };
    let result = match rp.finish_passkey_authentication(&credential, &ceremony) {
        Ok(r) => r,
        // The library's reason names the check that failed (origin, RP id
        // hash, signature, counter); it holds no secret.
        Err(e) => return Ok(Err(refusal(Error::BadSecondFactor, e.to_string()))),
    };
    // The ceremony allowed the passkeys the account had at its start; one
    // removed since then is refused here.
    let mut passkeys = passkeys_of(state, account).await?;
    let Some(passkey) = passkeys
        .iter_mut()
        .find(|p| p.cred_id() == result.cred_id())
    else {
        return Ok(Err(refusal(Error::BadSecondFactor, "unknown credential")));
    };
    passkey.update_credential(&result);
    let check = state
        .store
        .use_webauthn_credential(
            account,
            result.cred_id().as_ref(),
            result.counter(),
            &serde_json::to_string(&*passkey).map_err(corrupt)?,
            state.clock.now(),
        )
        .await?;
    match check {
        CounterCheck::Unknown => Ok(Err(refusal(Error::BadSecondFactor, "unknown credential"))),
        CounterCheck::Regressed => {
            // Synced passkeys keep no counter and always send 0, and
            // webauthn-rs already refuses a counter that went back; what
            // gets here (a counter that stood still) is noted, not refused.
            let mut event =
                state.event_for(user, client, AuditKind::PasskeyCounter, Outcome::Failed);
            event.detail =
                json!({ "counter": result.counter(), "reason": "counter did not advance" });
            state.record(event).await?;
            Ok(Ok(()))
        }
        CounterCheck::Advanced => Ok(Ok(())),
    }
}

/// Starts the passkey step of a sign-in.
pub async fn start_sign_in(state: &Identity, user: &Authenticated) -> Result<Challenge, Error> {
    sign_in::require_stage(user, SessionStage::SecondFactor)?;
    start_assertion(state, user.principal.account, AUTHENTICATE).await
}

/// Finishes the passkey step of a sign-in: a right answer replaces the
/// session by a fully signed-in one. Refusals are audited and counted by
/// the second-factor throttle like wrong codes.
pub async fn finish_sign_in(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    challenge: &str,
    credential: Value,
) -> Result<SignedIn, Error> {
    const KIND: AuditKind = AuditKind::LoginPasskey;
    sign_in::require_stage(user, SessionStage::SecondFactor)?;
    let key = crate::throttle::factor_key(user.principal.account);
    crate::throttle::check_factor(state, &key).await?;
    if let Err(refused) =
        check_assertion(state, user, client, AUTHENTICATE, challenge, credential).await?
    {
        super::refuse(state, user, client, KIND, &refused.reason).await?;
        crate::throttle::factor_failed(state, &key).await?;
        return Err(refused.error);
    }
    state.store.clear_throttle(&key).await?;
    state
        .record(state.event_for(user, client, KIND, Outcome::Ok))
        .await?;
    sign_in::promote(state, user, client).await
}

/// Starts a passkey step-up (the exfiltration guard's challenge).
pub async fn start_step_up(state: &Identity, user: &Authenticated) -> Result<Challenge, Error> {
    start_assertion(state, user.principal.account, STEP_UP).await
}

/// Checks a passkey step-up answer. The guard records and audits the
/// outcome (`guard.step_up`); here only the refusal's reason is audited.
pub async fn check_step_up(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    challenge: &str,
    credential: Value,
) -> Result<bool, Error> {
    match check_assertion(state, user, client, STEP_UP, challenge, credential).await? {
        Ok(()) => Ok(true),
        Err(refused) => {
            super::refuse(
                state,
                user,
                client,
                AuditKind::PasskeyStepUp,
                &refused.reason,
            )
            .await?;
            Ok(false)
        }
    }
}
