//! `[oidc]` configuration: the providers, checked at load (unknown keys
//! are refused, as everywhere in the configuration).

use openidconnect::IssuerUrl;
use serde::{Deserialize, Serialize};

/// `[oidc]`: the OpenID Providers users may sign in through.
///
/// ```toml
/// [[oidc.providers]]
/// name = "corp"                       # in URLs: /login/oidc/corp
/// display_name = "Corporate SSO"      # "Sign in with Corporate SSO"
/// issuer = "https://sso.example.org"  # http:// is accepted too (tests)
/// client_id = "rampart"
/// client_secret = "…"
/// scopes = ["openid", "email"]
/// second_factor_amr = ["mfa", "hwk"]  # empty: never a second factor
/// second_factor_acr = []
/// allow_registration = false          # true needs registration_nation
/// registration_nation = "BEL"
/// timeout_secs = 10
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcConfig {
    /// The providers, in the order the sign-in page lists them.
    pub providers: Vec<OidcProviderConfig>,
}

/// One `[[oidc.providers]]` entry.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// Short name used in URLs and audit events (`[a-z0-9-]`).
    pub name: String,
    /// Shown on the sign-in page.
    pub display_name: String,
    /// The issuer identifier; discovery reads
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret at the provider.
    pub client_secret: String,
    /// Scopes to request (`openid` is always requested).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// `amr` values any one of which makes the sign-in count as the second
    /// factor. Empty (the default): it never does.
    #[serde(default)]
    pub second_factor_amr: Vec<String>,
    /// `acr` values that make the sign-in count as the second factor.
    #[serde(default)]
    pub second_factor_acr: Vec<String>,
    /// Whether a verified email without an account creates one.
    #[serde(default)]
    pub allow_registration: bool,
    /// The nation (ISO alpha-3) of accounts this provider registers;
    /// required with `allow_registration`: a provider's users are one
    /// nation's, and guessing a nation from claims would be a policy hole.
    #[serde(default)]
    pub registration_nation: Option<String>,
    /// Timeout of each request to the provider, in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

// The secret stays out of logs and panics.
impl std::fmt::Debug for OidcProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProviderConfig")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into()]
}

fn default_timeout() -> u64 {
    10
}

impl OidcConfig {
    /// Checks names, URLs and the registration rule.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            let bad = |what: &str| format!("[oidc] provider {:?}: {what}", p.name);
            if p.name.is_empty()
                || p.name.len() > 32
                || !p
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(bad("name must be 1-32 characters of a-z, 0-9 and -"));
            }
            // `/login/oidc/callback` is the callback, not a provider.
            if p.name == "callback" || !seen.insert(p.name.as_str()) {
                return Err(bad("name is taken"));
            }
            if p.display_name.trim().is_empty() || p.client_id.is_empty() {
                return Err(bad("display_name and client_id are required"));
            }
            IssuerUrl::new(p.issuer.clone()).map_err(|e| bad(&format!("issuer: {e}")))?;
            if !p.issuer.starts_with("https://") && !p.issuer.starts_with("http://") {
                return Err(bad(
                    "issuer must be an https:// (or, for tests, http://) URL",
                ));
            }
            if p.timeout_secs == 0 || p.timeout_secs > 120 {
                return Err(bad("timeout_secs must be 1-120"));
            }
            match (&p.allow_registration, &p.registration_nation) {
                (true, None) => return Err(bad("allow_registration needs registration_nation")),
                (_, Some(n)) => {
                    n.parse::<rampart_domain::Nation>()
                        .map_err(|e| bad(&format!("registration_nation: {e}")))?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
