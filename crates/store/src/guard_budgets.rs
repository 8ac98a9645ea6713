//! Budget overrides of the exfiltration guard, set by administrators.
//!
//! The limits are stored as the JSON the web layer gives (the guard's
//! `LimitsOverride`, validated before it gets here); this module only keeps
//! them, one row per (community, role) and per account, and answers the one
//! lookup the request path needs.

use crate::Result;
use rampart_domain::{AccountId, CommunityId};
use time::OffsetDateTime;

/// A stored override.
#[derive(Debug, Clone)]
pub struct BudgetOverrideRow {
    /// `portal/community` for a community override, the email for an
    /// account override.
    pub target: String,
    /// The role a community override applies to (`None` for accounts).
    pub role: Option<String>,
    /// The limits as JSON (only the fields set).
    pub limits: String,
    /// When it was last set.
    pub updated_at: OffsetDateTime,
    /// Who set it.
    pub updated_by: String,
}

/// BudgetOverrides operations of a storage backend.
#[async_trait::async_trait]
pub trait BudgetOverrides: Send + Sync {
    /// The overrides that apply to `account` acting as `role` in
    /// `community`: (community override, account override), as JSON.
    async fn budget_overrides_for(
        &self,
        account: AccountId,
        community: CommunityId,
        role: &str,
    ) -> Result<(Option<String>, Option<String>)>;

    /// Every community override, by community path and role.
    async fn community_budget_overrides(&self) -> Result<Vec<BudgetOverrideRow>>;

    /// Every account override, by email.
    async fn account_budget_overrides(&self) -> Result<Vec<BudgetOverrideRow>>;

    /// Sets (or replaces) the override of `role` in `community`.
    async fn set_community_budget(
        &self,
        community: CommunityId,
        role: &str,
        limits: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Removes the override of `role` in `community`; returns whether there
    /// was one.
    async fn remove_community_budget(&self, community: CommunityId, role: &str) -> Result<bool>;

    /// Sets (or replaces) the override of `account`.
    async fn set_account_budget(
        &self,
        account: AccountId,
        limits: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Removes the override of `account`; returns whether there was one.
    async fn remove_account_budget(&self, account: AccountId) -> Result<bool>;
}
