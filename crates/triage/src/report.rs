//! The triage report (DESIGN.md §9) and its terminal and JSON writers.
//!
//! The §9 fields are the contract: an item's `accused` holds only accounts
//! its own reads convict, and `documents[].accused` (`account`, `score`,
//! `threshold`, `files`) the accounts only several files together convict.
//! This crate adds, without changing them: `problem` on items (what was
//! refused or could not be read), `public_source` on `public` items,
//! `containment` and `metadata_download` on matched items, `threshold` and
//! `download_confirmed` on accusations; on each document its `title`,
//! `community`, `files`, every recorded download (`downloads`,
//! `downloads_total`: the audit trail to examine, *not* an accusation) and
//! `basis` on its accusations (which test convicts, in words); `notes`; and
//! on items compared word by word with their version, `differences`
//! (added, removed, moved, rejoined, debris, `layout`, examples, and
//! `complete`).

use serde::Serialize;
use std::fmt::Write as _;

/// The verdicts of DESIGN.md §9: its five, and `rewritten` (issue 25).
pub const VERDICTS: [&str; 6] = [
    "genuine",
    "altered",
    "excerpt",
    "rewritten",
    "public",
    "unknown",
];

/// The whole report.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    /// The dump argument(s), comma-separated.
    pub dump: String,
    /// Number of items (files found, plus refusals).
    pub files: u64,
    /// Total bytes of the files read.
    pub bytes: u64,
    /// Items per verdict (all five always present).
    pub summary: Summary,
    /// One entry per file, sorted by path.
    pub items: Vec<Item>,
    /// Accused accounts (only accounts with fingerprint evidence).
    pub accounts: Vec<Account>,
    /// Additive: downloads of every matched document (audit trail).
    pub documents: Vec<DocumentDownloads>,
    /// Additive: what the reader must know to interpret the report.
    pub notes: Vec<String>,
}

/// Counts per verdict.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Same text as a version we hold.
    pub genuine: u64,
    /// Near-duplicate, edited.
    pub altered: u64,
    /// A part of a version.
    pub excerpt: u64,
    /// Additive: a paraphrase or summary of a version (no word sequence
    /// shared, its passages aligned in order).
    pub rewritten: u64,
    /// Already released.
    pub public: u64,
    /// Matches nothing (or was refused).
    pub unknown: u64,
}

impl Summary {
    /// Adds one item.
    pub fn count(&mut self, verdict: &str) {
        match verdict {
            "genuine" => self.genuine += 1,
            "altered" => self.altered += 1,
            "excerpt" => self.excerpt += 1,
            "rewritten" => self.rewritten += 1,
            "public" => self.public += 1,
            _ => self.unknown += 1,
        }
    }

    /// The count of a verdict.
    pub fn get(&self, verdict: &str) -> u64 {
        match verdict {
            "genuine" => self.genuine,
            "altered" => self.altered,
            "excerpt" => self.excerpt,
            "rewritten" => self.rewritten,
            "public" => self.public,
            _ => self.unknown,
        }
    }
}

/// One file of the dump.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Item {
    /// Path in the dump (`archive!/member` inside archives).
    pub path: String,
    /// SHA-256 of the file's bytes (hex), when it was read.
    pub sha256: Option<String>,
    /// `genuine`, `altered`, `excerpt`, `rewritten`, `public` or `unknown`.
    pub verdict: String,
    /// Matched document id.
    pub document: Option<String>,
    /// Matched version.
    pub version: Option<i64>,
    /// Matched document's title (or the public reference's path).
    pub title: Option<String>,
    /// Matched document's community (`portal/community`).
    pub community: Option<String>,
    /// Jaccard similarity of the shingle sets (1.0 for genuine); for
    /// `rewritten`, the mean cosine of the aligned passages.
    pub similarity: Option<f64>,
    /// Accounts the fingerprint decoder accuses for this copy.
    pub accused: Vec<Accusation>,
    /// Additive: what was refused or could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Additive: where a `public` match was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_source: Option<String>,
    /// Additive: share of the file's text found in the matched version
    /// (for `rewritten`, the share of its passages aligned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub containment: Option<f64>,
    /// Additive: the download id written in the file's metadata (PDF,
    /// DOCX, ODT). Metadata is easily edited: a lead, not evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_download: Option<String>,
    /// Additive: for a near-whole match, what a word-by-word comparison
    /// with the version found once extraction's differences are set aside.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differences: Option<WordDifferences>,
    /// Additive: for `rewritten`, the passages that align, side by side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<RewriteEvidence>,
}

/// Why a file is a rewrite of a version: its passages aligned in order
/// with the version's, by meaning (sentence embeddings), not by words.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RewriteEvidence {
    /// The file's passages considered.
    pub file_passages: usize,
    /// The version's passages.
    pub document_passages: usize,
    /// The aligned pairs, in order.
    pub pairs: Vec<AlignedPassage>,
}

/// A passage of the file beside the passage of ours it aligns with.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AlignedPassage {
    /// The file's passage.
    pub leaked: String,
    /// Ours.
    pub ours: String,
    /// Their cosine similarity.
    pub similarity: f64,
}

/// A word-by-word comparison of a file with the version it matched.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct WordDifferences {
    /// Words in the file that are not in the version.
    pub added: usize,
    /// Words of the version missing from the file.
    pub removed: usize,
    /// Words in another place (set aside: extractors order text otherwise).
    pub moved: usize,
    /// Words split or joined otherwise (set aside).
    pub rejoined: usize,
    /// Words of formula or symbol debris extractors read each their own way
    /// (set aside).
    pub debris: usize,
    /// Additive: of the words added and removed, those in tables, figure
    /// labels and listings (longer runs that do not read as prose), which
    /// extractors read each their own way (set aside up to 2 % of the
    /// version's words).
    pub layout: usize,
    /// Additive: false when the comparison ran out of time (a text too
    /// far from the version to align within the time allowed);
    /// the verdict then stays `altered`.
    pub complete: bool,
    /// The longest added passages.
    pub added_examples: Vec<String>,
    /// The longest removed passages.
    pub removed_examples: Vec<String>,
}

/// A decoded fingerprint pointing at one download.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Accusation {
    /// The account's email.
    pub account: String,
    /// Download id.
    pub download: String,
    /// When (RFC 3339).
    pub downloaded_at: String,
    /// Decoder score.
    pub score: f64,
    /// Additive: the accusation threshold the score was compared with.
    pub threshold: f64,
    /// Additive: whether the download layer names this download on its
    /// own (else it is the best-scoring of the account's downloads).
    pub download_confirmed: bool,
}

/// An accused account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Account {
    /// Email.
    pub account: String,
    /// Dump paths attributed to it.
    pub files: Vec<String>,
    /// First download (RFC 3339).
    pub first_access: String,
    /// Last download (RFC 3339).
    pub last_access: String,
    /// Documents it downloaded that are not in the dump.
    pub also_downloaded: Vec<AlsoDownloaded>,
}

/// A download of a document not found in the dump.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlsoDownloaded {
    /// Document id.
    pub document: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: i64,
    /// When (RFC 3339).
    pub downloaded_at: String,
}

/// Downloads of one matched document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentDownloads {
    /// Document id.
    pub document: String,
    /// Title.
    pub title: String,
    /// `portal/community`.
    pub community: String,
    /// Dump paths that matched it (rewritten ones included: see
    /// `rewritten`).
    pub files: Vec<String>,
    /// Additive: those of `files` that are rewrites of it. A rewrite
    /// carries no watermark: its recipients below are leads to examine,
    /// never accused on its account.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rewritten: Vec<String>,
    /// Number of recorded downloads (the list may be capped).
    pub downloads_total: i64,
    /// Accounts convicted only by several files of the dump together (this
    /// document's files, or every document of the dump it downloaded): they
    /// are named here, never on a file, since no single file convicts them.
    pub accused: Vec<DocumentAccusation>,
    /// Recorded downloads, oldest first.
    pub downloads: Vec<DownloadEntry>,
}

/// An account convicted by several files together.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentAccusation {
    /// The account's email.
    pub account: String,
    /// Its score in the test that convicts it.
    pub score: f64,
    /// That test's threshold.
    pub threshold: f64,
    /// The files of this document on which it scored positive.
    pub files: Vec<String>,
    /// Additive: which test convicts it, in words.
    pub basis: String,
}

/// One recorded download.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DownloadEntry {
    /// Recipient's email.
    pub account: String,
    /// Download id.
    pub download: String,
    /// Version.
    pub version: i64,
    /// When (RFC 3339).
    pub downloaded_at: String,
}

impl Report {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The terminal summary.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Triage of {}: {} files, {}",
            self.dump,
            self.files,
            human_bytes(self.bytes)
        );
        let refused = self.items.iter().filter(|i| i.problem.is_some()).count();
        for v in VERDICTS {
            let n = self.summary.get(v);
            if v == "unknown" && refused > 0 {
                let _ = writeln!(s, "  {v:<9} {n:>7}  ({refused} with a problem)");
            } else {
                let _ = writeln!(s, "  {v:<9} {n:>7}");
            }
        }
        let matched: Vec<&Item> = self
            .items
            .iter()
            .filter(|i| i.verdict != "unknown")
            .collect();
        if !matched.is_empty() {
            let _ = writeln!(s, "Matched files:");
            for i in matched.iter().take(30) {
                let _ = writeln!(
                    s,
                    "  {:<9} {}  →  {} ({}{}) {}",
                    i.verdict,
                    i.path,
                    i.title.as_deref().unwrap_or("?"),
                    i.community.as_deref().unwrap_or("public reference"),
                    i.version.map(|v| format!(", v{v}")).unwrap_or_default(),
                    i.similarity
                        .map(|x| format!("similarity {x:.2}"))
                        .unwrap_or_default()
                );
            }
            if matched.len() > 30 {
                let _ = writeln!(
                    s,
                    "  … and {} more (see the JSON report)",
                    matched.len() - 30
                );
            }
        }
        self.accused_text(&mut s);
        for n in &self.notes {
            let _ = writeln!(s, "Note: {n}");
        }
        s
    }
}

impl Report {
    /// Each accused account with the files that accuse it and what else it
    /// took, for the terminal.
    fn accused_text(&self, s: &mut String) {
        if self.accounts.is_empty() {
            let _ = writeln!(s, "Accused accounts: none");
            return;
        }
        let _ = writeln!(s, "Accused accounts: {}", self.accounts.len());
        for a in &self.accounts {
            let _ = writeln!(
                s,
                "  {}  (downloads from {} to {})",
                a.account,
                crate::html::readable_time(&a.first_access),
                crate::html::readable_time(&a.last_access)
            );
            for i in self.items.iter() {
                for x in i.accused.iter().filter(|x| x.account == a.account) {
                    let _ = writeln!(
                        s,
                        "    accused by {}  ({} of {}, score {:.1} / {:.1}, download {})",
                        i.path,
                        i.verdict,
                        i.title.as_deref().unwrap_or("?"),
                        x.score,
                        x.threshold,
                        if x.download.is_empty() {
                            "not named"
                        } else {
                            &x.download
                        }
                    );
                }
            }
            for d in &self.documents {
                for x in d.accused.iter().filter(|x| x.account == a.account) {
                    let _ = writeln!(
                        s,
                        "    accused for {} by {} (score {:.1} / {:.1}): {}",
                        d.title,
                        x.basis,
                        x.score,
                        x.threshold,
                        x.files.join(", ")
                    );
                }
            }
            let taken = &a.also_downloaded;
            if !taken.is_empty() {
                let titles: Vec<&str> = taken.iter().take(5).map(|d| d.title.as_str()).collect();
                let _ = writeln!(
                    s,
                    "    also downloaded {} not in the dump: {}{}",
                    plural(taken.len(), "document", "documents"),
                    titles.join("; "),
                    if taken.len() > 5 {
                        "; … (see the report)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `12.3 MB` style sizes.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
