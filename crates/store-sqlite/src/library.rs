//! A community's library as its page shows it: ordered, filtered, counted.

use crate::documents::{DOCUMENT_SELECT, RELEASABLE_TO};
use crate::Cols;
use rampart_domain::{AccountId, CommunityId, Nation};
use rampart_store::{rows, DocumentRow, LibrarySort, LibraryView, Result};
use std::collections::BTreeSet;

/// The `ORDER BY` of a sort: one fixed text per order, never input.
fn order(sort: LibrarySort) -> &'static str {
    match sort {
        LibrarySort::Newest => "d.created_at DESC, d.id DESC",
        LibrarySort::Oldest => "d.created_at ASC, d.id ASC",
        LibrarySort::Title => "lower(d.title) ASC, d.id ASC",
        LibrarySort::Largest => "v.size DESC, d.id DESC",
    }
}

const FILTER: &str =
    "d.community_id = ? AND (? IS NULL OR d.label = ?) AND (? IS NULL OR v.media_type = ?)";

pub(crate) async fn browse(
    pool: &sqlx::SqlitePool,
    community: CommunityId,
    account: AccountId,
    nation: &Nation,
    view: &LibraryView<'_>,
    offset: u32,
    limit: u32,
) -> Result<(Vec<DocumentRow>, u64)> {
    let sql = format!(
        "{DOCUMENT_SELECT} WHERE {FILTER} AND {RELEASABLE_TO} ORDER BY {} LIMIT ? OFFSET ?",
        order(view.sort)
    );
    let docs = sqlx::query(&sql)
        .bind(community.0)
        .bind(view.label)
        .bind(view.label)
        .bind(view.media_type)
        .bind(view.media_type)
        .bind(nation.as_str())
        .bind(account.0)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| rows::document(&Cols(r)))
        .collect::<Result<Vec<_>>>()?;
    let count_sql = format!(
        "SELECT count(*) FROM documents d
         JOIN versions v ON v.document_id = d.id AND v.number = d.current_version
         WHERE {FILTER} AND {RELEASABLE_TO}"
    );
    let total: i64 = sqlx::query_scalar(&count_sql)
        .bind(community.0)
        .bind(view.label)
        .bind(view.label)
        .bind(view.media_type)
        .bind(view.media_type)
        .bind(nation.as_str())
        .bind(account.0)
        .fetch_one(pool)
        .await?;
    Ok((docs, u64::try_from(total).unwrap_or(0)))
}

pub(crate) async fn facets(
    pool: &sqlx::SqlitePool,
    community: CommunityId,
    account: AccountId,
    nation: &Nation,
) -> Result<(Vec<String>, Vec<String>)> {
    // One read of the pairs present; sorted here, bytewise, whatever the
    // database's collation.
    let sql = format!(
        "SELECT DISTINCT d.label, v.media_type FROM documents d
         JOIN versions v ON v.document_id = d.id AND v.number = d.current_version
         WHERE d.community_id = ? AND {RELEASABLE_TO}"
    );
    let pairs: Vec<(String, String)> = sqlx::query_as(&sql)
        .bind(community.0)
        .bind(nation.as_str())
        .bind(account.0)
        .fetch_all(pool)
        .await?;
    let (labels, types): (BTreeSet<String>, BTreeSet<String>) = pairs.into_iter().unzip();
    Ok((labels.into_iter().collect(), types.into_iter().collect()))
}
