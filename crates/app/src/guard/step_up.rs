//! The guard's step-up: what proves it (the second factor, or the
//! password for accounts exempt from one), recording the outcome with the
//! guard, and suspending after three failures in a row.

use super::{act, load, millis, parse_ip, save};
use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_guard::{Event, EventKind, PrincipalState, Role, Timestamp};
use rampart_store::{GuardStates, Outcome};
use serde_json::{json, Value};

/// A step-up event: only its time, address and user agent matter.
fn step_up_event(state: &App, user: &Authenticated, client: &Origin) -> Event {
    Event {
        at: Timestamp(millis(state.clock.now())),
        principal: user.email.to_string(),
        kind: EventKind::ListPage { page: 0 },
        document: None,
        document_created: None,
        canary: false,
        bytes: 0,
        community: String::new(),
        role: Role::Reader,
        ip: parse_ip(client.ip()),
        user_agent: client.user_agent().to_owned(),
        visible_documents: None,
    }
}

/// What a step-up is proved with.
#[derive(Debug)]
pub enum StepUpProof {
    /// A second-factor code: six digits (TOTP) or a recovery code.
    Code(String),
    /// The password, which only accounts exempt from the second factor
    /// (`[identity] exempt_roles`) may use.
    Password(String),
    /// A passkey's answer to a challenge from
    /// `POST /api/v1/account/confirm/webauthn/start`.
    Passkey {
        /// The ceremony's handle.
        challenge: String,
        /// The `PublicKeyCredential`.
        credential: Value,
    },
}

/// Whether `account` proves a step-up with its second factor (every
/// account that must have one) rather than its password: a stolen
/// password alone must not pass the guard's challenge.
pub async fn step_up_needs_second_factor(
    state: &App,
    account: rampart_domain::AccountId,
) -> Result<bool, Error> {
    let account = state
        .store
        .account_by_id(account)
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok(crate::identity::sign_in::second_factor_required(
        &state.identity,
        &account,
    ))
}

/// Checks the proof of a step-up and records the outcome with the guard;
/// three failures in a row suspend the account. Accounts that must have a
/// second factor prove it with an unused TOTP code or a recovery code (the
/// password is refused and counts as a failure); exempt accounts may use
/// the password, or a code if they enrolled one anyway.
pub async fn confirm_step_up(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    proof: &StepUpProof,
) -> Result<(), Error> {
    use crate::identity::sign_in::{code_accepted, method_of_code, Method};
    // A token is what a scraper holds; the hold it shares with the account's
    // sessions ends only through a person in a browser, or an officer.
    if matches!(user.credential, crate::identity::Credential::Token) {
        let mut event = state.event_for(user, client, AuditKind::GuardStepUp, Outcome::Denied);
        event.detail = json!({"passed": false, "method": "token"});
        state.record(event).await?;
        return Err(Error::Forbidden(
            "an API token cannot confirm a step-up: sign in to the web UI and confirm at /account/confirm, or ask a security officer to release the account",
        ));
    }
    let account = user.principal.account;
    let needs_factor = step_up_needs_second_factor(state, account).await?;
    let (passed, method, refusal) = match proof {
        StepUpProof::Code(code) => {
            let code = code.trim();
            let method = method_of_code(code);
            let passed =
                code.len() <= 64 && code_accepted(&state.identity, account, method, code).await?;
            let name = match method {
                Method::Totp => "totp",
                Method::Recovery => "recovery",
            };
            (passed, name, Error::BadSecondFactor)
        }
        StepUpProof::Passkey {
            challenge,
            credential,
        } => {
            let passed = crate::identity::passkeys::check_step_up(
                &state.identity,
                user,
                client,
                challenge,
                credential.clone(),
            )
            .await?;
            (passed, "webauthn", Error::BadSecondFactor)
        }
        StepUpProof::Password(_) if needs_factor => (
            false,
            "password",
            Error::Forbidden(
                "this account confirms with its second factor (send \"code\"), not its password",
            ),
        ),
        StepUpProof::Password(password) => {
            let hash = state
                .store
                .account_by_id(account)
                .await?
                .map(|a| a.password_hash);
            let passed = crate::identity::verify_password(hash, password).await?;
            (passed, "password", Error::BadCredentials)
        }
    };
    let event = step_up_event(state, user, client);
    let guard = state.guard.clone();
    let outcome = state
        .store
        .guard_update(account, None, state.clock.now(), {
            let event = event.clone();
            move |s: &mut GuardStates| {
                let mut principal: PrincipalState = load("principal", s.principal.as_ref())?;
                let outcome = guard.record_step_up(&mut principal, &event, passed);
                s.principal = save("principal", &principal)?;
                Ok(outcome)
            }
        })
        .await?;
    let mut audit = state.event_for(
        user,
        client,
        AuditKind::GuardStepUp,
        if passed { Outcome::Ok } else { Outcome::Failed },
    );
    audit.detail = json!({"passed": passed, "method": method});
    state.record(audit).await?;
    if let Some(assessment) = outcome {
        return act(state, user, client, &event, None, assessment).await;
    }
    if passed {
        Ok(())
    } else {
        Err(refusal)
    }
}
