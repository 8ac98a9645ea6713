//! Sign-in beyond the password: which stage a new session starts in, TOTP
//! enrollment and confirmation, second-factor entry (TOTP or a recovery
//! code), and the new-device notice of every complete sign-in. The JSON API
//! and the web UI both call these, so both audit and throttle the same way.

use crate::{
    network_of, stage, throttle, totp, AuditKind, Authenticated, Credential, Error, Identity,
    Origin,
};
use rampart_domain::{AccountId, InstallRole};
use rampart_store::{AccountRow, Outcome, SessionStage};
use subtle::ConstantTimeEq;

/// A session just opened: its secret, CSRF token and stage.
pub struct SignedIn {
    /// The session's secret (the web layer sets it as the session cookie).
    pub secret: String,
    /// The new session's CSRF token.
    pub csrf: String,
    /// How far sign-in got.
    pub stage: SessionStage,
    /// The second-factor methods the stage offers this account.
    pub methods: Vec<&'static str>,
}

impl SignedIn {
    /// Where sign-in stands, as the API spells it: `ok`,
    /// `password_change_required`, `enroll_second_factor` or
    /// `second_factor_required`.
    pub fn status(&self) -> &'static str {
        stage::status_of(self.stage)
    }
}

/// A secret being enrolled, as shown to its owner (on every load of the
/// enrollment page, until confirmed or replaced).
pub struct Enrollment {
    /// Base32, for typing into an app.
    pub secret: String,
    /// `otpauth://` URI.
    pub uri: String,
    /// The URI as an inline SVG QR code.
    pub qr_svg: String,
}

/// Whether the account must use a second factor (every account unless
/// `[identity] exempt_roles` names one of its install roles; never admins).
pub fn second_factor_required(state: &Identity, account: &AccountRow) -> bool {
    if account.admin {
        return true;
    }
    let exempt = &state.config.identity.exempt_roles;
    !(account.security && exempt.contains(&InstallRole::Security))
}

/// The stage after a correct password (or a completed password change).
pub(crate) async fn stage_after_password(
    state: &Identity,
    account: &AccountRow,
) -> Result<SessionStage, Error> {
    if account.must_change_password {
        return Ok(SessionStage::PasswordChange);
    }
    if !second_factor_required(state, account) {
        return Ok(SessionStage::Full);
    }
    let totp = state
        .store
        .totp_factor(account.id)
        .await?
        .is_some_and(|f| f.confirmed);
    Ok(
        if totp || super::passkeys::has_passkey(state, account.id).await? {
            SessionStage::SecondFactor
        } else {
            SessionStage::EnrollSecondFactor
        },
    )
}

/// Opens a session in `stage`; a complete sign-in also checks the device.
pub(crate) async fn open_session(
    state: &Identity,
    account: &AccountRow,
    stage: SessionStage,
    client: &Origin,
) -> Result<(SignedIn, String), Error> {
    let session = crate::start_session(state, account.id, stage, client).await?;
    let session_id = session.public_id;
    if stage == SessionStage::Full {
        note_device(state, account, client, &session_id).await?;
    }
    let mut methods = stage::methods_of(stage);
    if stage == SessionStage::SecondFactor
        && super::passkeys::has_passkey(state, account.id).await?
    {
        methods.push("webauthn");
    }
    Ok((
        SignedIn {
            secret: session.secret,
            csrf: session.csrf,
            stage,
            methods,
        },
        session_id,
    ))
}

/// Remembers the device (network and user agent) of a complete sign-in and
/// audits `new_device` when the account has signed in before, elsewhere.
async fn note_device(
    state: &Identity,
    account: &AccountRow,
    client: &Origin,
    session_id: &str,
) -> Result<(), Error> {
    let net = network_of(client.ip());
    let now = state.clock.now();
    if state
        .store
        .remember_device(account.id, &net, client.user_agent(), now)
        .await?
    {
        let mut event = state.event(client, AuditKind::NewDevice, Outcome::Ok);
        event.account = Some(account.email.to_string());
        event.session = Some(session_id.to_owned());
        event.detail = serde_json::json!({"network": net, "user_agent": client.user_agent()});
        state.record(event).await?;
    }
    Ok(())
}

/// Replaces a pending session by a fully signed-in one (a fresh id, so the
/// pre-authentication cookie is worth nothing afterwards).
pub(crate) async fn promote(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
) -> Result<SignedIn, Error> {
    if let Credential::Session { hash, .. } = &user.credential {
        state.store.delete_session(hash).await?;
    }
    let account = account_of(state, user.principal.account).await?;
    Ok(open_session(state, &account, SessionStage::Full, client)
        .await?
        .0)
}

async fn account_of(state: &Identity, id: AccountId) -> Result<AccountRow, Error> {
    state
        .store
        .account_by_id(id)
        .await?
        .ok_or(Error::Unauthenticated)
}

fn keys(state: &Identity) -> Result<&totp::FactorKeys, Error> {
    state
        .factor_keys
        .as_deref()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no data key for second factors")))
}

pub(crate) fn require_stage(user: &Authenticated, wanted: SessionStage) -> Result<(), Error> {
    match &user.credential {
        Credential::Session { stage, .. } if *stage == wanted => Ok(()),
        Credential::Session { .. } => Err(Error::Forbidden(
            "this step does not belong to the session's stage of signing in",
        )),
        Credential::Token => Err(Error::Forbidden("sign in with a password for this")),
    }
}

fn now_step(state: &Identity) -> i64 {
    totp::step_at(state.clock.now().unix_timestamp())
}

/// Which key an enrollment shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentKey {
    /// The session's pending key, or a new one if it has none yet: what
    /// every load of the page shows, so a reload, a wrong code or a
    /// back-and-forth keeps the key the owner already scanned.
    Pending,
    /// A new key in place of the pending one (the owner asked for it; the
    /// old key stops working).
    New,
}

/// The hash of the session asking (pending secrets belong to a session).
fn session_of(user: &Authenticated) -> Result<&[u8], Error> {
    match &user.credential {
        Credential::Session { hash, .. } => Ok(hash),
        Credential::Token => Err(Error::Forbidden("sign in with a password for this")),
    }
}

/// Shows the secret being enrolled: the session's pending one (sealed at
/// rest, bound to this session), or a new one when there is none or `key`
/// asks for it. A new secret is audited as `totp_enroll`.
pub async fn begin_enrollment(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    key: EnrollmentKey,
) -> Result<Enrollment, Error> {
    require_stage(user, SessionStage::EnrollSecondFactor)?;
    let session = session_of(user)?;
    let account = user.principal.account;
    if state
        .store
        .totp_factor(account)
        .await?
        .is_some_and(|f| f.confirmed)
    {
        return Err(Error::Conflict("second factor"));
    }
    let keys = keys(state)?;
    let pending = match key {
        EnrollmentKey::Pending => state.store.pending_totp(session, account).await?,
        EnrollmentKey::New => None,
    };
    let secret = match pending {
        Some(sealed) => keys.open(&sealed)?,
        None => {
            let fresh = totp::new_secret();
            let sealed = keys.seal(&fresh)?;
            let now = state.clock.now();
            let (kept, created) = match key {
                EnrollmentKey::Pending => {
                    state
                        .store
                        .keep_pending_totp(session, account, &sealed, now)
                        .await?
                }
                EnrollmentKey::New => {
                    state
                        .store
                        .replace_pending_totp(session, account, &sealed, now)
                        .await?;
                    (sealed, true)
                }
            };
            if created {
                let mut event = state.event_for(user, client, AuditKind::TotpEnroll, Outcome::Ok);
                event.detail = serde_json::json!({ "new_key": key == EnrollmentKey::New });
                state.record(event).await?;
            }
            // Another load of the page may have stored its key first.
            keys.open(&kept)?
        }
    };
    let uri = totp::otpauth_uri("Rampart", user.email.as_str(), &secret);
    Ok(Enrollment {
        secret: totp::secret_base32(&secret),
        qr_svg: totp::qr_svg(&uri)?,
        uri,
    })
}

/// Audits a refused code and counts it against the account's factor key.
async fn refuse_code(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    kind: AuditKind,
    reason: &str,
) -> Result<(), Error> {
    crate::refuse(state, user, client, kind, reason).await?;
    throttle::factor_failed(state, &throttle::factor_key(user.principal.account)).await
}

/// Confirms enrollment with a first code: the factor becomes active, ten
/// recovery codes are issued (returned once, stored hashed) and the session
/// becomes fully signed in.
pub async fn confirm_enrollment(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    code: &str,
) -> Result<(SignedIn, Vec<String>), Error> {
    require_stage(user, SessionStage::EnrollSecondFactor)?;
    let account = user.principal.account;
    throttle::check_factor(state, &throttle::factor_key(account)).await?;
    let code = code.trim();
    if !totp::well_formed(code) {
        refuse_code(
            state,
            user,
            client,
            AuditKind::TotpConfirm,
            "malformed code",
        )
        .await?;
        return Err(Error::Invalid("the code must be 6 digits".into()));
    }
    // Only this session's pending secret: one shown to another session
    // (another browser, a stolen half-signed-in cookie) is not confirmed
    // from here.
    let session = session_of(user)?;
    let sealed = state
        .store
        .pending_totp(session, account)
        .await?
        .ok_or_else(|| Error::Invalid("start the enrollment first".into()))?;
    let keys = keys(state)?;
    let secret = keys.open(&sealed)?;
    let step = totp::matching_step(&secret, code, now_step(state));
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| keys.recovery_hash(c)).collect();
    let confirmed = match step {
        Some(step) => {
            state
                .store
                .confirm_pending_totp(session, account, &sealed, step, &hashes, state.clock.now())
                .await?
        }
        None => false,
    };
    if !confirmed {
        refuse_code(state, user, client, AuditKind::TotpConfirm, "wrong code").await?;
        return Err(Error::BadSecondFactor);
    }
    state
        .record(state.event_for(user, client, AuditKind::TotpConfirm, Outcome::Ok))
        .await?;
    Ok((promote(state, user, client).await?, codes))
}

/// How the second factor is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A 6-digit TOTP code.
    Totp,
    /// One of the recovery codes.
    Recovery,
}

/// Whether `code` is a right, unused second-factor code of `account`, and
/// if so uses it up. Every refusal looks the same to the caller (no factor,
/// wrong code, code already used).
pub async fn code_accepted(
    state: &Identity,
    account: AccountId,
    method: Method,
    code: &str,
) -> Result<bool, Error> {
    Ok(match method {
        Method::Totp => {
            let Some(factor) = state
                .store
                .totp_factor(account)
                .await?
                .filter(|f| f.confirmed)
            else {
                return Ok(false);
            };
            let secret = keys(state)?.open(&factor.sealed_secret)?;
            match totp::matching_step(&secret, code, now_step(state)) {
                // The compare-and-set refuses a step at or before the last
                // one used: a code works once, even on two nodes at once.
                Some(step) => state.store.accept_totp_step(account, step).await?,
                None => false,
            }
        }
        Method::Recovery => {
            let hash = keys(state)?.recovery_hash(code);
            let unused = state.store.unused_recovery_codes(account).await?;
            let mut found = false;
            for stored in &unused {
                found |= bool::from(stored.as_slice().ct_eq(hash.as_slice()));
            }
            found
                && state
                    .store
                    .use_recovery_code(account, &hash, state.clock.now())
                    .await?
        }
    })
}

/// The method of a typed code: six digits are TOTP, anything long enough
/// to be one is tried as a recovery code.
pub fn method_of_code(code: &str) -> Method {
    if totp::well_formed(code) || code.len() < 8 {
        Method::Totp
    } else {
        Method::Recovery
    }
}

/// Checks the second factor of a session in the `second_factor` stage and,
/// if right, replaces it by a fully signed-in session.
pub async fn enter_second_factor(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    method: Method,
    code: &str,
) -> Result<SignedIn, Error> {
    require_stage(user, SessionStage::SecondFactor)?;
    let account = user.principal.account;
    let key = throttle::factor_key(account);
    throttle::check_factor(state, &key).await?;
    let code = code.trim();
    let kind = match method {
        Method::Totp => AuditKind::LoginTotp,
        Method::Recovery => AuditKind::LoginRecovery,
    };
    let shaped = match method {
        Method::Totp => totp::well_formed(code),
        Method::Recovery => totp::recovery_well_formed(code),
    };
    if !shaped {
        refuse_code(state, user, client, kind, "malformed code").await?;
        return Err(Error::Invalid(match method {
            Method::Totp => "the code must be 6 digits".into(),
            Method::Recovery => "a recovery code has 10 letters and digits".into(),
        }));
    }
    let accepted = code_accepted(state, account, method, code).await?;
    if !accepted {
        refuse_code(state, user, client, kind, "wrong or used code").await?;
        return Err(Error::BadSecondFactor);
    }
    state.store.clear_throttle(&key).await?;
    let mut event = state.event_for(user, client, kind, Outcome::Ok);
    if method == Method::Recovery {
        let left = state.store.unused_recovery_codes(account).await?.len();
        event.detail = serde_json::json!({ "recovery_codes_left": left });
    }
    state.record(event).await?;
    promote(state, user, client).await
}

/// Sets up a confirmed TOTP factor for an account at the server's console,
/// for accounts that cannot enroll interactively (scripted provisioning,
/// the test kit). Returns the base32 secret and the recovery codes. Audited
/// as `totp_enroll` by `console`.
pub async fn enroll_at_console(
    state: &Identity,
    email: &rampart_domain::Email,
) -> Result<(String, Vec<String>), Error> {
    let account = state
        .store
        .account_by_email(email)
        .await?
        .ok_or_else(|| Error::Invalid(format!("no account with email {email}")))?;
    let keys = keys(state)?;
    let secret = totp::new_secret();
    let now = state.clock.now();
    state
        .store
        .begin_totp(account.id, &keys.seal(&secret)?, now)
        .await?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| keys.recovery_hash(c)).collect();
    // Step 0 is long past: every current code is still unused.
    if !state
        .store
        .confirm_totp(account.id, 0, &hashes, now)
        .await?
    {
        return Err(Error::Conflict("second factor"));
    }
    let mut event = state.event(&Origin::Console, AuditKind::TotpEnroll, Outcome::Ok);
    event.account = Some(account.email.to_string());
    state.record(event).await?;
    Ok((totp::secret_base32(&secret), codes))
}
