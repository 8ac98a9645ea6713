//! OpenID Connect sign-in: the authorization code flow with PKCE (S256),
//! `state` and `nonce`, against one or more configured providers.
//!
//! What the callback needs (provider, nonce, PKCE verifier) is kept in the
//! store, keyed by the hash of `state`, rather than in a cookie: taking the
//! row deletes it, which makes every state single-use on every node without
//! a replay cache, and the browser never holds the verifier. Rows live ten
//! minutes. ID tokens are verified by the `openidconnect` crate (signature
//! against the provider's JWKS, issuer, audience, expiry against the app's
//! clock, nonce); what that means for the account is decided in
//! `oidc`.
//!
//! Provider metadata is discovered on first use and cached for an hour
//! (so rotated signing keys are picked up). Every request to a provider
//! goes through one HTTP client with a timeout that follows no redirects.

pub mod config;
pub mod flow;

pub use config::{OidcConfig, OidcProviderConfig};

use crate::Identity;
use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use rampart_store::OidcLogin;
use std::{collections::HashMap, sync::Arc, time::Duration};
use time::OffsetDateTime;

/// How long a redirect to a provider may take to come back.
pub(crate) const LOGIN_LIFETIME: time::Duration = time::Duration::minutes(10);
/// How long discovered provider metadata (and its JWKS) is trusted.
const METADATA_LIFETIME: time::Duration = time::Duration::hours(1);
/// The callback every provider redirects to (the state names the provider).
pub(crate) const CALLBACK_PATH: &str = "/login/oidc/callback";

/// A client built from discovered metadata.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Provider {
    config: OidcProviderConfig,
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<(DiscoveredClient, OffsetDateTime)>>,
}

/// The configured providers and their discovered metadata.
#[derive(Default)]
pub struct Providers {
    by_name: HashMap<String, Arc<Provider>>,
    redirect: String,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("names", &self.by_name.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why an OIDC sign-in failed: each a short audited reason and a message
/// for the person signing in.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No provider of that name is configured.
    #[error("there is no such sign-in provider")]
    UnknownProvider,
    /// Discovery or the HTTP client failed.
    #[error("the sign-in provider cannot be used right now")]
    Provider(String),
    /// The provider's metadata does not name the configured issuer (or is
    /// otherwise invalid): a misconfiguration or a mix-up.
    #[error("the sign-in provider describes itself as another issuer")]
    Issuer(String),
    /// The callback's `state` is unknown, used, expired or missing.
    #[error("this sign-in link is unknown, already used or expired; start again")]
    State,
    /// The provider answered with an error instead of a code.
    #[error("the sign-in provider refused: {0}")]
    Refused(String),
    /// The code exchange failed (wrong, used or someone else's code).
    #[error("the sign-in provider did not accept the authorization code")]
    Exchange(String),
    /// The ID token failed verification.
    #[error("the sign-in provider's answer is invalid ({0})")]
    Token(&'static str, String),
    /// No verified email in the ID token.
    #[error("the sign-in provider did not confirm a verified email address")]
    EmailUnverified,
    /// No account has the email, and registration is off.
    #[error("no account has this email address; ask an administrator")]
    UnknownAccount,
    /// The account exists but is suspended.
    #[error("this account is suspended")]
    Suspended,
}

impl OidcError {
    /// The audited reason (short, no input echoed beyond the provider's
    /// error code).
    pub fn reason(&self) -> String {
        match self {
            OidcError::UnknownProvider => "unknown provider".into(),
            OidcError::Provider(_) => "provider unavailable".into(),
            OidcError::Issuer(_) => "provider metadata: issuer mismatch".into(),
            OidcError::State => "unknown, used or expired state".into(),
            OidcError::Refused(code) => format!("provider error {code}"),
            OidcError::Exchange(_) => "code exchange failed".into(),
            OidcError::Token(what, _) => format!("invalid id token: {what}"),
            OidcError::EmailUnverified => "email not verified".into(),
            OidcError::UnknownAccount => "unknown account".into(),
            OidcError::Suspended => "account suspended".into(),
        }
    }

    /// Details for the server log (never shown to the client).
    pub fn detail(&self) -> Option<&str> {
        match self {
            OidcError::Provider(d)
            | OidcError::Issuer(d)
            | OidcError::Exchange(d)
            | OidcError::Token(_, d) => Some(d),
            _ => None,
        }
    }
}

/// What a verified ID token says about the person.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    /// The provider's name.
    pub provider: String,
    /// The `sub` claim.
    pub subject: String,
    /// The email, if present.
    pub email: Option<String>,
    /// Whether the provider vouches for the email.
    pub email_verified: bool,
    /// Whether `amr`/`acr` count as the second factor for this provider.
    pub second_factor: bool,
}

impl Providers {
    /// Builds the providers of `config` (nothing is fetched yet).
    pub fn new(config: &crate::Settings) -> Self {
        let redirect = format!("{}{CALLBACK_PATH}", config.public_url.trim_end_matches('/'));
        let mut by_name = HashMap::new();
        for p in &config.oidc.providers {
            let http = reqwest::Client::builder()
                // A redirect could steer discovery or the token request to
                // an address of the attacker's choosing.
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(p.timeout_secs))
                .build()
                .unwrap_or_default();
            by_name.insert(
                p.name.clone(),
                Arc::new(Provider {
                    config: p.clone(),
                    http,
                    discovered: tokio::sync::Mutex::new(None),
                }),
            );
        }
        Providers { by_name, redirect }
    }

    fn get(&self, name: &str) -> Result<&Arc<Provider>, OidcError> {
        self.by_name.get(name).ok_or(OidcError::UnknownProvider)
    }
}

impl Provider {
    /// The client for this provider, discovering (again) when the cached
    /// metadata is missing or older than an hour.
    async fn client(
        &self,
        redirect: &str,
        now: OffsetDateTime,
    ) -> Result<DiscoveredClient, OidcError> {
        let mut cached = self.discovered.lock().await;
        if let Some((client, at)) = cached.as_ref() {
            if now - *at < METADATA_LIFETIME && *at <= now {
                return Ok(client.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OidcError::Provider(format!("issuer: {e}")))?;
        // Checks that the metadata's issuer is exactly the configured one.
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| match e {
                openidconnect::DiscoveryError::Validation(d) => OidcError::Issuer(d),
                other => OidcError::Provider(format!("discovery: {other}")),
            })?;
        let redirect = RedirectUrl::new(redirect.to_owned())
            .map_err(|e| OidcError::Provider(format!("redirect URL: {e}")))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        *cached = Some((client.clone(), now));
        Ok(client)
    }
}

/// Starts a sign-in: stores state, nonce and PKCE verifier and returns the
/// provider's authorization URL to redirect to.
pub async fn begin(state: &Identity, provider_name: &str) -> Result<String, OidcError> {
    let provider = state.oidc.get(provider_name)?;
    let now = state.clock.now();
    let client = provider.client(&state.oidc.redirect, now).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in provider.config.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf, nonce) = request.url();
    state
        .store
        .begin_oidc_login(
            &OidcLogin {
                state_hash: super::hash_secret(csrf.secret()),
                provider: provider.config.name.clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                created_at: now,
            },
            now - LOGIN_LIFETIME,
        )
        .await
        .map_err(|e| OidcError::Provider(format!("store: {e}")))?;
    Ok(url.to_string())
}

/// The provider name a callback's `state` belongs to, taking (and so
/// spending) the sign-in; refused when unknown, used or expired.
pub(crate) async fn take_login(state: &Identity, csrf: &str) -> Result<OidcLogin, OidcError> {
    if csrf.is_empty() || csrf.len() > 256 {
        return Err(OidcError::State);
    }
    let login = state
        .store
        .take_oidc_login(&super::hash_secret(csrf))
        .await
        .map_err(|e| OidcError::Provider(format!("store: {e}")))?
        .ok_or(OidcError::State)?;
    let age = state.clock.now() - login.created_at;
    if age >= LOGIN_LIFETIME || age < time::Duration::ZERO {
        return Err(OidcError::State);
    }
    Ok(login)
}

/// Exchanges the code and verifies the ID token of a taken sign-in.
pub async fn finish(
    state: &Identity,
    login: &OidcLogin,
    code: &str,
) -> Result<VerifiedIdentity, OidcError> {
    let provider = state.oidc.get(&login.provider)?;
    let now = state.clock.now();
    let client = provider.client(&state.oidc.redirect, now).await?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
        .request_async(&provider.http)
        .await
        .map_err(|e| OidcError::Exchange(format!("{e}")))?;
    let id_token = response
        .id_token()
        .ok_or_else(|| OidcError::Token("missing", "no id_token in the response".into()))?;
    let clock = state.clock.clone();
    let verifier = client.id_token_verifier().set_time_fn(move || {
        let t = clock.now();
        chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond())
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    });
    let nonce = Nonce::new(login.nonce.clone());
    let claims = id_token
        .claims(&verifier, &nonce)
        .map_err(|e| OidcError::Token(token_fault(&e), e.to_string()))?;
    let config = &provider.config;
    let amr_counts = claims.auth_method_refs().is_some_and(|amr| {
        amr.iter().any(|m| {
            config
                .second_factor_amr
                .iter()
                .any(|want| want == m.as_str())
        })
    });
    let acr_counts = claims.auth_context_ref().is_some_and(|acr| {
        config
            .second_factor_acr
            .iter()
            .any(|want| want == acr.as_str())
    });
    Ok(VerifiedIdentity {
        provider: config.name.clone(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified() == Some(true),
        second_factor: amr_counts || acr_counts,
    })
}

/// The audited name of what was wrong with an ID token.
fn token_fault(e: &ClaimsVerificationError) -> &'static str {
    match e {
        ClaimsVerificationError::Expired(_) => "expired",
        ClaimsVerificationError::InvalidAudience(_) => "audience",
        ClaimsVerificationError::InvalidIssuer(_) => "issuer",
        ClaimsVerificationError::InvalidNonce(_) => "nonce",
        ClaimsVerificationError::SignatureVerification(_) => "signature",
        _ => "claims",
    }
}

/// `(name, display_name)` of each provider, for the sign-in page.
pub fn listed(config: &OidcConfig) -> Vec<(String, String)> {
    config
        .providers
        .iter()
        .map(|p| (p.name.clone(), p.display_name.clone()))
        .collect()
}

/// The provider's configuration (for registration).
pub(crate) fn provider_config<'a>(
    state: &'a Identity,
    name: &str,
) -> Result<&'a OidcProviderConfig, OidcError> {
    Ok(&state.oidc.get(name)?.config)
}
