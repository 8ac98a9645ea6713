//! Fingerprint decoding across a dump: who leaked it, and which download.
//!
//! Files are grouped by the document they matched. The watermark of every
//! file of a group is read for each version of that document that was ever
//! downloaded (code positions are derived per version), and the reads of
//! all files of the group add up. Each group is one test: every account
//! that downloaded the document is scored, and the ones at or above the
//! threshold are accused for the files of that group; the accused account's
//! downloads of the document are then scored on the download layer to name
//! the copy. One more test per account joins the groups of the documents it
//! downloaded (its score there is the sum of its scores in them, the
//! threshold that of their positions together), so that a dump of many
//! short excerpts — each too short alone — still convicts its source.
//!
//! Error budget: an account takes part in up to `1 + groups` tests, so each
//! test runs at `ε / (1 + groups)` (a union bound): the probability that an
//! innocent account is accused anywhere in the report stays ≤ ε, the
//! fingerprint parameters' false-accusation target (10⁻⁶).
//!
//! Memory: each file contributes at most [`MAX_READS_PER_FILE`] reads
//! ([`Observations::thin`]), so a dump of thousands of files stays small.

use rampart_fingerprint::{
    AccountId, Accusation, DownloadId, Evidence, Fingerprinter, Observations, SpacingRead,
    VersionId,
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
        // The reader samples sites by their content, the same way in every
        // copy of a text, so it names no more than are kept: each one costs
        // a keyed hash, and one more per version. The thinning by position
        // below bounds a document of many versions and a PDF's spacing.
        let mut obs = fp.extract_at_most(text, &versions, MAX_READS_PER_FILE);
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
        for (_, g) in &groups {
            for d in &g.downloads {
                emails.insert(AccountId(d.account.0), d.email.clone());
            }
        }
        let tests = test_documents(&fp, &groups, &emails, &mut out);
        out.positions = tests.iter().map(|(_, t)| t.positions).sum();
        // The merged test of each account joins the tests of the documents
        // it downloaded: its code word was served nowhere else, so other
        // positions would only add noise to its score (and cost a keyed
        // hash each: scoring every account on every position of the dump
        // was a seventh of triaging the benchmark's served copies). Its
        // score there is the sum of its scores in those tests.
        let mut joined: BTreeMap<AccountId, (f64, Vec<&Evidence>, Vec<String>)> = BTreeMap::new();
        for (doc, t) in &tests {
            for s in &t.scores {
                let j = joined.entry(s.account).or_default();
                j.0 += s.score;
                j.1.push(&t.evidence);
                if s.score > 0.0 {
                    j.2.push((*doc).clone());
                }
            }
        }
        for (account, (score, evidence, docs)) in joined {
            let already = out
                .by_document
                .values()
                .any(|v| v.iter().any(|a| a.account == account));
            if already {
                continue;
            }
            let threshold = fp.joint_threshold(&evidence);
            if score < threshold {
                continue;
            }
            out.merged_only.push((
                Accused {
                    account,
                    email: emails.get(&account).cloned().unwrap_or_default(),
                    download: None,
                    score,
                    threshold,
                },
                docs,
            ));
        }
        out.merged_only
            .sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
        out
    }
}

/// Each document's own test, with the document it tested. The tests are
/// independent and triage waits for them after its last file, so they run
/// on every core.
fn test_documents<'g>(
    fp: &Fingerprinter,
    groups: &[(&'g String, &Group)],
    emails: &HashMap<AccountId, String>,
    out: &mut Decoded,
) -> Vec<(&'g String, Accusation)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = groups.len().div_ceil(cores).max(1);
    let done: Vec<Vec<Tested<'g>>> = std::thread::scope(|scope| {
        let running: Vec<_> = groups
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|g| test_document(fp, *g, emails)).collect())
            })
            .collect();
        running
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut tests = Vec::with_capacity(groups.len());
    for (doc, acc, accused) in done.into_iter().flatten() {
        if !accused.is_empty() {
            out.by_document.insert(doc.clone(), accused);
        }
        tests.push((doc, acc));
    }
    tests
}

/// A document, its test and the accounts it accuses.
type Tested<'g> = (&'g String, Accusation, Vec<Accused>);

fn test_document<'g>(
    fp: &Fingerprinter,
    (doc, g): (&'g String, &Group),
    emails: &HashMap<AccountId, String>,
) -> Tested<'g> {
    let candidates: Vec<AccountId> = g
        .downloads
        .iter()
        .map(|d| AccountId(d.account.0))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let acc = fp.accuse(&g.obs, &candidates);
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
    (doc, acc, accused)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use rampart_fingerprint::{Format, Mark, Params, ServerSecret};

    fn download(account: i64, document: usize) -> RegisteredDownload {
        RegisteredDownload {
            id: format!("{account:016x}{document:016x}"),
            account: rampart_domain::AccountId(account),
            email: format!("a{account}@example.org"),
            version: 1,
            time: time::OffsetDateTime::UNIX_EPOCH,
            scheme: "text".into(),
        }
    }

    /// Short excerpts of many documents, each too short to convict alone,
    /// convict their source together; accounts that downloaded a few of
    /// those documents, or all of them but leaked none, are not accused.
    #[test]
    fn short_excerpts_of_many_documents_convict_their_source_together() {
        let fp = Fingerprinter::new(&ServerSecret::new([42u8; 32]), Params::default()).unwrap();
        let text = std::fs::read_to_string("/usr/share/common-licenses/GPL-2").unwrap();
        let (leaker, bystander, everyone) = (1i64, 2i64, 3i64);
        let documents = 12;
        let mut decoder = DumpDecoder::new(fp.clone());
        // The documents' tests run at ε / (1 + documents).
        let alone = fp
            .with_false_accusation(fp.params().false_accusation / (1 + documents) as f64)
            .unwrap();
        for n in 0..documents {
            let document = format!("{n:032x}");
            let mut downloads = vec![download(leaker, n), download(everyone, n)];
            if n < 3 {
                downloads.push(download(bystander, n));
            }
            let d = &downloads[0];
            let mark = Mark {
                account: AccountId(leaker),
                download: download_id(&d.id).unwrap(),
                version: version_id(&document, 1).unwrap(),
            };
            let marked = fp.embed(Format::PlainText, text.as_bytes(), &mark).unwrap();
            let marked = String::from_utf8(marked.bytes).unwrap();
            // The longest excerpt from a different place in each document
            // that does not convict in the document's own test.
            let words: Vec<&str> = marked.split_inclusive(char::is_whitespace).collect();
            let from = n * words.len() / documents;
            let mut kept = Observations::new();
            for len in (10..words.len() - from).step_by(5) {
                let excerpt = words[from..from + len].concat();
                let reads = DumpDecoder::read(&fp, &document, &downloads, &excerpt, &[]);
                if alone.accuse(&reads, &[AccountId(leaker)]).scores[0].accused {
                    break;
                }
                kept = reads;
            }
            assert!(!kept.is_empty());
            decoder.add(&document, &downloads, kept);
        }
        let decoded = decoder.finish();
        assert!(decoded.by_document.is_empty(), "{:?}", decoded.by_document);
        let merged: Vec<AccountId> = decoded.merged_only.iter().map(|(a, _)| a.account).collect();
        assert_eq!(merged, vec![AccountId(leaker)]);
        let (accused, docs) = &decoded.merged_only[0];
        assert!(accused.score >= accused.threshold);
        assert_eq!(accused.email, "a1@example.org");
        assert!(docs.len() > documents / 2, "{docs:?}");
    }
}
