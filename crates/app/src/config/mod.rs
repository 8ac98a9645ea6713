//! Configuration: built-in defaults, overridden by `rampart.toml`, overridden
//! by `RAMPART_SECTION__KEY` environment variables. Unknown keys are errors,
//! so a typo never silently falls back to a default.

mod store;

pub use store::{S3Config, StoreConfig};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};
use std::{path::Path, time::Duration};

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP serving.
    pub http: HttpConfig,
    /// Sign-in sessions.
    pub session: rampart_identity::SessionConfig,
    /// Uploads.
    pub upload: UploadConfig,
    /// The first administrator.
    pub install: InstallConfig,
    /// The tamper-evident audit log.
    pub audit: AuditConfig,
    /// The exfiltration guard.
    pub guard: GuardSection,
    /// Forensic watermarks of served copies.
    pub watermark: WatermarkConfig,
    /// Second factor and sign-in throttling.
    pub identity: rampart_identity::IdentityConfig,
    /// Sign-in through OpenID Providers.
    pub oidc: rampart_identity::OidcConfig,
    /// Where blobs live.
    pub store: StoreConfig,
    /// The member directory.
    pub directory: crate::directory::DirectoryConfig,
    /// The labels documents may carry.
    pub markings: crate::documents::MarkingsConfig,
    /// The sentence-embedding model that recognises rewritten leaks.
    pub semantic: crate::semantic::SemanticConfig,
}

/// `[watermark]`: limits of per-download marking.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatermarkConfig {
    /// Largest version (bytes) marked per download. Marking holds the
    /// copy in memory; larger versions are served unmarked, with the
    /// download id in the file name, and registered as unmarkable.
    pub max_bytes: u64,
    /// Downloads marked at the same time (each holds its copy in memory);
    /// further downloads wait for a slot.
    pub concurrency: usize,
}

impl Default for WatermarkConfig {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            concurrency: 4,
        }
    }
}

/// `[guard]`: budgets and scoring of the exfiltration guard, and where its
/// alerts go.
///
/// ```toml
/// [guard]
/// webhook_url = "http://siem.example.org/hooks/rampart"
/// [guard.budgets.reader]               # every field of a role table
/// downloads_per_minute = 40
/// # ...
/// [guard.budgets.communities."nato/logistics".reader]
/// downloads_per_day = 50               # only the fields to change
/// [guard.budgets.accounts."ann@example.org"]
/// distinct_documents_per_7_days = 600  # accounts are named by email
/// [guard.scoring]
/// throttle_secs = 600
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardSection {
    /// Budgets per role, per community and role, and per account.
    pub budgets: rampart_guard::Budgets,
    /// Score thresholds and escalation.
    pub scoring: rampart_guard::ScoringConfig,
    /// Where to POST each alert as JSON (retried with exponential backoff),
    /// an `https://` (or `http://`) URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

impl GuardSection {
    /// The engine's configuration.
    pub fn engine(&self) -> rampart_guard::GuardConfig {
        rampart_guard::GuardConfig {
            budgets: self.budgets.clone(),
            scoring: self.scoring.clone(),
        }
    }
}

/// `[audit]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The log's origin line and signing key name, e.g. `portal.example.org/audit`.
    pub origin: String,
    /// Tokens that let a witness (or any monitor) read `/audit/` without an
    /// account. Keep them secret; compare in constant time.
    pub witness_tokens: Vec<String>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            origin: "rampart.local/audit".into(),
            witness_tokens: Vec::new(),
        }
    }
}

/// `[install]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstallConfig {
    /// Email of the administrator created on first start.
    pub admin_email: String,
    /// That administrator's nation (ISO 3166-1 alpha-3).
    pub admin_nation: String,
}

impl Default for InstallConfig {
    fn default() -> Self {
        Self {
            admin_email: "admin@rampart.local".into(),
            admin_nation: "BEL".into(),
        }
    }
}

/// `[http]`: how the portal is reached, and the bounds that keep slow or
/// greedy clients from holding the server.
///
/// ```toml
/// [http]
/// public_url = "https://portal.example.org"
/// header_timeout_secs = 10       # a request's head must arrive within this
/// body_timeout_secs = 30         # 408 after this long without a body byte
/// keep_alive_secs = 5            # an idle kept-alive connection is closed
/// max_connections = 1024         # beyond this, new connections are closed at once
/// max_connections_per_ip = 64    # per socket peer (trusted proxies exempt)
/// metrics_listen = "127.0.0.1:9090"   # /metrics only there; or:
/// metrics_token = "…"            # /metrics on the public listener with this bearer token
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// The URL users reach Rampart at; `https://…` makes cookies `Secure`
    /// and turns on HSTS.
    pub public_url: String,
    /// Reverse proxies (CIDRs) whose `X-Forwarded-For` is believed: the
    /// client is then the right-most address not in this list. Empty: the
    /// client is the socket's peer.
    pub trusted_proxies: Vec<String>,
    /// Seconds a connection may take to send a request's head (request
    /// line and headers), counted from when the server starts waiting for
    /// it; the connection is closed when it runs out. Waiting for the next
    /// request on a kept-alive connection counts too, so idle connections
    /// never outlive this either.
    pub header_timeout_secs: u64,
    /// Seconds a request body may go without a byte before the request is
    /// answered 408 Request Timeout and the connection closed.
    pub body_timeout_secs: u64,
    /// Seconds a kept-alive connection may sit idle after a response
    /// before it is closed; a value above `header_timeout_secs` acts as
    /// that, since the header deadline bounds the wait for the next
    /// request too. 0 turns keep-alive off: one request per connection.
    pub keep_alive_secs: u64,
    /// Open connections, in all; a connection beyond it is closed at once.
    pub max_connections: usize,
    /// Open connections from one socket peer address; a connection beyond
    /// it is closed at once. Peers in `trusted_proxies` carry many clients
    /// and count only towards `max_connections`.
    pub max_connections_per_ip: usize,
    /// Bearer token that may read `/metrics` on the public listener
    /// (compared in constant time). Without it `/metrics` is not served
    /// there: 404, like any unknown path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<String>,
    /// A second address serving `/metrics` (and nothing else) without a
    /// token, e.g. `127.0.0.1:9090` for a local Prometheus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            keep_alive_secs: 5,
            max_connections: 1024,
            max_connections_per_ip: 64,
            metrics_token: None,
            metrics_listen: None,
        }
    }
}

impl HttpConfig {
    /// The trusted proxies, parsed (invalid entries are refused at load).
    pub fn proxies(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|c| parse_cidr(c).ok())
            .collect()
    }

    /// The request head deadline.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    /// The longest a request body may stall.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }

    /// How long an idle kept-alive connection stays open (never longer
    /// than the header deadline, which bounds the wait for the next
    /// request as well); `None`: no keep-alive.
    pub fn keep_alive(&self) -> Option<Duration> {
        (self.keep_alive_secs > 0)
            .then(|| Duration::from_secs(self.keep_alive_secs.min(self.header_timeout_secs)))
    }

    /// Whether users reach us over TLS.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// By hand, so that the metrics token never reaches a log.
impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("header_timeout_secs", &self.header_timeout_secs)
            .field("body_timeout_secs", &self.body_timeout_secs)
            .field("keep_alive_secs", &self.keep_alive_secs)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_ip", &self.max_connections_per_ip)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("metrics_listen", &self.metrics_listen)
            .finish()
    }
}

impl HttpConfig {
    fn validate(&self) -> Result<(), String> {
        if self.header_timeout_secs == 0 || self.body_timeout_secs == 0 {
            return Err("[http] header_timeout_secs and body_timeout_secs must be positive".into());
        }
        if self.max_connections == 0 || self.max_connections_per_ip == 0 {
            return Err(
                "[http] max_connections and max_connections_per_ip must be at least 1".into(),
            );
        }
        if self
            .metrics_token
            .as_deref()
            .is_some_and(|t| t.trim().len() < 16)
        {
            return Err("[http] metrics_token must be at least 16 characters".into());
        }
        Ok(())
    }
}

/// `[upload]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UploadConfig {
    /// Largest accepted document, in bytes.
    pub max_bytes: u64,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            max_bytes: 512 * 1024 * 1024,
        }
    }
}

impl Config {
    /// Loads defaults < `file` (if given) < environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        Self::load_from(file, Env::prefixed("RAMPART_"))
    }

    fn load_from(file: Option<&Path>, env: Env) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    file.display()
                ))));
            }
            figment = figment.merge(Toml::file(file));
        }
        // Only SECTION__KEY variables are configuration; other RAMPART_*
        // variables (test settings, for instance) are not ours to judge.
        figment = figment.merge(env.filter(|k| k.as_str().contains("__")).split("__"));
        let config: Config = figment.extract().map_err(Box::new)?;
        rampart_guard::Guard::new(config.guard.engine())
            .map_err(|e| Box::new(figment::Error::from(format!("[guard]: {e}"))))?;
        config
            .validate()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        if let Some(url) = &config.guard.webhook_url {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(Box::new(figment::Error::from(format!(
                    "[guard] webhook_url must be an https:// or http:// URL, not {url:?}"
                ))));
            }
        }
        if config.watermark.concurrency == 0 {
            return Err(Box::new(figment::Error::from(
                "[watermark] concurrency must be at least 1".to_owned(),
            )));
        }
        Ok(config)
    }
}

/// A CIDR, or a bare address meaning a single host.
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("[http] trusted_proxies: {text:?} is not a CIDR"))
}

impl Config {
    /// Checks what serde cannot: CIDRs parse, `admin` is never exempt from
    /// the second factor, the throttle has sane bounds.
    pub fn validate(&self) -> Result<(), String> {
        self.directory.validate()?;
        self.markings.validate()?;
        for cidr in &self.http.trusted_proxies {
            parse_cidr(cidr)?;
        }
        self.http.validate()?;
        if self
            .identity
            .exempt_roles
            .contains(&rampart_domain::InstallRole::Admin)
        {
            return Err("[identity] exempt_roles may not contain admin".into());
        }
        if self.identity.max_backoff_secs == 0 || self.identity.stuffing_threshold < 2 {
            return Err(
                "[identity] max_backoff_secs must be positive and stuffing_threshold at least 2"
                    .into(),
            );
        }
        let contact = &self.identity.locked_contact;
        if contact.trim().is_empty()
            || contact.chars().count() > 200
            || contact.chars().any(rampart_domain::is_control_or_format)
        {
            return Err("[identity] locked_contact must be 1-200 characters without control or format characters".into());
        }
        self.oidc.validate()?;
        self.store.validate()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure signature
    fn env_overrides_file_and_unknown_keys_fail() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "rampart.toml",
                "[upload]\nmax_bytes = 10\n[session]\nidle_minutes = 5\n",
            )?;
            jail.set_env("RAMPART_UPLOAD__MAX_BYTES", "20");
            let c = Config::load(Some(Path::new("rampart.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.upload.max_bytes, 20);
            assert_eq!(c.session.idle_minutes, 5);
            assert_eq!(c.session.absolute_hours, 12);
            jail.create_file("bad.toml", "[upload]\nmax_byte = 10\n")?;
            assert!(Config::load(Some(Path::new("bad.toml"))).is_err());
            jail.set_env("RAMPART_HTTP__NOPE", "1");
            assert!(Config::load(None).is_err());
            jail.clear_env();
            jail.create_file("admin.toml", "[identity]\nexempt_roles = [\"admin\"]\n")?;
            assert!(Config::load(Some(Path::new("admin.toml"))).is_err());
            jail.create_file("sec.toml", "[identity]\nexempt_roles = [\"security\"]\n[http]\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\n")?;
            let c = Config::load(Some(Path::new("sec.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.http.proxies().len(), 2);
            jail.create_file("cidr.toml", "[http]\ntrusted_proxies = [\"nope\"]\n")?;
            assert!(Config::load(Some(Path::new("cidr.toml"))).is_err());
            jail.create_file(
                "http.toml",
                "[http]\nheader_timeout_secs = 3\nmetrics_listen = \"127.0.0.1:9090\"\n",
            )?;
            jail.set_env("RAMPART_HTTP__METRICS_TOKEN", "a-token-long-enough");
            let c = Config::load(Some(Path::new("http.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.http.header_timeout_secs, 3);
            assert_eq!(c.http.max_connections_per_ip, 64);
            assert_eq!(c.http.metrics_token.as_deref(), Some("a-token-long-enough"));
            assert!(
                !format!("{c:?}").contains("a-token-long-enough"),
                "redacted"
            );
            assert_eq!(c.http.keep_alive(), Some(Duration::from_secs(3)), "capped");
            jail.clear_env();
            jail.create_file("ka.toml", "[http]\nkeep_alive_secs = 0\n")?;
            let c = Config::load(Some(Path::new("ka.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.http.keep_alive(), None);
            jail.create_file("caps.toml", "[http]\nmax_connections_per_ip = 0\n")?;
            assert!(Config::load(Some(Path::new("caps.toml"))).is_err());
            Ok(())
        });
    }

    // `[oidc]` providers (their type is rampart-identity's).
    const GOOD: &str = r#"
[[oidc.providers]]
name = "corp"
display_name = "Corporate SSO"
issuer = "http://sso.example.org"
client_id = "rampart"
client_secret = "s3cret"
second_factor_amr = ["mfa"]
"#;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure signature
    fn providers_are_validated_at_load() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("good.toml", GOOD)?;
            let c = Config::load(Some(Path::new("good.toml"))).map_err(|e| e.to_string())?;
            let p = &c.oidc.providers[0];
            assert_eq!(p.scopes, ["openid", "email"]);
            assert!(!p.allow_registration && p.second_factor_acr.is_empty());
            assert!(!format!("{p:?}").contains("s3cret"));
            let bad = [
                format!("{GOOD}typo = 1\n"),
                format!("{GOOD}allow_registration = true\n"),
                format!("{GOOD}registration_nation = \"XXXX\"\n"),
                GOOD.replace("\"corp\"", "\"callback\""),
                GOOD.replace("\"corp\"", "\"Corp/x\""),
                GOOD.replace("http://sso.example.org", "sso.example.org"),
                format!("{GOOD}{}", GOOD.replace("Corporate", "Other")),
            ];
            for (i, text) in bad.iter().enumerate() {
                let name = format!("bad{i}.toml");
                jail.create_file(&name, text)?;
                assert!(Config::load(Some(Path::new(&name))).is_err(), "{text}");
            }
            jail.create_file("https.toml", &GOOD.replace("http://", "https://"))?;
            assert!(Config::load(Some(Path::new("https.toml"))).is_ok());
            jail.create_file(
                "reg.toml",
                &format!("{GOOD}allow_registration = true\nregistration_nation = \"BEL\"\n"),
            )?;
            assert!(Config::load(Some(Path::new("reg.toml"))).is_ok());
            Ok(())
        });
    }
}
