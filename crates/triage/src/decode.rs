//! Fingerprint decoding across a dump: who leaked each file, and which
//! download.
//!
//! Files are grouped by the document they matched. The watermark of every
//! file is read for each version of that document that was ever downloaded
//! (code positions are derived per version). Then three kinds of test, each
//! scoring every account that downloaded the document:
//!
//! 1. **each file on its own reads**: an account accused here is named on
//!    that file, and only there — a page extract of one reader's copy must
//!    not name the reader whose pages sit in another file of the dump;
//! 2. **each document on its files' reads together** (when the dump holds
//!    two or more of its files): an account convicted here but by none of
//!    those files alone is reported at the document, with the files on
//!    which it scored positive — never on a file;
//! 3. **each account on every document of the dump it downloaded**, joined
//!    (its score there is the sum of its scores in the documents' tests, the
//!    threshold that of their positions together), so that a dump of many
//!    short excerpts — each too short alone — still convicts its source.
//!
//! Error budget: an innocent account takes part in one test per file of the
//! documents it downloaded, one per such document with several files, and
//! one joined test; every test runs at `ε / n`, `n` the largest such count
//! over the accounts of the dump (a union bound): the probability that an
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

/// One accusation.
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
    /// Accounts convicted by a file's own reads, per dump path.
    pub by_file: BTreeMap<String, Vec<Accused>>,
    /// Accounts convicted only by a document's files together, per document
    /// id, each with the files on which it scored positive.
    pub by_document: BTreeMap<String, Vec<(Accused, Vec<String>)>>,
    /// Accounts convicted only by the joined test, with the documents of
    /// the dump they downloaded and on which their score was positive.
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
    /// Each file's path and reads.
    files: Vec<(String, Observations)>,
    downloads: Vec<RegisteredDownload>,
}

impl Group {
    fn candidates(&self) -> Vec<AccountId> {
        self.downloads
            .iter()
            .map(|d| AccountId(d.account.0))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
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
        //
        // The text's own marks are read exactly where they survive; the
        // word gaps of a re-saved PDF less so, and a long PDF has ten times
        // as many gaps as marks read. So the marks come first and the gaps
        // fill what room is left: thinned together, a Ghostscript re-save
        // of an 87-page manual kept a tenth of its marks, and its gaps,
        // moved by the re-save, no longer convicted its recipient.
        let budget = MAX_READS_PER_FILE * versions.len().min(4);
        let mut obs = fp
            .extract_at_most(text, &versions, MAX_READS_PER_FILE)
            .thin(budget);
        let room = budget.saturating_sub(obs.len());
        obs.extend(fp.observe_spacing(spacing, &versions).thin(room));
        obs
    }

    /// Adds the reads ([`DumpDecoder::read`]) of the file at `path` to the
    /// tests of `document`, whose registered downloads are `downloads`;
    /// whether the file carried any.
    pub fn add(
        &mut self,
        path: &str,
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
        group.files.push((path.to_owned(), reads));
        true
    }

    /// Runs every test and accuses (see the module docs).
    pub fn finish(self) -> Decoded {
        let mut out = Decoded {
            files_read: self.files_read,
            files_unmarked: self.files_unmarked,
            ..Decoded::default()
        };
        let groups: Vec<(&String, &Group)> = self
            .groups
            .iter()
            .filter(|(_, g)| !g.files.is_empty())
            .collect();
        if groups.is_empty() {
            return out;
        }
        let epsilon = self.fp.params().false_accusation / tests_per_account(&groups) as f64;
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
        // The joined test of each account joins the tests of the documents
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
        let accused_somewhere: BTreeSet<AccountId> = out
            .by_file
            .values()
            .flatten()
            .chain(out.by_document.values().flatten().map(|(a, _)| a))
            .map(|a| a.account)
            .collect();
        for (account, (score, evidence, docs)) in joined {
            if accused_somewhere.contains(&account) {
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

/// The most tests any account of the dump takes part in: one per file of
/// each document it downloaded, one per such document with several files,
/// and the joined one.
fn tests_per_account(groups: &[(&String, &Group)]) -> usize {
    let mut count: HashMap<AccountId, usize> = HashMap::new();
    for (_, g) in groups {
        let per = g.files.len() + usize::from(g.files.len() > 1);
        for a in g.candidates() {
            *count.entry(a).or_default() += per;
        }
    }
    count.values().copied().max().unwrap_or(0) + 1
}

/// Each document's tests (see the module docs), with the document and the
/// test that stands for it in the joined one. The tests are independent and
/// triage waits for them after its last file, so they run on every core.
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
    for t in done.into_iter().flatten() {
        for (path, accused) in t.by_file {
            out.by_file.insert(path, accused);
        }
        if !t.together.is_empty() {
            out.by_document.insert(t.document.clone(), t.together);
        }
        tests.push((t.document, t.test));
    }
    tests
}

/// What one document's tests found.
struct Tested<'g> {
    document: &'g String,
    /// Accused per file of the document (files that accuse nobody are left
    /// out).
    by_file: Vec<(String, Vec<Accused>)>,
    /// Accused by the files together only, with the files they scored on.
    together: Vec<(Accused, Vec<String>)>,
    /// The document's test on all its files (its one file's test when it
    /// has one), for the joined test.
    test: Accusation,
}

fn accused_of(
    fp: &Fingerprinter,
    test: &Accusation,
    obs: &Observations,
    doc: &str,
    g: &Group,
    emails: &HashMap<AccountId, String>,
) -> Vec<Accused> {
    test.accused()
        .map(|s| Accused {
            account: s.account,
            email: emails.get(&s.account).cloned().unwrap_or_default(),
            download: best_download(fp, obs, s.account, doc, &g.downloads),
            score: s.score,
            threshold: test.threshold,
        })
        .collect()
}

fn test_document<'g>(
    fp: &Fingerprinter,
    (doc, g): (&'g String, &Group),
    emails: &HashMap<AccountId, String>,
) -> Tested<'g> {
    let candidates = g.candidates();
    let mut by_file = Vec::new();
    let mut file_tests = Vec::with_capacity(g.files.len());
    for (path, obs) in &g.files {
        let test = fp.accuse(obs, &candidates);
        let accused = accused_of(fp, &test, obs, doc, g, emails);
        if !accused.is_empty() {
            by_file.push((path.clone(), accused));
        }
        file_tests.push(test);
    }
    let mut together = Vec::new();
    let test = if g.files.len() == 1 {
        file_tests
            .pop()
            .unwrap_or_else(|| fp.accuse(&Observations::new(), &candidates))
    } else {
        let mut all = Observations::new();
        for (_, obs) in &g.files {
            all.extend(obs.clone());
        }
        let test = fp.accuse(&all, &candidates);
        let by_a_file: BTreeSet<AccountId> = by_file
            .iter()
            .flat_map(|(_, a)| a.iter().map(|a| a.account))
            .collect();
        for accused in accused_of(fp, &test, &all, doc, g, emails) {
            if by_a_file.contains(&accused.account) {
                continue;
            }
            let files = g
                .files
                .iter()
                .zip(&file_tests)
                .filter(|(_, t)| {
                    t.scores
                        .iter()
                        .any(|s| s.account == accused.account && s.score > 0.0)
                })
                .map(|((path, _), _)| path.clone())
                .collect();
            together.push((accused, files));
        }
        test
    };
    Tested {
        document: doc,
        by_file,
        together,
        test,
    }
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
            decoder.add(&format!("f{n}.txt"), &document, &downloads, kept);
        }
        let decoded = decoder.finish();
        assert!(decoded.by_file.is_empty(), "{:?}", decoded.by_file);
        assert!(decoded.by_document.is_empty(), "{:?}", decoded.by_document);
        let merged: Vec<AccountId> = decoded.merged_only.iter().map(|(a, _)| a.account).collect();
        assert_eq!(merged, vec![AccountId(leaker)]);
        let (accused, docs) = &decoded.merged_only[0];
        assert!(accused.score >= accused.threshold);
        assert_eq!(accused.email, "a1@example.org");
        assert!(docs.len() > documents / 2, "{docs:?}");
    }

    fn marked_copy(
        fp: &Fingerprinter,
        text: &str,
        document: &str,
        d: &RegisteredDownload,
    ) -> String {
        let mark = Mark {
            account: AccountId(d.account.0),
            download: download_id(&d.id).unwrap(),
            version: version_id(document, 1).unwrap(),
        };
        let marked = fp.embed(Format::PlainText, text.as_bytes(), &mark).unwrap();
        String::from_utf8(marked.bytes).unwrap()
    }

    /// Two files of one document, each a part of a different recipient's
    /// copy: each file names its own recipient and only it; and two parts
    /// of one copy, each too short alone, name their recipient at the
    /// document, never on a file.
    #[test]
    fn each_file_names_only_the_recipient_whose_copy_it_carries() {
        let fp = Fingerprinter::new(&ServerSecret::new([7u8; 32]), Params::default()).unwrap();
        let text = std::fs::read_to_string("/usr/share/common-licenses/GPL-3").unwrap();
        let document = format!("{:032x}", 99);
        let downloads = vec![download(1, 99), download(2, 99), download(3, 99)];
        let ann = marked_copy(&fp, &text, &document, &downloads[0]);
        let bob = marked_copy(&fp, &text, &document, &downloads[1]);
        let half = |t: &str, second: bool| {
            let words: Vec<&str> = t.split_inclusive(char::is_whitespace).collect();
            let mid = words.len() / 2;
            if second {
                words[mid..].concat()
            } else {
                words[..mid].concat()
            }
        };
        let mut decoder = DumpDecoder::new(fp.clone());
        for (path, part) in [
            ("ann.txt", half(&ann, false)),
            ("bob.txt", half(&bob, true)),
        ] {
            let reads = DumpDecoder::read(&fp, &document, &downloads, &part, &[]);
            assert!(decoder.add(path, &document, &downloads, reads));
        }
        let decoded = decoder.finish();
        let named = |path: &str| -> Vec<String> {
            decoded
                .by_file
                .get(path)
                .into_iter()
                .flatten()
                .map(|a| a.email.clone())
                .collect()
        };
        assert_eq!(named("ann.txt"), ["a1@example.org"]);
        assert_eq!(named("bob.txt"), ["a2@example.org"]);
        assert!(decoded.by_document.is_empty() && decoded.merged_only.is_empty());

        // Three short parts of ann's copy: none convicts alone (found by
        // shortening until none does), together they do, at the document.
        let alone = fp
            .with_false_accusation(fp.params().false_accusation / 5.0)
            .unwrap();
        let words: Vec<&str> = ann.split_inclusive(char::is_whitespace).collect();
        let starts = [0, words.len() / 3, 2 * words.len() / 3];
        let part = |from: usize, len: usize| words[from..from + len].concat();
        let convicts = |from: usize, len: usize| {
            let reads = DumpDecoder::read(&fp, &document, &downloads, &part(from, len), &[]);
            alone.accuse(&reads, &[AccountId(1)]).scores[0].accused
        };
        let mut len = words.len() / 4;
        while len > 20 && starts.iter().any(|&from| convicts(from, len)) {
            len = len * 19 / 20;
        }
        let mut decoder = DumpDecoder::new(fp.clone());
        for (path, from) in ["p1.txt", "p2.txt", "p3.txt"].into_iter().zip(starts) {
            let reads = DumpDecoder::read(&fp, &document, &downloads, &part(from, len), &[]);
            decoder.add(path, &document, &downloads, reads);
        }
        let decoded = decoder.finish();
        assert!(decoded.by_file.is_empty(), "{:?}", decoded.by_file);
        let together = &decoded.by_document[&document];
        assert_eq!(together.len(), 1, "{together:?}");
        assert_eq!(together[0].0.email, "a1@example.org");
        // The files it scored positive on: some of the three, not others.
        let files = &together[0].1;
        assert!(
            !files.is_empty()
                && files
                    .iter()
                    .all(|f| ["p1.txt", "p2.txt", "p3.txt"].contains(&f.as_str()))
        );
    }
}
