//! Finding each analysed file in the match index: exact hashes first, then
//! LSH bands and anchors, then the classifier on the candidates; and, for a
//! file that matched a version we served marked, reading its watermark.

use crate::{analyze::Analyzed, decode, hex, report, verify, Error, Item, Options};
use rampart_docmatch::{classify, Fingerprint, Verdict};
use rampart_fingerprint::Observations;
use rampart_store::{IndexReader, ItemId, MatchSource, RegisteredDownload, Store};
use std::{collections::HashMap, sync::Arc};

#[path = "lookup_sentinels.rs"]
mod sentinels;
use sentinels::{by_sentinel, choose, served_by};

/// Anchors looked up per file at most (see [`Fingerprint::lookup`]): a
/// source holding a share `s` of the file shares about `64·s` of them —
/// all for an excerpt, some 20 for an altered copy at the Jaccard floor.
/// 256, 128 and 64 gave the same report for all 2,212 text files of the
/// benchmark dump at 10⁵ versions and the same linux-doc counts; 32 lost
/// a linux-doc file that shares a sixth of its text with its source. The
/// anchor statement is the costliest of triage's index reads (64: text
/// triage −6–9 % wall).
pub(crate) const QUERY_ANCHORS: usize = 64;

/// A candidate is classified only if its evidence (shared band keys and
/// anchors) is at least 1/`MIN_EVIDENCE_SHARE` of the best candidate's.
pub(crate) const MIN_EVIDENCE_SHARE: u32 = 4;

#[derive(Debug, Clone)]
pub(crate) struct DocInfo {
    pub(crate) title: String,
    pub(crate) community: String,
    public: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub(crate) verdict: Verdict,
    pub(crate) similarity: f64,
    pub(crate) containment: f64,
    pub(crate) reverse_containment: f64,
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Registered downloads per document, shared by the lookup tasks.
pub(crate) type DownloadCache = tokio::sync::Mutex<HashMap<String, Arc<Vec<RegisteredDownload>>>>;

/// What the lookup tasks share.
pub(crate) struct Shared {
    pub(crate) opts: Options,
    pub(crate) downloads: DownloadCache,
    /// The versions' texts, when blobs were given.
    pub(crate) texts: Option<verify::VersionTexts>,
    /// Whether the semantic matcher is on.
    pub(crate) semantic: bool,
}

/// A file found to be a rewrite of an indexed item.
pub(crate) struct Rewritten {
    pub(crate) source: MatchSource,
    pub(crate) share: f64,
    pub(crate) similarity: f64,
    pub(crate) evidence: report::RewriteEvidence,
}

/// What the lookup stage found for one file.
pub(crate) struct Looked {
    pub(crate) analyzed: Analyzed,
    pub(crate) best: Option<(MatchSource, Hit)>,
    /// The file's watermark reads under its matched document, with that
    /// document's registered downloads (only with a fingerprinter, for
    /// `genuine`, `altered` and `excerpt` matches of a version).
    pub(crate) reads: Option<(Arc<Vec<RegisteredDownload>>, Observations)>,
    /// A near-whole match compared word by word with its version.
    pub(crate) differences: Option<rampart_docmatch::Differences>,
    /// For a file nothing matched by words: the item it rewrites.
    pub(crate) rewritten: Option<Rewritten>,
    /// For a file nothing matched by words, with the semantic matcher on:
    /// its text, until the rewrite search has run.
    pub(crate) rewrite_text: Option<Arc<String>>,
}

/// The matches of one analysed file in the index, best first: exact
/// hashes first, then LSH bands and anchors, then [`classify`] on the
/// candidates.
async fn matches(
    reader: &mut IndexReader,
    opts: &Options,
    a: &Analyzed,
) -> Result<Vec<(MatchSource, Hit)>, Error> {
    let Some(sha) = a.sha256.filter(|_| !a.refused) else {
        return Ok(Vec::new());
    };
    let params = &opts.params;
    let fp = a.fingerprint.as_ref();
    let exact = match a.may_be_exact {
        true => reader.exact_matches(&sha, a.text_sha256.as_ref()).await?,
        false => Vec::new(),
    };
    let mut hits: Vec<(MatchSource, Hit)> = exact
        .into_iter()
        .map(|s| {
            (
                s,
                Hit {
                    verdict: Verdict::Genuine,
                    similarity: 1.0,
                    containment: 1.0,
                    reverse_containment: 1.0,
                },
            )
        })
        .collect();
    if let (true, Some(fp)) = (hits.is_empty(), fp) {
        let keys = fp.lookup(params, QUERY_ANCHORS);
        if !keys.bands.is_empty() || !keys.anchors.is_empty() {
            let cands = reader
                .match_candidates(&keys.bands, &keys.anchors, opts.candidates)
                .await?;
            // Only candidates with a fair share of the best one's evidence
            // are worth fetching and classifying: a source the file was
            // cut or edited from shares most of the best one's band keys
            // and anchors (measured on the benchmark dump: every match had
            // at least 70 % of it), while the long tail is shared phrases.
            let best = cands.first().map_or(0, |c| c.bands + c.anchors);
            let items: Vec<ItemId> = cands
                .into_iter()
                .filter(|c| (c.bands + c.anchors) * MIN_EVIDENCE_SHARE >= best)
                .map(|c| c.item)
                .collect();
            for stored in reader.fingerprints_of(&items).await? {
                let Some(Ok(cand)) = stored.fingerprint.as_deref().map(Fingerprint::from_bytes)
                else {
                    continue;
                };
                let m = classify(fp, &cand, params);
                if m.verdict != Verdict::NoMatch {
                    hits.push((
                        stored.source,
                        Hit {
                            verdict: m.verdict,
                            similarity: m.similarity,
                            containment: m.containment,
                            reverse_containment: m.reverse_containment,
                        },
                    ));
                }
            }
        }
    }
    // Strongest claim first; then closest; public material wins ties
    // (already released, so no loss); then the lowest id, for stability.
    let key = |(s, h): &(MatchSource, Hit)| {
        (
            h.verdict.strength(),
            h.similarity,
            h.containment,
            matches!(s, MatchSource::Public(_)),
        )
    };
    // Stable: equal keys keep the order they were found in.
    hits.sort_by(|a, b| {
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(hits)
}

/// A document's registered downloads, read once per triage.
pub(super) async fn registered_downloads(
    store: &Store,
    downloads: &DownloadCache,
    document: &str,
) -> Result<Arc<Vec<RegisteredDownload>>, Error> {
    let cached = downloads.lock().await.get(document).cloned();
    Ok(match cached {
        Some(d) => d,
        None => {
            let d = Arc::new(store.registered_downloads(document).await?);
            downloads
                .lock()
                .await
                .insert(document.to_owned(), d.clone());
            d
        }
    })
}

/// The lookup stage of one file: its best match and, when it matched a
/// version we served marked, its watermark reads (on a blocking thread:
/// reading is a keyed hash per site).
pub(crate) async fn look_up(
    store: &Store,
    reader: &mut IndexReader,
    shared: &Shared,
    mut analyzed: Analyzed,
) -> Result<Looked, Error> {
    let (opts, downloads) = (&shared.opts, &shared.downloads);
    let hits = matches(reader, opts, &analyzed).await?;
    let mut best = choose(store, downloads, &analyzed.sentinel_downloads, hits).await?;
    let text = analyzed.text.take().map(Arc::new);
    let mut differences = None;
    if let (Some(texts), Some(text), Some((MatchSource::Version { document, version }, hit))) =
        (&shared.texts, &text, &mut best)
    {
        let shares = |gate: f64| hit.containment >= gate && hit.reverse_containment >= gate;
        let near_whole = shares(verify::MIN_CONTAINMENT)
            || (shares(verify::MIN_CONTAINMENT_SERVED)
                && served_by(store, downloads, document, &analyzed.sentinel_downloads).await?);
        if hit.verdict == Verdict::Altered && near_whole {
            differences = texts
                .compare(store, document, *version, text.clone())
                .await?;
            if differences.as_ref().is_some_and(|d| d.genuine()) {
                hit.verdict = Verdict::Genuine;
            }
        }
    }
    if let (None, Some(texts), Some(text)) = (&best, &shared.texts, &text) {
        if let Some((found, d)) =
            by_sentinel(store, downloads, texts, &analyzed.sentinel_downloads, text).await?
        {
            best = Some(found);
            differences = Some(d);
        }
    }
    // Searched for with other files' (`rewrites::Rewrites`).
    let rewrite_text = match (shared.semantic, &text, &best) {
        (true, Some(text), None) => Some(text.clone()),
        _ => None,
    };
    let spacing = std::mem::take(&mut analyzed.spacing);
    let mut reads = None;
    // A file with no text here is an exact copy of a stored original: it
    // is read as carrying nothing (and counted so), without a read.
    if let (Some(fp), Some((MatchSource::Version { document, .. }, hit))) =
        (opts.fingerprinter.clone(), &best)
    {
        if matches!(
            hit.verdict,
            Verdict::Genuine | Verdict::Altered | Verdict::Excerpt
        ) {
            let registered = registered_downloads(store, downloads, document).await?;
            let obs = match text {
                Some(text) if opts.fingerprinter.is_some() => {
                    let (doc, regs) = (document.clone(), registered.clone());
                    tokio::task::spawn_blocking(move || {
                        decode::DumpDecoder::read(&fp, &doc, &regs, text.as_str(), &spacing)
                    })
                    .await
                    .map_err(|e| Error::Task("watermark reading", e.to_string()))?
                }
                _ => Observations::new(),
            };
            reads = Some((registered, obs));
        }
    }
    Ok(Looked {
        analyzed,
        best,
        reads,
        differences,
        rewritten: None,
        rewrite_text,
    })
}

pub(crate) struct Matcher<'a> {
    pub(crate) store: &'a Store,
    pub(crate) docs: HashMap<String, Option<DocInfo>>,
    pub(crate) decoder: Option<decode::DumpDecoder>,
}

impl Matcher<'_> {
    /// Fills a rewritten file's item: its document (or public reference)
    /// and the aligned passages. Nothing is decoded: no watermark survives
    /// a rewrite.
    async fn rewritten(&mut self, item: &mut Item, r: Rewritten) -> Result<(), Error> {
        item.verdict = "rewritten".into();
        item.similarity = Some(round4(r.similarity));
        item.containment = Some(round4(r.share));
        item.rewrite = Some(r.evidence);
        self.name_source(item, r.source).await
    }

    /// Names the matched item on the report's item: the version's document
    /// (`public` when it is marked so) or the public reference.
    async fn name_source(&mut self, item: &mut Item, source: MatchSource) -> Result<(), Error> {
        match source {
            MatchSource::Version { document, version } => {
                if let Some(info) = self.doc(&document).await? {
                    item.title = Some(info.title);
                    item.community = Some(info.community);
                    if let Some(public) = info.public {
                        item.verdict = "public".into();
                        item.public_source = Some(public);
                    }
                }
                item.document = Some(document);
                item.version = Some(version);
            }
            MatchSource::Public(id) => {
                item.verdict = "public".into();
                if let Some(p) = self.store.public_ref(id).await? {
                    item.title = Some(p.path);
                    item.public_source = Some(p.source);
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn doc(&mut self, id: &str) -> Result<Option<DocInfo>, Error> {
        if let Some(d) = self.docs.get(id) {
            return Ok(d.clone());
        }
        let info = match id.parse::<rampart_domain::DocumentId>() {
            Ok(parsed) => self.store.document(parsed).await?.map(|d| DocInfo {
                title: d.title,
                community: format!("{}/{}", d.portal_slug, d.community_slug),
                public: d
                    .marking
                    .public_since
                    .map(|since| match d.marking.public_source {
                        Some(src) => format!("{src} (public since {since})"),
                        None => format!("public since {since}"),
                    }),
            }),
            Err(_) => None,
        };
        self.docs.insert(id.to_owned(), info.clone());
        Ok(info)
    }

    /// The report item of a looked-up file; adds its reads to the decoder.
    pub(crate) async fn item(&mut self, looked: Looked) -> Result<Item, Error> {
        let a = looked.analyzed;
        let mut item = Item {
            path: a.path,
            sha256: a.sha256.map(hex),
            verdict: "unknown".into(),
            problem: a.problem,
            metadata_download: a.metadata_download,
            ..Item::default()
        };
        let Some((source, hit)) = looked.best else {
            if let Some(r) = looked.rewritten {
                self.rewritten(&mut item, r).await?;
            }
            return Ok(item);
        };
        item.similarity = Some(round4(hit.similarity));
        item.containment = Some(round4(hit.containment));
        item.differences = looked.differences.map(|d| report::WordDifferences {
            added: d.added,
            removed: d.removed,
            moved: d.moved,
            rejoined: d.rejoined,
            debris: d.debris,
            layout: d.added_layout + d.removed_layout,
            complete: d.complete,
            added_examples: d.added_examples,
            removed_examples: d.removed_examples,
        });
        item.verdict = hit.verdict.as_str().into();
        self.name_source(&mut item, source).await?;
        if let (Some(decoder), Some((downloads, reads)), Some(document), true) = (
            self.decoder.as_mut(),
            looked.reads,
            item.document.as_deref(),
            matches!(item.verdict.as_str(), "genuine" | "altered" | "excerpt"),
        ) {
            decoder.add(&item.path, document, &downloads, reads);
        }
        Ok(item)
    }
}
