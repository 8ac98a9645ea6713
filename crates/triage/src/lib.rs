//! Leak triage: given a dump (files, directories, zip, tar, tar.gz, nested),
//! say for every file whether it is one of our document versions and how
//! (`genuine`, `altered`, `excerpt`), already `public`, or `unknown`; list
//! the recorded downloads of every matched document; write the report of
//! DESIGN.md §9 as text, JSON and self-contained HTML.
//!
//! Pipeline: a blocking thread walks the dump ([`walk`]) and hands each file
//! to one analysis worker per core, which extracts and fingerprints it
//! (`rampart-docmatch`) — unless its bytes are those of an indexed item, an
//! exact copy the byte hash alone matches. [`LOOKUPS`] concurrent lookup
//! tasks find each file's best match in the store's match index (exact
//! hashes, then LSH bands and at most [`QUERY_ANCHORS`] anchors, then
//! [`rampart_docmatch::classify`] on the candidates) and read its watermark
//! on a blocking thread; one task builds the [`Report`] in arrival order.
//! Memory stays bounded: a few files' contents in the walker, fingerprints
//! and texts in bounded channels.
//!
//! Accusations come from the watermark of each file ([`decode`]): given
//! the server's fingerprint secret ([`Options::fingerprinter`]), the files
//! of each matched document are decoded against every account that
//! downloaded it; accused accounts are listed with the download their copy
//! came from, their first and last download, and everything else they
//! downloaded that is not in the dump.

mod analyze;
pub mod decode;
pub mod html;
mod lookup;
mod public;
pub mod report;
pub mod rewrite;
mod rewrites;
pub mod verify;
pub mod walk;

pub use analyze::{analyze, index_entry, Analyzed};
pub use public::{add_public, embed_text, PublicAdded};
pub use report::{
    Account, Accusation, AlignedPassage, AlsoDownloaded, DocumentAccusation, DocumentDownloads,
    DownloadEntry, Item, Report, RewriteEvidence, Summary, WordDifferences, VERDICTS,
};
pub use walk::{walk_all, walk_bytes, Leaf, Progress, WalkLimits, Walker};

use analyze::walk_and_analyze;
use lookup::{look_up, round4, DownloadCache, Looked, Matcher, Shared};

use rampart_docmatch::{Fingerprint, Params};
use rampart_store::Store;
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::{atomic::Ordering, Arc},
    time::Instant,
};
use time::format_description::well_known::Rfc3339;

/// What can stop a triage run (per-file problems never do).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] rampart_store::Error),
    /// The walker thread died.
    #[error("walker: {0}")]
    Walker(String),
    /// A watermark reading or index counting task died.
    #[error("{0} task: {1}")]
    Task(&'static str, String),
}

/// Options of a triage run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Walker limits.
    pub limits: WalkLimits,
    /// Extraction limits (docmatch).
    pub extract: rampart_docmatch::Limits,
    /// Matching parameters (must be those of the index).
    pub params: Params,
    /// Candidates classified per file, best index evidence first.
    pub candidates: usize,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
    /// Downloads listed per matched document.
    pub max_downloads_listed: i64,
    /// The server's watermark decoder; without it nobody is accused.
    pub fingerprinter: Option<rampart_fingerprint::Fingerprinter>,
    /// The stored versions' content, to compare near-whole matches word by
    /// word ([`verify`]); without it they stay `altered`.
    pub blobs: Option<rampart_blobs::BlobStore>,
    /// The sentence-embedding model; without it no file is found
    /// `rewritten` ([`rewrite`]), and the report says so.
    pub semantic: Option<Arc<rampart_semantic::Embedder>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: WalkLimits::default(),
            extract: rampart_docmatch::Limits::default(),
            params: Params::default(),
            // Every match of the benchmark dump (600 files, 10^4
            // versions) was its file's first or second candidate; a file
            // that matches nothing pays for every candidate it has (64
            // were nine tenths of all candidate decoding).
            candidates: 16,
            progress: true,
            max_downloads_listed: 1000,
            fingerprinter: None,
            blobs: None,
            semantic: None,
        }
    }
}

pub(crate) fn hex(bytes: [u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Total size of the regular files under the inputs (for the ETA).
fn input_size(paths: &[PathBuf]) -> u64 {
    fn walk(p: &Path, depth: usize) -> u64 {
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            return 0;
        };
        if meta.is_file() {
            return meta.len();
        }
        if !meta.is_dir() || depth > 64 {
            return 0;
        }
        std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| walk(&e.path(), depth + 1))
                    .sum()
            })
            .unwrap_or(0)
    }
    paths.iter().map(|p| walk(p, 0)).sum()
}

fn progress_bar(total: u64, enabled: bool) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
    ) {
        pb.set_style(style);
    }
    pb
}

/// Files looked up in the index at once.
const LOOKUPS: usize = 4;

/// Runs triage over `inputs` against the store's match index.
pub async fn triage(store: &Store, inputs: &[PathBuf], opts: &Options) -> Result<Report, Error> {
    let started = Instant::now();
    let pb = progress_bar(input_size(inputs), opts.progress);
    let progress = Arc::new(Progress::default());
    // Counted beside the preload of the exact hashes (a core is free
    // then), for the report's notes.
    let stats = {
        let store = store.clone();
        tokio::spawn(async move { store.index_stats(Fingerprint::ENCODING).await })
    };
    let known = Arc::new(store.indexed_hashes().await?);
    // The stored passages load (seconds for a million) while the walk
    // starts; the rewrite search waits for them.
    let semantic = opts.semantic.clone().map(|embedder| {
        let store = store.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let embedded = store.embedded_items(rampart_semantic::MODEL).await?;
            tracing::debug!(
                rows = embedded.rows.len() / embedded.width.max(1),
                ms = started.elapsed().as_millis() as u64,
                "stored passages loaded"
            );
            Ok(Arc::new(rewrite::Semantic {
                embedder,
                index: rewrite::PassageIndex::new(embedded),
                thresholds: rewrite::Thresholds::default(),
            }))
        })
    });
    let (tx, rx) = tokio::sync::mpsc::channel::<Analyzed>(64);
    let walker = {
        let (inputs, opts, progress) = (inputs.to_vec(), opts.clone(), progress.clone());
        let known = known.clone();
        tokio::task::spawn_blocking(move || {
            walk_and_analyze(&inputs, &opts, Some(known.as_ref()), progress, tx)
        })
    };
    // Lookups run concurrently: each waits on index queries (one SQLite
    // connection each) and on watermark reads (blocking threads).
    let (looked_tx, mut looked_rx) = tokio::sync::mpsc::channel::<Result<Looked, Error>>(64);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let shared = Arc::new(Shared {
        opts: opts.clone(),
        downloads: DownloadCache::default(),
        texts: opts
            .blobs
            .clone()
            .map(|b| verify::VersionTexts::new(b, opts.extract.clone())),
        semantic: semantic.is_some(),
    });
    let mut lookups = tokio::task::JoinSet::new();
    for _ in 0..LOOKUPS {
        let (store, rx, tx, shared) =
            (store.clone(), rx.clone(), looked_tx.clone(), shared.clone());
        lookups.spawn(async move {
            let mut reader = match store.index_reader().await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            loop {
                let next = rx.lock().await.recv().await;
                let Some(a) = next else { break };
                let looked = look_up(&store, &mut reader, &shared, a).await;
                if tx.send(looked).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(looked_tx);
    let mut matcher = Matcher {
        store,
        docs: HashMap::new(),
        decoder: opts.fingerprinter.clone().map(decode::DumpDecoder::new),
    };
    let mut items = Vec::new();
    let mut bytes = 0u64;
    let mut rewrites = rewrites::Rewrites::new(store.clone(), semantic);
    while let Some(looked) = looked_rx.recv().await {
        let looked = looked?;
        bytes += looked.analyzed.size;
        for ready in rewrites.push(looked).await? {
            items.push(matcher.item(ready).await?);
        }
        pb.set_position(progress.input_bytes.load(Ordering::Relaxed));
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        pb.set_message(format!(
            "{} files, {:.0} files/s",
            items.len(),
            items.len() as f64 / secs
        ));
    }
    for ready in rewrites.finish().await? {
        items.push(matcher.item(ready).await?);
    }
    while lookups.join_next().await.is_some() {}
    walker.await.map_err(|e| Error::Walker(e.to_string()))?;
    pb.finish_and_clear();
    items.sort_by(|a, b| a.path.cmp(&b.path));
    let decoded = matcher.decoder.take().map(decode::DumpDecoder::finish);

    let mut summary = Summary::default();
    for i in &items {
        summary.count(&i.verdict);
    }
    let mut matched: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rewritten: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in &items {
        if let (Some(d), "genuine" | "altered" | "excerpt" | "rewritten") =
            (&i.document, i.verdict.as_str())
        {
            matched.entry(d.clone()).or_default().push(i.path.clone());
            if i.verdict == "rewritten" {
                rewritten.entry(d.clone()).or_default().push(i.path.clone());
            }
        }
    }
    let ids: Vec<String> = matched.keys().cloned().collect();
    let mut downloads_of = store
        .downloads_of_documents(&ids, opts.max_downloads_listed)
        .await?;
    let mut documents = Vec::new();
    for (doc, files) in matched {
        let (downloads, total) = downloads_of.remove(&doc).unwrap_or_default();
        let info = matcher.doc(&doc).await?;
        documents.push(DocumentDownloads {
            title: info.as_ref().map(|i| i.title.clone()).unwrap_or_default(),
            community: info.map(|i| i.community).unwrap_or_default(),
            rewritten: rewritten.remove(&doc).unwrap_or_default(),
            document: doc,
            files,
            downloads_total: total,
            accused: Vec::new(),
            downloads: downloads
                .into_iter()
                .map(|d| DownloadEntry {
                    account: d.account,
                    download: d.id,
                    version: d.version,
                    downloaded_at: rfc3339(d.time),
                })
                .collect(),
        });
    }
    documents.sort_by(|a, b| a.title.cmp(&b.title).then(a.document.cmp(&b.document)));
    let accounts = match &decoded {
        Some(d) => accuse(store, &mut items, &mut documents, d).await?,
        None => Vec::new(),
    };

    let stats = stats
        .await
        .map_err(|e| Error::Task("index counting", e.to_string()))??;
    let mut notes = vec![
        "The documents section lists every recorded download of each matched document: the audit trail to examine, not evidence against any account. Only a decoded watermark accuses.".to_owned(),
    ];
    match &decoded {
        None => notes.push(
            "No fingerprint key was given, so no watermark was decoded and nobody is accused."
                .to_owned(),
        ),
        Some(d) => {
            notes.push(format!(
                "Watermarks were read in {} of matched documents; {} carried none (unmarkable formats, unmarked originals, or channels removed). {} accused, each test at a threshold that keeps the chance of accusing any given innocent account anywhere in this report at or below {:e}.",
                report::plural(d.files_read, "file", "files"),
                report::plural(d.files_unmarked, "such file", "such files"),
                match accounts.len() {
                    1 => "1 account is".to_owned(),
                    n => format!("{n} accounts are"),
                },
                opts.fingerprinter.as_ref().map_or(0.0, |f| f.params().false_accusation),
            ));
            notes.push("An item's accused accounts are convicted by that file's own watermark: no other file of the dump counts toward it.".to_owned());
            let together = d.by_document.values().map(Vec::len).sum::<usize>();
            if together + d.merged_only.len() > 0 {
                notes.push(format!(
                    "{} accused only by several files together (no single file convicts): listed under the documents, with the files on which they scored, and not on any file.",
                    report::plural(together + d.merged_only.len(), "account is", "accounts are")
                ));
            }
        }
    }
    let semantic = rewrites.semantic().await?;
    notes.extend(semantic_notes(store, semantic.as_deref(), &summary).await?);
    if stats.indexed < stats.versions {
        notes.push(format!(
            "{} of {} stored versions are not in the match index; run `rampart reindex`.",
            stats.versions - stats.indexed,
            stats.versions
        ));
    }
    if stats.stale > 0 {
        notes.push(format!(
            "{} indexed versions were fingerprinted by an earlier release of the matcher, which hashed words otherwise: they match by exact hashes only, so altered copies and excerpts of them are reported unknown; run `rampart reindex`.",
            stats.stale
        ));
    }
    if stats.stale_public_refs > 0 {
        notes.push(format!(
            "{} public references were registered by an earlier release of the matcher, which hashed words otherwise: they match by exact hashes only; register their folders again with `rampart public add` to renew them.",
            stats.stale_public_refs
        ));
    }
    if stats.unindexable > 0 {
        notes.push(format!(
            "{} stored versions could not be fingerprinted at upload (unsupported, encrypted, corrupt or too large): they can only match by exact bytes.",
            stats.unindexable
        ));
    }
    let refused = items
        .iter()
        .filter(|i| {
            i.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("refused:"))
        })
        .count();
    if refused > 0 {
        notes.push(format!(
            "{refused} items were refused (see their problem field) and are reported unknown."
        ));
    }
    Ok(Report {
        dump: inputs
            .iter()
            .map(|p| walk::lossy_name(p.as_os_str().as_encoded_bytes()))
            .collect::<Vec<_>>()
            .join(", "),
        files: items.len() as u64,
        bytes,
        summary,
        items,
        accounts,
        documents,
        notes,
    })
}

/// What the report must say of the semantic matcher: off, or on with how
/// much of the store it covers, and what a rewrite means for accusation.
async fn semantic_notes(
    store: &Store,
    semantic: Option<&rewrite::Semantic>,
    summary: &Summary,
) -> Result<Vec<String>, Error> {
    let Some(semantic) = semantic else {
        return Ok(vec!["The semantic matcher is off (no `[semantic] model_dir` with the model; see the README): a paraphrase or summary of our documents is reported unknown.".to_owned()]);
    };
    let mut notes = Vec::new();
    let cov = store.semantic_coverage(rampart_semantic::MODEL).await?;
    notes.push(format!(
        "The semantic matcher compared files that match nothing by words with {} of {} stored versions ({} passages).",
        cov.embedded,
        cov.versions,
        semantic.index.passages()
    ));
    if cov.embedded < cov.versions {
        notes.push(format!(
            "{} stored versions have no passages yet: `rampart serve` embeds them in the background, `rampart reindex` at once; until then a rewrite of them is reported unknown.",
            cov.versions - cov.embedded
        ));
    }
    if cov.public_refs_without > 0 {
        notes.push(format!(
            "{} public references have no passages (registered without the model): register their folders again with `rampart public add` so that a rewrite of them is reported public.",
            cov.public_refs_without
        ));
    }
    if summary.rewritten > 0 {
        notes.push("A rewritten file is one of our documents in other words: its passages align, in order, with the document's. No watermark survives a rewrite, so nobody is accused on its account; the document's recipients are listed as leads.".to_owned());
    }
    Ok(notes)
}

fn accusation(a: &decode::Accused) -> Accusation {
    Accusation {
        account: a.email.clone(),
        download: a
            .download
            .as_ref()
            .map(|(d, _)| d.id.clone())
            .unwrap_or_default(),
        downloaded_at: a
            .download
            .as_ref()
            .map(|(d, _)| rfc3339(d.time))
            .unwrap_or_default(),
        score: round4(a.score),
        threshold: round4(a.threshold),
        download_confirmed: a.download.as_ref().is_some_and(|(_, ok)| *ok),
    }
}

/// Fills each item's accused list from its own file's test, each matched
/// document's list of accounts convicted only by its files together (or by
/// the joined test), and builds the accused accounts' section: their files,
/// first and last download, and what else they downloaded that is not in
/// the dump.
async fn accuse(
    store: &Store,
    items: &mut [Item],
    documents: &mut [DocumentDownloads],
    decoded: &decode::Decoded,
) -> Result<Vec<Account>, Error> {
    let mut files_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items.iter_mut() {
        for a in decoded.by_file.get(&item.path).into_iter().flatten() {
            item.accused.push(accusation(a));
            files_of
                .entry(a.email.clone())
                .or_default()
                .insert(item.path.clone());
        }
    }
    for doc in documents.iter_mut() {
        for (a, files) in decoded.by_document.get(&doc.document).into_iter().flatten() {
            doc.accused.push(DocumentAccusation {
                account: a.email.clone(),
                score: round4(a.score),
                threshold: round4(a.threshold),
                files: files.clone(),
                basis: "files of this document together".into(),
            });
            files_of
                .entry(a.email.clone())
                .or_default()
                .extend(files.iter().cloned());
        }
        for (a, docs) in &decoded.merged_only {
            if docs.contains(&doc.document) {
                doc.accused.push(DocumentAccusation {
                    account: a.email.clone(),
                    score: round4(a.score),
                    threshold: round4(a.threshold),
                    files: doc.files.clone(),
                    basis: "every document of the dump it downloaded, together".into(),
                });
                files_of
                    .entry(a.email.clone())
                    .or_default()
                    .extend(doc.files.iter().cloned());
            }
        }
    }
    let in_dump: BTreeSet<String> = items.iter().filter_map(|i| i.document.clone()).collect();
    let mut accounts = Vec::new();
    for (email, files) in files_of {
        let downloads = store.downloads_of_account(&email).await?;
        accounts.push(Account {
            first_access: downloads.first().map(|d| rfc3339(d.3)).unwrap_or_default(),
            last_access: downloads.last().map(|d| rfc3339(d.3)).unwrap_or_default(),
            also_downloaded: downloads
                .into_iter()
                .filter(|(doc, ..)| !in_dump.contains(doc))
                .map(|(document, title, version, time)| AlsoDownloaded {
                    document,
                    title,
                    version,
                    downloaded_at: rfc3339(time),
                })
                .collect(),
            account: email,
            files: files.into_iter().collect(),
        });
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests;
