//! The costly part of triage, one worker per core: each leaf of the dump
//! extracted, normalised and fingerprinted (no more than its match needs),
//! its marked metadata and word spacing read while its bytes are in hand.

use crate::{
    decode,
    walk::{Leaf, Progress, Walker},
    Options,
};
use rampart_docmatch::{Fingerprint, NormalizedText, Params};
use rampart_store::{IndexEntry, IndexedHashes};
use std::{path::PathBuf, sync::Arc};

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
    /// The extracted text, kept for the watermark decoder, the word-by-word
    /// comparison and the rewrite search.
    pub text: Option<String>,
    /// The download id a PDF, DOCX or ODT names in its metadata.
    pub metadata_download: Option<String>,
    /// The download-id prefixes the text's layer sentinels name
    /// ([`rampart_docmatch::sentinel_downloads`]): a lead that chooses among
    /// equally supported matches.
    pub sentinel_downloads: Vec<String>,
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
        sentinel_downloads: Vec::new(),
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
                out.sentinel_downloads = rampart_docmatch::sentinel_downloads(&extracted.text);
                if opts.fingerprinter.is_some() {
                    out.metadata_download = metadata_download(extracted.format, &content);
                    if extracted.format == rampart_docmatch::Format::Pdf {
                        out.spacing = thin_spacing(rampart_fingerprint::read_pdf_spacing(&content));
                    }
                }
                if opts.fingerprinter.is_some() || opts.blobs.is_some() || opts.semantic.is_some() {
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
pub(crate) fn thin_spacing(
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
pub(crate) fn walk_and_analyze(
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
            // Public references are not searched.
            search: None,
        },
        None => IndexEntry {
            bytes_sha256,
            problem: Some(problem.unwrap_or_else(|| "not fingerprinted".into())),
            ..IndexEntry::default()
        },
    }
}
