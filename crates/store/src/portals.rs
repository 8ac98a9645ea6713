//! Portals, their communities, and who belongs to which community in what
//! role.

use crate::Result;
use rampart_domain::{AccountId, CommunityId, CommunityRole, PortalId, Slug};
use time::OffsetDateTime;

/// A portal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PortalRow {
    /// Key.
    #[serde(skip)]
    pub id: PortalId,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// A community with its portal's slug.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommunityRow {
    /// Key.
    #[serde(skip)]
    pub id: CommunityId,
    /// Owning portal's slug.
    pub portal: String,
    /// URL name within the portal.
    pub slug: String,
    /// Display name.
    pub name: String,
}

impl CommunityRow {
    /// `portal/community`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.portal, self.slug)
    }
}

/// A member of a community.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberRow {
    /// The account's key.
    #[serde(skip)]
    pub account: AccountId,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Nation.
    pub nation: String,
    /// Role in the community.
    pub role: CommunityRole,
}

/// Portals operations of a storage backend.
#[async_trait::async_trait]
pub trait Portals: Send + Sync {
    /// Creates a portal.
    async fn create_portal(&self, slug: &Slug, name: &str, now: OffsetDateTime)
        -> Result<PortalId>;

    /// Every portal, by slug.
    async fn list_portals(&self) -> Result<Vec<PortalRow>>;

    /// A portal by slug.
    async fn portal_by_slug(&self, slug: &str) -> Result<Option<PortalRow>>;

    /// Creates a community in a portal.
    async fn create_community(
        &self,
        portal: PortalId,
        slug: &Slug,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<CommunityId>;

    /// A community by `portal/community` slugs.
    async fn community_by_path(
        &self,
        portal: &str,
        community: &str,
    ) -> Result<Option<CommunityRow>>;

    /// A community by key.
    async fn community_by_id(&self, id: CommunityId) -> Result<Option<CommunityRow>>;

    /// Every community, by portal and slug.
    async fn list_communities(&self) -> Result<Vec<CommunityRow>>;

    /// Adds a member or changes the member's role.
    async fn set_membership(
        &self,
        account: AccountId,
        community: CommunityId,
        role: CommunityRole,
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Removes a member.
    async fn remove_membership(&self, account: AccountId, community: CommunityId) -> Result<()>;

    /// Members of a community, by email.
    async fn members_of(&self, community: CommunityId) -> Result<Vec<MemberRow>>;
}
