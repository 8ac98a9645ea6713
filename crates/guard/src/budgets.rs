//! Budgets: hard ceilings on how much one account may take, per window.
//!
//! Behaviour scoring catches the *shape* of a scrape; budgets bound its *size* whatever
//! its shape, so that a patient or well-disguised collector still hits a wall. Limits
//! default per role and can be overridden per community (per role) and per account.
//! The windows are counted per account across all its communities (an attacker gains
//! nothing by spreading over several memberships); the limit applied to a request is the
//! one resolved for the request's community and role.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::Role;
use crate::GuardError;

/// Largest distinct-documents-per-7-days limit the state can count exactly.
pub const MAX_DISTINCT_LIMIT: u32 = 1_000;

/// One complete set of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Downloads in any sliding minute.
    pub downloads_per_minute: u32,
    /// Downloads in any sliding hour.
    pub downloads_per_hour: u32,
    /// Downloads in any sliding 24 hours.
    pub downloads_per_day: u32,
    /// Bytes downloaded in any sliding minute.
    pub bytes_per_minute: u64,
    /// Bytes downloaded in any sliding hour.
    pub bytes_per_hour: u64,
    /// Bytes downloaded in any sliding 24 hours.
    pub bytes_per_day: u64,
    /// Distinct documents viewed or downloaded in the last 7 calendar days (UTC),
    /// the cumulative cap that stops patient scrapers.
    pub distinct_documents_per_7_days: u32,
    /// Listing pages walked in any sliding hour.
    pub list_pages_per_hour: u32,
    /// Document metadata pages viewed in any sliding hour.
    pub metadata_views_per_hour: u32,
    /// Member profiles shown (directory entries with personal fields) in
    /// any sliding hour: a directory harvested is a breach of its own.
    #[serde(default = "default_profile_views")]
    pub profile_views_per_hour: u32,
}

/// The default budget of profile views: 50 an hour for every role (a
/// member looks people up; a harvester reads the directory).
pub const PROFILE_VIEWS_PER_HOUR: u32 = 50;

const fn default_profile_views() -> u32 {
    PROFILE_VIEWS_PER_HOUR
}

const MB: u64 = 1_000_000;

impl Limits {
    /// Default limits for a role (see the crate documentation for the rationale).
    pub const fn for_role(role: Role) -> Limits {
        match role {
            Role::Reader => Limits {
                downloads_per_minute: 40,
                downloads_per_hour: 60,
                downloads_per_day: 100,
                bytes_per_minute: 200 * MB,
                bytes_per_hour: 600 * MB,
                bytes_per_day: 1_000 * MB,
                distinct_documents_per_7_days: 150,
                list_pages_per_hour: 60,
                metadata_views_per_hour: 120,
                profile_views_per_hour: PROFILE_VIEWS_PER_HOUR,
            },
            Role::Contributor => Limits {
                downloads_per_minute: 40,
                downloads_per_hour: 80,
                downloads_per_day: 150,
                bytes_per_minute: 250 * MB,
                bytes_per_hour: 800 * MB,
                bytes_per_day: 1_500 * MB,
                distinct_documents_per_7_days: 250,
                list_pages_per_hour: 90,
                metadata_views_per_hour: 180,
                profile_views_per_hour: PROFILE_VIEWS_PER_HOUR,
            },
            Role::Manager => Limits {
                downloads_per_minute: 50,
                downloads_per_hour: 120,
                downloads_per_day: 250,
                bytes_per_minute: 300 * MB,
                bytes_per_hour: 1_200 * MB,
                bytes_per_day: 2_500 * MB,
                distinct_documents_per_7_days: 400,
                list_pages_per_hour: 120,
                metadata_views_per_hour: 240,
                profile_views_per_hour: PROFILE_VIEWS_PER_HOUR,
            },
        }
    }

    fn validate(&self, at: &str) -> Result<(), GuardError> {
        let counts = [
            ("downloads_per_minute", self.downloads_per_minute),
            ("downloads_per_hour", self.downloads_per_hour),
            ("downloads_per_day", self.downloads_per_day),
            (
                "distinct_documents_per_7_days",
                self.distinct_documents_per_7_days,
            ),
            ("list_pages_per_hour", self.list_pages_per_hour),
            ("metadata_views_per_hour", self.metadata_views_per_hour),
            ("profile_views_per_hour", self.profile_views_per_hour),
        ];
        for (name, value) in counts {
            if value == 0 {
                return Err(GuardError::InvalidConfig(format!(
                    "{at}.{name} must be at least 1"
                )));
            }
        }
        for (name, value) in [
            ("bytes_per_minute", self.bytes_per_minute),
            ("bytes_per_hour", self.bytes_per_hour),
            ("bytes_per_day", self.bytes_per_day),
        ] {
            if value == 0 {
                return Err(GuardError::InvalidConfig(format!(
                    "{at}.{name} must be at least 1"
                )));
            }
        }
        if self.distinct_documents_per_7_days > MAX_DISTINCT_LIMIT {
            return Err(GuardError::InvalidConfig(format!(
                "{at}.distinct_documents_per_7_days must be at most {MAX_DISTINCT_LIMIT}"
            )));
        }
        Ok(())
    }
}

/// A partial set of limits: every field left out keeps the value it overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(min_properties = 1))]
#[serde(deny_unknown_fields, default)]
pub struct LimitsOverride {
    /// See [`Limits::downloads_per_minute`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downloads_per_minute: Option<u32>,
    /// See [`Limits::downloads_per_hour`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downloads_per_hour: Option<u32>,
    /// See [`Limits::downloads_per_day`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downloads_per_day: Option<u32>,
    /// See [`Limits::bytes_per_minute`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000_000_000_000_u64)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_minute: Option<u64>,
    /// See [`Limits::bytes_per_hour`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000_000_000_000_u64)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_hour: Option<u64>,
    /// See [`Limits::bytes_per_day`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000_000_000_000_u64)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_day: Option<u64>,
    /// See [`Limits::distinct_documents_per_7_days`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct_documents_per_7_days: Option<u32>,
    /// See [`Limits::list_pages_per_hour`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_pages_per_hour: Option<u32>,
    /// See [`Limits::metadata_views_per_hour`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_views_per_hour: Option<u32>,
    /// See [`Limits::profile_views_per_hour`].
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 1_000_000)
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_views_per_hour: Option<u32>,
}

impl LimitsOverride {
    /// `base` with every field set here replaced.
    pub fn apply(&self, base: Limits) -> Limits {
        Limits {
            downloads_per_minute: self
                .downloads_per_minute
                .unwrap_or(base.downloads_per_minute),
            downloads_per_hour: self.downloads_per_hour.unwrap_or(base.downloads_per_hour),
            downloads_per_day: self.downloads_per_day.unwrap_or(base.downloads_per_day),
            bytes_per_minute: self.bytes_per_minute.unwrap_or(base.bytes_per_minute),
            bytes_per_hour: self.bytes_per_hour.unwrap_or(base.bytes_per_hour),
            bytes_per_day: self.bytes_per_day.unwrap_or(base.bytes_per_day),
            distinct_documents_per_7_days: self
                .distinct_documents_per_7_days
                .unwrap_or(base.distinct_documents_per_7_days),
            list_pages_per_hour: self.list_pages_per_hour.unwrap_or(base.list_pages_per_hour),
            metadata_views_per_hour: self
                .metadata_views_per_hour
                .unwrap_or(base.metadata_views_per_hour),
            profile_views_per_hour: self
                .profile_views_per_hour
                .unwrap_or(base.profile_views_per_hour),
        }
    }
}

/// Largest count an administrator may set for any windowed budget: far above any human
/// use, low enough that a typo (an extra zero or two) is caught.
pub const MAX_COUNT_LIMIT: u32 = 1_000_000;
/// Largest byte budget an administrator may set (1 PB).
pub const MAX_BYTES_LIMIT: u64 = 1_000_000_000_000_000;

impl LimitsOverride {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == LimitsOverride::default()
    }

    /// Checks every field that is set: at least 1 (a budget of 0 would block the role
    /// outright, which is what suspension is for) and at most the sane maxima
    /// ([`MAX_COUNT_LIMIT`], [`MAX_BYTES_LIMIT`], [`MAX_DISTINCT_LIMIT`]). The message
    /// names the field.
    pub fn check(&self) -> Result<(), GuardError> {
        let counts = [
            (
                "downloads_per_minute",
                self.downloads_per_minute,
                MAX_COUNT_LIMIT,
            ),
            (
                "downloads_per_hour",
                self.downloads_per_hour,
                MAX_COUNT_LIMIT,
            ),
            ("downloads_per_day", self.downloads_per_day, MAX_COUNT_LIMIT),
            (
                "distinct_documents_per_7_days",
                self.distinct_documents_per_7_days,
                MAX_DISTINCT_LIMIT,
            ),
            (
                "list_pages_per_hour",
                self.list_pages_per_hour,
                MAX_COUNT_LIMIT,
            ),
            (
                "metadata_views_per_hour",
                self.metadata_views_per_hour,
                MAX_COUNT_LIMIT,
            ),
            (
                "profile_views_per_hour",
                self.profile_views_per_hour,
                MAX_COUNT_LIMIT,
            ),
        ];
        for (name, value, max) in counts {
            match value {
                Some(0) => {
                    return Err(GuardError::InvalidConfig(format!(
                        "{name} must be at least 1"
                    )))
                }
                Some(v) if v > max => {
                    return Err(GuardError::InvalidConfig(format!(
                        "{name} must be at most {max}"
                    )))
                }
                _ => {}
            }
        }
        for (name, value) in [
            ("bytes_per_minute", self.bytes_per_minute),
            ("bytes_per_hour", self.bytes_per_hour),
            ("bytes_per_day", self.bytes_per_day),
        ] {
            match value {
                Some(0) => {
                    return Err(GuardError::InvalidConfig(format!(
                        "{name} must be at least 1"
                    )))
                }
                Some(v) if v > MAX_BYTES_LIMIT => {
                    return Err(GuardError::InvalidConfig(format!(
                        "{name} must be at most {MAX_BYTES_LIMIT}"
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Overrides kept outside the configuration — set by administrators at run time and
/// stored with the guard's other state — for one request. They apply on top of the
/// configured ones: role default < community (configured, then stored) < account
/// (configured, then stored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredOverrides {
    /// For the request's community and role.
    pub community: Option<LimitsOverride>,
    /// For the account.
    pub account: Option<LimitsOverride>,
}

/// Overrides for one community, per role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommunityOverrides {
    /// Applied to readers of the community.
    pub reader: LimitsOverride,
    /// Applied to contributors of the community.
    pub contributor: LimitsOverride,
    /// Applied to managers of the community.
    pub manager: LimitsOverride,
}

/// The budget configuration: role defaults < community overrides < account overrides.
///
/// ```toml
/// [guard.budgets.reader]
/// downloads_per_hour = 60          # every field of a role table is required
/// # ...
/// [guard.budgets.communities."nato/logistics".reader]
/// downloads_per_day = 50           # only the fields to change
/// [guard.budgets.accounts."acc_7f3a"]
/// distinct_documents_per_7_days = 600
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Budgets {
    /// Defaults for readers.
    pub reader: Limits,
    /// Defaults for contributors.
    pub contributor: Limits,
    /// Defaults for managers.
    pub manager: Limits,
    /// Per-community overrides, keyed by the community id used in [`crate::Event`].
    pub communities: BTreeMap<String, CommunityOverrides>,
    /// Per-account overrides, keyed by principal id; applied last.
    pub accounts: BTreeMap<String, LimitsOverride>,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            reader: Limits::for_role(Role::Reader),
            contributor: Limits::for_role(Role::Contributor),
            manager: Limits::for_role(Role::Manager),
            communities: BTreeMap::new(),
            accounts: BTreeMap::new(),
        }
    }
}

impl Budgets {
    /// The limits that apply to `principal` acting as `role` in `community`.
    pub fn resolve(&self, principal: &str, community: &str, role: Role) -> Limits {
        self.resolve_with(principal, community, role, &StoredOverrides::default())
    }

    /// [`Budgets::resolve`] with the stored overrides of the request applied too: the
    /// account override beats the community override, which beats the role default.
    pub fn resolve_with(
        &self,
        principal: &str,
        community: &str,
        role: Role,
        stored: &StoredOverrides,
    ) -> Limits {
        let mut limits = match role {
            Role::Reader => self.reader,
            Role::Contributor => self.contributor,
            Role::Manager => self.manager,
        };
        if let Some(c) = self.communities.get(community) {
            let o = match role {
                Role::Reader => &c.reader,
                Role::Contributor => &c.contributor,
                Role::Manager => &c.manager,
            };
            limits = o.apply(limits);
        }
        if let Some(o) = &stored.community {
            limits = o.apply(limits);
        }
        if let Some(o) = self.accounts.get(principal) {
            limits = o.apply(limits);
        }
        if let Some(o) = &stored.account {
            limits = o.apply(limits);
        }
        limits
    }

    /// Checks that every resolvable set of limits is usable.
    pub fn validate(&self) -> Result<(), GuardError> {
        self.reader.validate("reader")?;
        self.contributor.validate("contributor")?;
        self.manager.validate("manager")?;
        for (name, c) in &self.communities {
            for (role, base, o) in [
                ("reader", self.reader, &c.reader),
                ("contributor", self.contributor, &c.contributor),
                ("manager", self.manager, &c.manager),
            ] {
                o.apply(base)
                    .validate(&format!("communities.{name}.{role}"))?;
            }
        }
        for (name, o) in &self.accounts {
            for role in [Role::Reader, Role::Contributor, Role::Manager] {
                o.apply(self.resolve("", "", role))
                    .validate(&format!("accounts.{name}"))?;
            }
        }
        Ok(())
    }
}
