//! Full-text search over every document version: titles, file names and
//! the text the matcher extracts. The rows are written with the match
//! index (an [`crate::IndexEntry`] carries a [`SearchText`]), in the same
//! transaction, at upload and by `rampart reindex`.
//!
//! Folding (case, diacritics, `ß`, ligatures) and tokenising happen in the
//! application before anything reaches a backend, so both backends index
//! and query the same space-separated tokens and answer alike: SQLite with
//! FTS5 (bm25), PostgreSQL with a weighted `tsvector` under a GIN index
//! (`ts_rank_cd`). Permission filtering is part of the query: only the
//! communities the policy lets the caller read, only documents releasable
//! to the caller's nation or communities, so a hidden match is never
//! counted, ranked or paged.

use crate::Result;
use rampart_domain::{AccountId, CommunityId, Nation};
use time::OffsetDateTime;

/// The searchable form of one version, as the application folded it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchText {
    /// The document's title, folded to tokens separated by spaces.
    pub title_terms: String,
    /// The version's file name, folded likewise.
    pub filename_terms: String,
    /// The extracted text, folded likewise (capped).
    pub body_terms: String,
    /// The extracted text as extracted (capped), for snippets.
    pub body: String,
}

/// A search token: a non-empty run of alphanumeric characters, already
/// folded. Nothing else can be built, so no query syntax of either backend
/// can be smuggled through a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token, if `text` is a non-empty run of alphanumerics.
    pub fn new(text: &str) -> Option<Token> {
        (!text.is_empty() && text.chars().all(char::is_alphanumeric)).then(|| Token(text.into()))
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One part of a query; every part must match: a word, or words next to
/// each other in order (a phrase); the last one may be a prefix (a
/// trailing `*`: every word that starts with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    tokens: Vec<Token>,
    prefix: bool,
}

impl SearchTerm {
    /// A term of at least one token.
    pub fn new(tokens: Vec<Token>, prefix: bool) -> Option<SearchTerm> {
        (!tokens.is_empty()).then_some(SearchTerm { tokens, prefix })
    }

    /// Its tokens, in order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Whether the last token is a prefix.
    pub fn prefix(&self) -> bool {
        self.prefix
    }
}

/// A search, with the caller's permissions in it.
#[derive(Debug, Clone)]
pub struct SearchQuery<'a> {
    /// What must match (at least one term).
    pub terms: &'a [SearchTerm],
    /// The communities searched: those the policy lets the caller read,
    /// narrowed by the caller's filters.
    pub communities: &'a [CommunityId],
    /// The caller's nation (releasability).
    pub nation: &'a Nation,
    /// The caller (releasability to communities it is a member of).
    pub account: AccountId,
    /// Only documents with this marking label.
    pub label: Option<&'a str>,
    /// Only versions uploaded at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only versions uploaded before this time.
    pub until: Option<OffsetDateTime>,
    /// Results to skip (paging).
    pub offset: u32,
    /// Results to return.
    pub limit: u32,
}

/// A matching document: its best-ranked version.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Document id (hex text).
    pub document: String,
    /// The version that ranked best.
    pub version: i64,
    /// Relevance, larger is better (comparable within one backend only).
    pub score: f64,
}

/// Search operations of a storage backend.
#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync {
    /// The best version of each matching document the query's caller may
    /// see, best first (ties by document id), `limit` of them after
    /// `offset`.
    async fn search(&self, query: &SearchQuery<'_>) -> Result<Vec<SearchHit>>;

    /// The extracted text stored for a version (for its snippet).
    async fn search_body(&self, document: &str, version: i64) -> Result<Option<String>>;

    /// Versions stored, and those in the search index.
    async fn search_coverage(&self) -> Result<(i64, i64)>;

    /// Replaces the search rows of these versions in one transaction.
    /// `rampart migrate` carries the index over this way: each backend
    /// keeps it in a form of its own (an FTS5 table, a `tsvector`), so it
    /// cannot be copied as rows.
    async fn set_search_texts(&self, rows: &[(&str, i64, &SearchText)]) -> Result<()>;
}

fn joined(term: &SearchTerm, separator: &str) -> String {
    let words: Vec<&str> = term.tokens.iter().map(Token::as_str).collect();
    words.join(separator)
}

/// The FTS5 query of `terms`: each term's tokens as one quoted string (a
/// word or a phrase; they hold only alphanumerics, so nothing in them is
/// syntax), `*` after a prefix, all joined by `AND`.
pub fn fts5_query(terms: &[SearchTerm]) -> String {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| format!("\"{}\"{}", joined(t, " "), if t.prefix { " *" } else { "" }))
        .collect();
    parts.join(" AND ")
}

/// The `to_tsquery` text of `terms`: a phrase as `(a <-> b)`, a prefix
/// as `t:*`, all joined by `&`.
pub fn tsquery(terms: &[SearchTerm]) -> String {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| {
            format!(
                "({}{})",
                joined(t, " <-> "),
                if t.prefix { ":*" } else { "" }
            )
        })
        .collect();
    parts.join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Token {
        Token::new(s).unwrap_or_else(|| unreachable!("{s}"))
    }

    #[test]
    fn tokens_hold_only_alphanumerics() {
        for bad in ["", "a b", "a\"", "a*", "a:b", "a&b", "(", "-x"] {
            assert_eq!(Token::new(bad), None, "{bad:?}");
        }
        assert!(Token::new("zürich2").is_some());
    }

    #[test]
    fn queries_in_both_dialects() {
        let term = |words: &[&str], prefix| {
            SearchTerm::new(words.iter().map(|w| t(w)).collect(), prefix)
                .unwrap_or_else(|| unreachable!())
        };
        let terms = [
            term(&["drone"], false),
            term(&["hyper"], true),
            term(&["lessons", "learned"], false),
            term(&["sub", "sahar"], true),
        ];
        assert_eq!(SearchTerm::new(Vec::new(), false), None);
        assert_eq!(
            fts5_query(&terms),
            r#""drone" AND "hyper" * AND "lessons learned" AND "sub sahar" *"#
        );
        assert_eq!(
            tsquery(&terms),
            "(drone) & (hyper:*) & (lessons <-> learned) & (sub <-> sahar:*)"
        );
    }
}
