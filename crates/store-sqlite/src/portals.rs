//! Portals, their communities, and who belongs to which community in what
//! role.

use crate::Cols;
use crate::Sqlite;
use rampart_domain::{AccountId, CommunityId, CommunityRole, PortalId, Slug};
use rampart_store::rows;
use rampart_store::*;
use sqlx::Row;
use time::OffsetDateTime;

const COMMUNITY_SELECT: &str =
    "SELECT c.id, p.slug AS portal, c.slug, c.name FROM communities c JOIN portals p ON p.id = c.portal_id";

#[async_trait::async_trait]
impl Portals for Sqlite {
    async fn create_portal(
        &self,
        slug: &Slug,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<PortalId> {
        let id = sqlx::query("INSERT INTO portals (slug, name, created_at) VALUES (?, ?, ?)")
            .bind(slug.as_str())
            .bind(name)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await
            .map_err(conflict_as("portal"))?
            .last_insert_rowid();
        Ok(PortalId(id))
    }

    async fn list_portals(&self) -> Result<Vec<PortalRow>> {
        let rows = sqlx::query("SELECT id, slug, name FROM portals ORDER BY slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PortalRow {
                    id: PortalId(r.try_get("id")?),
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn portal_by_slug(&self, slug: &str) -> Result<Option<PortalRow>> {
        let row = sqlx::query("SELECT id, slug, name FROM portals WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(PortalRow {
                id: PortalId(r.try_get("id")?),
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    async fn create_community(
        &self,
        portal: PortalId,
        slug: &Slug,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<CommunityId> {
        let id = sqlx::query(
            "INSERT INTO communities (portal_id, slug, name, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(portal.0)
        .bind(slug.as_str())
        .bind(name)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await
        .map_err(conflict_as("community"))?
        .last_insert_rowid();
        Ok(CommunityId(id))
    }

    async fn community_by_path(
        &self,
        portal: &str,
        community: &str,
    ) -> Result<Option<CommunityRow>> {
        let sql = format!("{COMMUNITY_SELECT} WHERE p.slug = ? AND c.slug = ?");
        sqlx::query(&sql)
            .bind(portal)
            .bind(community)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::community(&Cols(r)))
            .transpose()
    }

    async fn community_by_id(&self, id: CommunityId) -> Result<Option<CommunityRow>> {
        let sql = format!("{COMMUNITY_SELECT} WHERE c.id = ?");
        sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::community(&Cols(r)))
            .transpose()
    }

    async fn list_communities(&self) -> Result<Vec<CommunityRow>> {
        let sql = format!("{COMMUNITY_SELECT} ORDER BY p.slug, c.slug");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| rows::community(&Cols(r)))
            .collect()
    }

    async fn set_membership(
        &self,
        account: AccountId,
        community: CommunityId,
        role: CommunityRole,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO memberships (account_id, community_id, role, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id, community_id) DO UPDATE SET role = excluded.role",
        )
        .bind(account.0)
        .bind(community.0)
        .bind(role.as_str())
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_membership(&self, account: AccountId, community: CommunityId) -> Result<()> {
        let done = sqlx::query("DELETE FROM memberships WHERE account_id = ? AND community_id = ?")
            .bind(account.0)
            .bind(community.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("membership"));
        }
        Ok(())
    }

    async fn members_of(&self, community: CommunityId) -> Result<Vec<MemberRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.email, a.name, a.nation, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
             WHERE m.community_id = ? ORDER BY a.email",
        )
        .bind(community.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MemberRow {
                    account: AccountId(r.try_get("id")?),
                    email: r.try_get("email")?,
                    name: r.try_get("name")?,
                    nation: r.try_get("nation")?,
                    role: r.try_get::<String, _>("role")?.parse()?,
                })
            })
            .collect()
    }
}
