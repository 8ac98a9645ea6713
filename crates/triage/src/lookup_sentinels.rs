//! A served copy's layer sentinels (the download id's first eight hex
//! digits, `rampart_docmatch::sentinel_downloads`) as leads: which of the
//! matches the words support came from that download's document, and
//! which document a file no shingle matched was served as. A sentinel only
//! chooses a document; the verdict is the words', and an accusation the
//! watermark's.

use super::{registered_downloads, verify, DownloadCache, Error, Hit, MatchSource, Verdict};
use rampart_store::Store;
use std::sync::Arc;

/// The match to report among `hits` (best first): the best one, unless the
/// file's layer sentinels name a download of a matched document — the
/// served copy the text was taken from. Real documents share text (a
/// manual that carries the GPL whole, the GPL itself): six pages of
/// liboctave's manual leaked from a reader's copy matched the GPL at least
/// as well as the manual. A sentinel only chooses among matches the words
/// already support.
pub(super) async fn choose(
    store: &Store,
    downloads: &DownloadCache,
    sentinels: &[String],
    hits: Vec<(MatchSource, Hit)>,
) -> Result<Option<(MatchSource, Hit)>, Error> {
    if sentinels.is_empty() || hits.len() < 2 {
        return Ok(hits.into_iter().next());
    }
    for (i, (source, _)) in hits.iter().enumerate() {
        let MatchSource::Version { document, .. } = source else {
            continue;
        };
        if served_by(store, downloads, document, sentinels).await? {
            return Ok(hits.into_iter().nth(i));
        }
    }
    Ok(hits.into_iter().next())
}

/// Share of a file's words found in the version for a file the sentinels
/// led to to be an excerpt of it.
const EXCERPT_SHARE: f64 = 0.8;

/// A file no shingle matched (a reference card's columns read across the
/// page cut every shingle, a page of a code listing whose line numbers
/// another extractor reads elsewhere), whose layer sentinels name a
/// download: its words compared with the version that download served.
/// `genuine` when the comparison says so, `altered` when at least half the
/// words of each side are found in the other, `excerpt` when
/// [`EXCERPT_SHARE`] of the file's are; else nothing (anyone can type a
/// sentinel).
pub(super) async fn by_sentinel(
    store: &Store,
    downloads: &DownloadCache,
    texts: &verify::VersionTexts,
    sentinels: &[String],
    text: &Arc<String>,
) -> Result<Option<((MatchSource, Hit), rampart_docmatch::Differences)>, Error> {
    for prefix in sentinels.iter().take(2) {
        for document in store.documents_served_as(prefix).await? {
            let registered = registered_downloads(store, downloads, &document).await?;
            let Some(version) = registered
                .iter()
                .find(|d| d.id.starts_with(prefix.as_str()))
                .map(|d| d.version)
            else {
                continue;
            };
            let Some(d) = texts
                .compare(store, &document, version, text.clone())
                .await?
            else {
                continue;
            };
            let share =
                |all: usize, missing: usize| all.saturating_sub(missing) as f64 / all.max(1) as f64;
            let (ours, theirs) = (share(d.ours, d.removed), share(d.theirs, d.added));
            let verdict = match d.genuine() {
                true => Verdict::Genuine,
                false if d.complete && ours >= 0.5 && theirs >= 0.5 => Verdict::Altered,
                false if d.complete && theirs >= EXCERPT_SHARE => Verdict::Excerpt,
                false => continue,
            };
            let hit = Hit {
                verdict,
                similarity: ours.min(theirs),
                containment: theirs,
                reverse_containment: ours,
            };
            return Ok(Some(((MatchSource::Version { document, version }, hit), d)));
        }
    }
    Ok(None)
}

/// Whether a download of `document` begins with one of the `sentinels`.
pub(super) async fn served_by(
    store: &Store,
    downloads: &DownloadCache,
    document: &str,
    sentinels: &[String],
) -> Result<bool, Error> {
    if sentinels.is_empty() {
        return Ok(false);
    }
    Ok(registered_downloads(store, downloads, document)
        .await?
        .iter()
        .any(|d| sentinels.iter().any(|s| d.id.starts_with(s.as_str()))))
}
