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

pub mod decode;
pub mod html;
pub mod report;
pub mod verify;
pub mod walk;

pub use report::{
    Account, Accusation, AlsoDownloaded, DocumentAccusation, DocumentDownloads, DownloadEntry,
    Item, Report, Summary, WordDifferences, VERDICTS,
};
pub use walk::{walk_all, walk_bytes, Leaf, Progress, WalkLimits, Walker};

use rampart_docmatch::{classify, Fingerprint, NormalizedText, Params, Verdict};
use rampart_fingerprint::Observations;
use rampart_store::{
    IndexEntry, IndexReader, IndexedHashes, ItemId, MatchSource, RegisteredDownload, Store,
};
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
        }
    }
}

/// A file after extraction and fingerprinting.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// Path in the dump.
    pub path: String,
    /// Bytes read.
    pub size: u64,
    /// SHA-256 of the bytes, when read fully.
    pub sha256: Option<[u8; 32]>,
    /// SHA-256 of the normalised text, when it was extracted and has words.
    pub text_sha256: Option<[u8; 32]>,
    /// Whether the index may hold its bytes or normalised text exactly:
    /// false only when the preloaded hashes say it does not, which spares
    /// the lookup a statement.
    pub may_be_exact: bool,
    /// The fingerprint, when the text could be extracted and is not one we
    /// hold exactly.
    pub fingerprint: Option<Fingerprint>,
    /// What was refused or failed.
    pub problem: Option<String>,
    /// Refused outright: reported `unknown` without matching.
    pub refused: bool,
    /// The extracted text, kept for the watermark decoder.
    pub text: Option<String>,
    /// The download id a PDF, DOCX or ODT names in its metadata.
    pub metadata_download: Option<String>,
    /// The word-spacing reads of a PDF (read while its bytes are in hand,
    /// for the watermark decoder).
    pub spacing: Vec<rampart_fingerprint::SpacingRead>,
}

/// Extracts and fingerprints one leaf, doing no more than its match needs
/// given what is indexed (`known`): a leaf whose bytes are those of an
/// indexed item is an exact copy the byte hash alone matches (and an exact
/// copy of a stored original carries no watermark, so its text is neither
/// extracted nor read); a leaf whose normalised text is one we hold (a
/// served copy, in any of our formats) matches by that hash and is not
/// shingled.
pub fn analyze(leaf: Leaf, opts: &Options, known: Option<&IndexedHashes>) -> Analyzed {
    let refused = leaf.sha256.is_none()
        || leaf
            .problem
            .as_deref()
            .is_some_and(|p| p.starts_with("refused:"));
    let mut out = Analyzed {
        path: leaf.path,
        size: leaf.size,
        sha256: leaf.sha256,
        fingerprint: None,
        problem: leaf.problem,
        refused,
        text_sha256: None,
        may_be_exact: true,
        text: None,
        metadata_download: None,
        spacing: Vec::new(),
    };
    let exact = matches!((known, &out.sha256), (Some(k), Some(sha)) if k.bytes.contains(sha));
    if refused || exact {
        return out;
    }
    out.may_be_exact = known.is_none();
    if let (Some(content), Some(sha)) = (leaf.content, out.sha256) {
        match rampart_docmatch::extract_text(&content, Some(&leaf.name), &opts.extract) {
            Ok(extracted) => {
                let normalized = NormalizedText::new(&extracted.text);
                out.text_sha256 = normalized.sha256();
                let held =
                    matches!((known, &out.text_sha256), (Some(k), Some(h)) if k.texts.contains(h));
                out.may_be_exact |= held;
                if !held {
                    out.fingerprint = Some(Fingerprint::of(sha, &normalized, &opts.params));
                }
                if opts.fingerprinter.is_some() {
                    out.metadata_download = metadata_download(extracted.format, &content);
                    if extracted.format == rampart_docmatch::Format::Pdf {
                        out.spacing = thin_spacing(rampart_fingerprint::read_pdf_spacing(&content));
                    }
                }
                if opts.fingerprinter.is_some() || opts.blobs.is_some() {
                    out.text = Some(extracted.text);
                }
            }
            Err(e) => {
                out.problem = Some(format!(
                    "text not extracted ({e}); only the SHA-256 was compared"
                ))
            }
        }
    }
    out
}

/// Keeps at most 16 × [`decode::MAX_READS_PER_FILE`] word-spacing reads of
/// a file while it waits for matching (the decoder thins further by code
/// position): those whose anchor has the most trailing zero bits, a rule on
/// the anchor alone, so two files keep the same gaps.
fn thin_spacing(
    reads: Vec<rampart_fingerprint::SpacingRead>,
) -> Vec<rampart_fingerprint::SpacingRead> {
    let max = 16 * decode::MAX_READS_PER_FILE;
    let zeros =
        |r: &rampart_fingerprint::SpacingRead| u128::from_le_bytes(r.anchor).trailing_zeros();
    let mut k = 0;
    while reads.iter().filter(|r| zeros(r) >= k).count() > max && k < 128 {
        k += 1;
    }
    reads.into_iter().filter(|r| zeros(r) >= k).collect()
}

/// Walks `inputs` on this thread and extracts and fingerprints the leaves
/// on one worker per core (the costly part), sending each result to `tx`.
/// The hand-over channel is small, so at most a few leaves' contents are in
/// memory at once; results arrive in any order (the report sorts them).
fn walk_and_analyze(
    inputs: &[PathBuf],
    opts: &Options,
    known: Option<&IndexedHashes>,
    progress: Arc<Progress>,
    tx: tokio::sync::mpsc::Sender<Analyzed>,
) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (leaf_tx, leaf_rx) = std::sync::mpsc::sync_channel::<Leaf>(workers);
    // The workers own the receiver: when they have all stopped (the lookups
    // are gone: triage failed), sending fails and the walk stops, where a
    // receiver outliving them left the walker blocked on a full channel.
    let leaf_rx = Arc::new(std::sync::Mutex::new(leaf_rx));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (tx, leaf_rx) = (tx.clone(), leaf_rx.clone());
            scope.spawn(move || loop {
                let next = leaf_rx.lock().map(|rx| rx.recv());
                let Ok(Ok(leaf)) = next else { break };
                if tx.blocking_send(analyze(leaf, opts, known)).is_err() {
                    break;
                }
            });
        }
        drop(leaf_rx);
        let mut sink = |leaf: Leaf| leaf_tx.send(leaf).is_ok();
        let mut w = Walker::new(opts.limits.clone(), progress, &mut sink);
        for p in inputs {
            w.walk_path(p);
        }
        drop(w);
        drop(leaf_tx);
    });
}

/// The download id a marked PDF, DOCX or ODT carries in its metadata
/// (hex). Metadata is easy to edit, so it is reported as a lead, never as
/// an accusation.
fn metadata_download(format: rampart_docmatch::Format, bytes: &[u8]) -> Option<String> {
    use rampart_docmatch::Format as D;
    use rampart_fingerprint::Format as F;
    let f = match format {
        D::Pdf => F::Pdf,
        D::Docx => F::Docx,
        D::Odt => F::Odt,
        _ => return None,
    };
    rampart_fingerprint::extract_download_id(f, bytes)
        .map(|id| id.0.iter().map(|b| format!("{b:02x}")).collect())
}

/// The index rows of one file: hashes, fingerprint, bands and anchors (or
/// the problem that made it unindexable).
pub fn index_entry(
    bytes_sha256: [u8; 32],
    fingerprint: Option<&Fingerprint>,
    problem: Option<String>,
    params: &Params,
) -> IndexEntry {
    match fingerprint {
        Some(fp) => IndexEntry {
            bytes_sha256,
            text_sha256: (fp.words > 0).then_some(fp.text_sha256),
            fingerprint: Some(fp.to_bytes()),
            problem: None,
            bands: fp.band_keys(params),
            anchors: fp.anchors(params),
        },
        None => IndexEntry {
            bytes_sha256,
            problem: Some(problem.unwrap_or_else(|| "not fingerprinted".into())),
            ..IndexEntry::default()
        },
    }
}

#[derive(Debug, Clone)]
struct DocInfo {
    title: String,
    community: String,
    public: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    verdict: Verdict,
    similarity: f64,
    containment: f64,
    reverse_containment: f64,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Registered downloads per document, shared by the lookup tasks.
type DownloadCache = tokio::sync::Mutex<HashMap<String, Arc<Vec<RegisteredDownload>>>>;

/// What the lookup tasks share.
struct Shared {
    opts: Options,
    downloads: DownloadCache,
    /// The versions' texts, when blobs were given.
    texts: Option<verify::VersionTexts>,
}

/// What the lookup stage found for one file.
struct Looked {
    analyzed: Analyzed,
    best: Option<(MatchSource, Hit)>,
    /// The file's watermark reads under its matched document, with that
    /// document's registered downloads (only with a fingerprinter, for
    /// `genuine`, `altered` and `excerpt` matches of a version).
    reads: Option<(Arc<Vec<RegisteredDownload>>, Observations)>,
    /// A near-whole match compared word by word with its version.
    differences: Option<rampart_docmatch::Differences>,
}

/// The best match of one analysed file in the index: exact hashes first,
/// then LSH bands and anchors, then [`classify`] on the candidates.
async fn best_match(
    reader: &mut IndexReader,
    opts: &Options,
    a: &Analyzed,
) -> Result<Option<(MatchSource, Hit)>, Error> {
    let Some(sha) = a.sha256.filter(|_| !a.refused) else {
        return Ok(None);
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
    let mut best: Option<(MatchSource, Hit)> = None;
    for h in hits {
        let better = match &best {
            None => true,
            Some(b) => key(&h).partial_cmp(&key(b)) == Some(std::cmp::Ordering::Greater),
        };
        if better {
            best = Some(h);
        }
    }
    Ok(best)
}

/// The lookup stage of one file: its best match and, when it matched a
/// version we served marked, its watermark reads (on a blocking thread:
/// reading is a keyed hash per site).
async fn look_up(
    store: &Store,
    reader: &mut IndexReader,
    shared: &Shared,
    mut analyzed: Analyzed,
) -> Result<Looked, Error> {
    let (opts, downloads) = (&shared.opts, &shared.downloads);
    let mut best = best_match(reader, opts, &analyzed).await?;
    let text = analyzed.text.take().map(Arc::new);
    let mut differences = None;
    if let (Some(texts), Some(text), Some((MatchSource::Version { document, version }, hit))) =
        (&shared.texts, &text, &mut best)
    {
        let near_whole = hit.containment >= verify::MIN_CONTAINMENT
            && hit.reverse_containment >= verify::MIN_CONTAINMENT;
        if hit.verdict == Verdict::Altered && near_whole {
            differences = texts
                .compare(store, document, *version, text.clone())
                .await?;
            if differences.as_ref().is_some_and(|d| d.genuine()) {
                hit.verdict = Verdict::Genuine;
            }
        }
    }
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
            let cached = downloads.lock().await.get(document).cloned();
            let registered = match cached {
                Some(d) => d,
                None => {
                    let d = Arc::new(store.registered_downloads(document).await?);
                    downloads.lock().await.insert(document.clone(), d.clone());
                    d
                }
            };
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
    })
}

struct Matcher<'a> {
    store: &'a Store,
    docs: HashMap<String, Option<DocInfo>>,
    decoder: Option<decode::DumpDecoder>,
}

impl Matcher<'_> {
    async fn doc(&mut self, id: &str) -> Result<Option<DocInfo>, Error> {
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
    async fn item(&mut self, looked: Looked) -> Result<Item, Error> {
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
            added_examples: d.added_examples,
            removed_examples: d.removed_examples,
        });
        item.verdict = hit.verdict.as_str().into();
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
                if let (Some(decoder), Some((downloads, reads)), true) = (
                    self.decoder.as_mut(),
                    looked.reads,
                    matches!(item.verdict.as_str(), "genuine" | "altered" | "excerpt"),
                ) {
                    decoder.add(&item.path, &document, &downloads, reads);
                }
                item.document = Some(document);
                item.version = Some(version);
            }
            MatchSource::Public(id) => {
                item.verdict = "public".into();
                if let Some(r) = self.store.public_ref(id).await? {
                    item.title = Some(r.path);
                    item.public_source = Some(r.source);
                }
            }
        }
        Ok(item)
    }
}

fn hex(bytes: [u8; 32]) -> String {
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

/// Anchors looked up per file at most (see [`Fingerprint::lookup`]): a
/// source holding a share `s` of the file shares about `64·s` of them —
/// all for an excerpt, some 20 for an altered copy at the Jaccard floor.
/// 256, 128 and 64 gave the same report for all 2,212 text files of the
/// benchmark dump at 10⁵ versions and the same linux-doc counts; 32 lost
/// a linux-doc file that shares a sixth of its text with its source. The
/// anchor statement is the costliest of triage's index reads (64: text
/// triage −6–9 % wall).
const QUERY_ANCHORS: usize = 64;

/// A candidate is classified only if its evidence (shared band keys and
/// anchors) is at least 1/`MIN_EVIDENCE_SHARE` of the best candidate's.
const MIN_EVIDENCE_SHARE: u32 = 4;

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
    while let Some(looked) = looked_rx.recv().await {
        let looked = looked?;
        bytes += looked.analyzed.size;
        items.push(matcher.item(looked).await?);
        pb.set_position(progress.input_bytes.load(Ordering::Relaxed));
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        pb.set_message(format!(
            "{} files, {:.0} files/s",
            items.len(),
            items.len() as f64 / secs
        ));
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
    for i in &items {
        if let (Some(d), "genuine" | "altered" | "excerpt") = (&i.document, i.verdict.as_str()) {
            matched.entry(d.clone()).or_default().push(i.path.clone());
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

/// What `public add` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicAdded {
    /// Files registered with a fingerprint.
    pub indexed: u64,
    /// Files registered by bytes only (text not extracted).
    pub bytes_only: u64,
    /// Items refused (not registered), with their problems.
    pub refused: Vec<(String, String)>,
}

/// Registers every file under `inputs` (archives included) as public
/// reference material from `source`.
pub async fn add_public(
    store: &Store,
    inputs: &[PathBuf],
    source: &str,
    opts: &Options,
    now: time::OffsetDateTime,
) -> Result<PublicAdded, Error> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Analyzed>(64);
    let walker = {
        let (inputs, opts) = (inputs.to_vec(), opts.clone());
        tokio::task::spawn_blocking(move || {
            walk_and_analyze(&inputs, &opts, None, Arc::new(Progress::default()), tx)
        })
    };
    let mut out = PublicAdded::default();
    while let Some(a) = rx.recv().await {
        let Some(sha) = a.sha256.filter(|_| !a.refused) else {
            out.refused
                .push((a.path, a.problem.unwrap_or_else(|| "not read".into())));
            continue;
        };
        if a.fingerprint.is_some() {
            out.indexed += 1;
        } else {
            out.bytes_only += 1;
        }
        let entry = index_entry(sha, a.fingerprint.as_ref(), a.problem, &opts.params);
        store.add_public_ref(source, &a.path, &entry, now).await?;
    }
    walker.await.map_err(|e| Error::Walker(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
