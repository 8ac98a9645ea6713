//! The SQL the matching index is read and written with: placeholder
//! lists, the LSH band clause and the candidate query, and parsing of
//! `group_concat` lists.

use rampart_store::*;

/// The row of [`candidates_sql`]: version and public band items, version
/// and public anchor postings.
pub(crate) type CandidateRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Largest number of placeholders bound in one statement (SQLite's limit
/// was 999 before 3.32).
pub(crate) const BATCH: usize = 600;

pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s
}

pub(crate) fn band_clause(n: usize) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut s = String::with_capacity(n * 24);
    for i in 0..n {
        if i > 0 {
            s.push_str(" OR ");
        }
        s.push_str("(band = ? AND key = ?)");
    }
    s
}

/// One statement finds a file's candidates in both corpora and returns
/// one row: per corpus, the items sharing any of its `nb` band keys
/// (comma-separated, an item once per shared key) and the postings of each
/// of its `na` anchors (`;`-separated lists), at most
/// `BOILERPLATE_ANCHOR_LIMIT + 1` per anchor. An anchor that fills the
/// limit is boilerplate, which the caller drops: reading at most that many
/// postings per anchor, where counting them all visited thousands for a
/// common phrase (at 10^5 versions, 1.6 M postings sit under 10,000
/// boilerplate anchors). One row, not a row per posting or anchor: sqlx
/// hands each row from SQLite's thread to the caller's.
pub(crate) fn candidates_sql(nb: usize, na: usize) -> String {
    let bands = band_clause(nb);
    let anchors = placeholders_rows(na);
    let postings = |table: &str, item: &str| {
        format!(
            "(SELECT group_concat(p, ';') FROM (SELECT (SELECT group_concat({item}) FROM
                 (SELECT {item} FROM {table} t WHERE t.anchor = q.anchor LIMIT ?)) AS p FROM q)
              WHERE p IS NOT NULL)"
        )
    };
    format!(
        "WITH q(anchor) AS (VALUES {anchors})
         SELECT (SELECT group_concat(item) FROM match_bands WHERE {bands}),
                (SELECT group_concat(ref_id) FROM public_ref_bands WHERE {bands}),
                {}, {}",
        postings("match_anchors", "item"),
        postings("public_ref_anchors", "ref_id"),
    )
}

/// `(?),(?),…`: `n` one-column rows (at least one, which binds NULL when
/// there is nothing to ask: a `VALUES` list cannot be empty).
pub(crate) fn placeholders_rows(n: usize) -> String {
    vec!["(?)"; n.max(1)].join(",")
}

/// Adds `count` 32-byte hashes, concatenated (as SQLite's
/// `group_concat(hash, x'')` writes them), to `set`; a concatenation of
/// another length means a stored hash is not 32 bytes.
pub(crate) fn extend_from_concatenated(
    set: &mut std::collections::HashSet<[u8; 32]>,
    count: i64,
    hashes: Option<Vec<u8>>,
) -> Result<()> {
    let hashes = hashes.unwrap_or_default();
    if usize::try_from(count).ok().and_then(|n| n.checked_mul(32)) != Some(hashes.len()) {
        return Err(Error::Corrupt(format!(
            "{count} indexed hashes are {} bytes together, not 32 each",
            hashes.len()
        )));
    }
    set.extend(
        hashes
            .chunks_exact(32)
            .filter_map(|hash| <[u8; 32]>::try_from(hash).ok()),
    );
    Ok(())
}

/// The items of a comma-separated id list.
pub(crate) fn ids(list: &str) -> impl Iterator<Item = i64> + '_ {
    list.split(',').filter_map(|i| i.parse().ok())
}
