//! Fingerprint decoding across a dump: who leaked it, and which download.
//!
//! Files are grouped by the document they matched. The watermark of every
//! file of a group is read for each version of that document that was ever
//! downloaded (code positions are derived per version), and the reads of
//! all files of the group add up. Each group is one test: every account
//! that downloaded the document is scored, and the ones at or above the
//! threshold are accused for the files of that group; the accused account's
//! downloads of the document are then scored on the download layer to name
//! the copy. One more test merges every group, so that a dump of many short
//! excerpts — each too short alone — still convicts its source.
//!
//! Error budget: an account takes part in up to `1 + groups` tests, so each
//! test runs at `ε / (1 + groups)` (a union bound): the probability that an
//! innocent account is accused anywhere in the report stays ≤ ε, the
//! fingerprint parameters' false-accusation target (10⁻⁶).
//!
//! Memory: each file contributes at most [`MAX_READS_PER_FILE`] reads
//! ([`Observations::thin`]), so a dump of thousands of files stays small.

use rampart_fingerprint::{
    AccountId, DownloadId, Fingerprinter, Observations, SpacingRead, VersionId,
};
use rampart_store::RegisteredDownload;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Reads kept per file: a few thousand positions convict a single leaker,
/// or each of three colluders, far above the threshold.
pub const MAX_READS_PER_FILE: usize = 4096;

/// One accusation for the files of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Accused {
    /// The account.
    pub account: AccountId,
    /// Its email.
    pub email: String,
    /// The download its copy most likely came from (highest score on the
    /// download layer), and whether that score reached its own threshold.
    pub download: Option<(RegisteredDownload, bool)>,
    /// The account's score in this test.
    pub score: f64,
    /// The test's threshold.
    pub threshold: f64,
}

/// What decoding found.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    /// Accusations per document id.
    pub by_document: BTreeMap<String, Vec<Accused>>,
    /// Accounts accused only by the merged test, with the documents of the
    /// dump they downloaded and on which their score was positive.
    pub merged_only: Vec<(Accused, Vec<String>)>,
    /// Files whose watermark was read.
    pub files_read: usize,
    /// Distinct account-layer positions read over the dump.
    pub positions: usize,
    /// Files of matched documents that carry no readable watermark.
    pub files_unmarked: usize,
}

#[derive(Default)]
struct Group {
    obs: Observations,
    downloads: Vec<RegisteredDownload>,
}

/// Collects the reads of a dump's files, then accuses.
pub struct DumpDecoder {
    fp: Fingerprinter,
    groups: BTreeMap<String, Group>,
    files_read: usize,
    files_unmarked: usize,
}

fn download_id(hex: &str) -> Option<DownloadId> {
    let id: rampart_domain::DownloadId = hex.parse().ok()?;
    Some(DownloadId(id.bytes()))
}

fn version_id(document: &str, version: i64) -> Option<VersionId> {
    let id: rampart_domain::DocumentId = document.parse().ok()?;
    Some(VersionId {
        document: id.bytes(),
        version,
    })
}

impl DumpDecoder {
    /// A decoder under `fp` (the server's secret and parameters).
    pub fn new(fp: Fingerprinter) -> Self {
        Self {
            fp,
            groups: BTreeMap::new(),
            files_read: 0,
            files_unmarked: 0,
        }
    }

    /// Reads the watermark of one file's extracted `text`, matched to
    /// `document` (and the word-spacing reads of a PDF file,
    /// [`rampart_fingerprint::read_pdf_spacing`]), under every version of
    /// it that `downloads` (the document's registered downloads) served
    /// marked; both add up. Pure and costly (a
    /// keyed hash per site and version): triage runs it on its lookup
    /// tasks, in parallel, and hands the reads to [`DumpDecoder::add`].
    pub fn read(
        fp: &Fingerprinter,
        document: &str,
        downloads: &[RegisteredDownload],
        text: &str,
        spacing: &[SpacingRead],
    ) -> Observations {
        let versions: BTreeSet<i64> = downloads
            .iter()
            .filter(|d| d.scheme != "unmarkable")
            .map(|d| d.version)
            .collect();
        let versions: Vec<VersionId> = versions
            .into_iter()
            .filter_map(|v| version_id(document, v))
            .collect();
        if versions.is_empty() {
            return Observations::new();
        }
        // Twice the reads kept: the thinning by position below still
        // chooses among them, the same way for every file.
        let mut obs = fp.extract_at_most(text, &versions, 2 * MAX_READS_PER_FILE);
        obs.extend(fp.observe_spacing(spacing, &versions));
        obs.thin(MAX_READS_PER_FILE * versions.len().min(4))
    }

    /// Adds one file's reads ([`DumpDecoder::read`]) to the test of
    /// `document`, whose registered downloads are `downloads`; whether the
    /// file carried any.
    pub fn add(
        &mut self,
        document: &str,
        downloads: &[RegisteredDownload],
        reads: Observations,
    ) -> bool {
        if !downloads.iter().any(|d| d.scheme != "unmarkable") {
            // Never served marked: nothing to read, nothing missing.
            return false;
        }
        let group = self.groups.entry(document.to_owned()).or_default();
        if group.downloads.is_empty() {
            group.downloads = downloads.to_vec();
        }
        if reads.is_empty() {
            self.files_unmarked += 1;
            return false;
        }
        self.files_read += 1;
        group.obs.extend(reads);
        true
    }

    /// Scores every candidate and accuses (see the module docs).
    pub fn finish(self) -> Decoded {
        let mut out = Decoded {
            files_read: self.files_read,
            files_unmarked: self.files_unmarked,
            ..Decoded::default()
        };
        let groups: Vec<(&String, &Group)> = self
            .groups
            .iter()
            .filter(|(_, g)| !g.obs.is_empty())
            .collect();
        if groups.is_empty() {
            return out;
        }
        let epsilon = self.fp.params().false_accusation / (1 + groups.len()) as f64;
        let Ok(fp) = self.fp.with_false_accusation(epsilon) else {
            return out;
        };
        let mut emails: HashMap<AccountId, String> = HashMap::new();
        let mut merged = Observations::new();
        for (_, g) in &groups {
            for d in &g.downloads {
                emails.insert(AccountId(d.account.0), d.email.clone());
            }
            merged.extend(g.obs.clone());
        }
        let all: Vec<AccountId> = emails
            .keys()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // The merged test runs on a thread of its own while the documents'
        // tests run here: both are Chernoff threshold searches over every
        // read position, and triage waits for them after its last file
        // (measured: a sixth of the medium benchmark's wall time).
        let (acc, group_scores) = std::thread::scope(|scope| {
            let merged_test = scope.spawn(|| fp.accuse(&merged, &all));
            let group_scores = test_documents(&fp, &groups, &emails, &mut out);
            match merged_test.join() {
                Ok(acc) => (acc, group_scores),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        out.positions = acc.positions;
        for s in acc.accused() {
            let already = out
                .by_document
                .values()
                .any(|v| v.iter().any(|a| a.account == s.account));
            if already {
                continue;
            }
            let docs: Vec<String> = group_scores
                .get(&s.account)
                .map(|v| {
                    v.iter()
                        .filter(|(_, score)| *score > 0.0)
                        .map(|(d, _)| d.clone())
                        .collect()
                })
                .unwrap_or_default();
            out.merged_only.push((
                Accused {
                    account: s.account,
                    email: emails.get(&s.account).cloned().unwrap_or_default(),
                    download: None,
                    score: s.score,
                    threshold: acc.threshold,
                },
                docs,
            ));
        }
        out
    }
}

/// Each document's own test; returns every account's score per
/// document, for the merged test's report.
fn test_documents(
    fp: &Fingerprinter,
    groups: &[(&String, &Group)],
    emails: &HashMap<AccountId, String>,
    out: &mut Decoded,
) -> HashMap<AccountId, Vec<(String, f64)>> {
    let mut group_scores: HashMap<AccountId, Vec<(String, f64)>> = HashMap::new();
    for (doc, g) in groups {
        let candidates: Vec<AccountId> = g
            .downloads
            .iter()
            .map(|d| AccountId(d.account.0))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let acc = fp.accuse(&g.obs, &candidates);
        for s in &acc.scores {
            group_scores
                .entry(s.account)
                .or_default()
                .push(((*doc).clone(), s.score));
        }
        let accused: Vec<Accused> = acc
            .accused()
            .map(|s| Accused {
                account: s.account,
                email: emails.get(&s.account).cloned().unwrap_or_default(),
                download: best_download(fp, &g.obs, s.account, doc, &g.downloads),
                score: s.score,
                threshold: acc.threshold,
            })
            .collect();
        if !accused.is_empty() {
            out.by_document.insert((*doc).clone(), accused);
        }
    }
    group_scores
}

/// The accused account's download of `document` that scores highest on the
/// download layer, and whether it reached the threshold.
fn best_download(
    fp: &Fingerprinter,
    obs: &Observations,
    account: AccountId,
    document: &str,
    downloads: &[RegisteredDownload],
) -> Option<(RegisteredDownload, bool)> {
    let mine: Vec<&RegisteredDownload> = downloads
        .iter()
        .filter(|d| d.account.0 == account.0 && d.scheme != "unmarkable")
        .collect();
    let candidates: Vec<(DownloadId, VersionId)> = mine
        .iter()
        .filter_map(|d| Some((download_id(&d.id)?, version_id(document, d.version)?)))
        .collect();
    let best = fp
        .score_downloads(obs, account, &candidates)
        .into_iter()
        .next()?;
    let row = mine
        .into_iter()
        .find(|d| download_id(&d.id) == Some(best.download))?;
    Some((row.clone(), best.matched))
}
