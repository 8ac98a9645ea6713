//! `audit verify`: recompute the whole tree from the stored entries and
//! compare it with everything else we keep — the stored hashes (which the
//! tiles are made of), the log head, every signed checkpoint, and optionally
//! a checkpoint kept elsewhere. Any edit, deletion, reordering or truncation
//! shows up as a finding naming the first index that is wrong.

use super::LoggedRow;
use crate::{Error, Result, Store};
use rampart_tlog::{leaf_hash, stored_hash_index, Checkpoint, Hash, RightEdge, VerifierList};
use std::collections::BTreeMap;

/// One thing that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The first leaf index concerned, when there is one.
    pub index: Option<u64>,
    /// What is wrong, in words.
    pub problem: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Entries found.
    pub entries: u64,
    /// Root recomputed from them.
    pub root: Hash,
    /// Checkpoints checked.
    pub checkpoints: usize,
    /// Everything that failed, ordered by index.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether everything holds.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// The first problem, in one line.
    pub fn first_problem(&self) -> Option<String> {
        self.findings.first().map(|f| match f.index {
            Some(i) => format!("at index {i}: {}", f.problem),
            None => f.problem.clone(),
        })
    }

    /// What to remember of this run.
    pub fn record(&self, time_ms: i64) -> super::VerificationRecord {
        super::VerificationRecord {
            time: time_ms,
            ok: self.ok(),
            entries: self.entries,
            problem: self.first_problem(),
        }
    }
}

const CHUNK: u32 = 8192;

fn bad(index: u64, problem: String) -> Finding {
    Finding {
        index: Some(index),
        problem,
    }
}

/// The columns an investigator reads must say what the entry says.
fn check_columns(seq: u64, entry: &[u8], row: &LoggedRow) -> Option<Finding> {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(entry) else {
        return Some(bad(
            seq,
            format!("entry {seq} is not valid JSON (edited entry)"),
        ));
    };
    if json["seq"].as_u64() != Some(seq) {
        return Some(bad(
            seq,
            format!(
                "entry at index {seq} carries seq {} (reordered or moved entry)",
                json["seq"]
            ),
        ));
    }
    let same = json["time"].as_str() == row.time.as_deref()
        && json["kind"].as_str() == row.kind.as_deref()
        && json["account"].as_str() == row.account.as_deref()
        && json["session"].as_str() == row.session.as_deref()
        && json["ip"].as_str() == row.ip.as_deref()
        && json["document"].as_str() == row.document.as_deref()
        && json["version"].as_i64() == row.version
        && json["download"].as_str() == row.download.as_deref()
        && json["outcome"].as_str() == row.outcome.as_deref()
        && serde_json::from_str::<serde_json::Value>(&row.detail)
            .ok()
            .as_ref()
            == Some(&json["detail"]);
    (!same).then(|| {
        bad(
            seq,
            format!("event {seq}: stored columns differ from the logged entry (edited event)"),
        )
    })
}

/// Verifies the log in `store` against the log key, and against `trusted`
/// (a signed checkpoint kept elsewhere) when given.
pub async fn verify_log(
    store: &Store,
    verifiers: &VerifierList,
    origin: &str,
    trusted: Option<&[u8]>,
) -> Result<VerifyReport> {
    let mut findings = Vec::new();
    // Which sizes we need roots for: every stored checkpoint and the trusted one.
    let mut wanted: BTreeMap<u64, Vec<(String, Hash)>> = BTreeMap::new();
    let stored = store.checkpoints().await?;
    for cp in &stored {
        match Checkpoint::open(cp.signed.as_bytes(), origin, verifiers) {
            Ok((parsed, _)) if parsed.size() == cp.size && parsed.hash() == cp.root => {
                wanted
                    .entry(cp.size)
                    .or_default()
                    .push((format!("checkpoint {}", cp.size), cp.root));
            }
            Ok(_) => findings.push(bad(
                cp.size.saturating_sub(1),
                format!(
                    "checkpoint {}: stored size or root differ from the signed note",
                    cp.size
                ),
            )),
            Err(e) => findings.push(bad(
                cp.size.saturating_sub(1),
                format!("checkpoint {}: bad signature or format ({e})", cp.size),
            )),
        }
    }
    if let Some(text) = trusted {
        match Checkpoint::open(text, origin, verifiers) {
            Ok((parsed, _)) => wanted.entry(parsed.size()).or_default().push((
                format!("trusted checkpoint {}", parsed.size()),
                parsed.hash(),
            )),
            Err(e) => findings.push(Finding {
                index: None,
                problem: format!("trusted checkpoint: bad signature or format ({e})"),
            }),
        }
    }

    let mut edge = RightEdge::new();
    let mut roots: BTreeMap<u64, Hash> = BTreeMap::new();
    let mut first_stored_mismatch = None;
    let mut next: u64 = 0;
    'chunks: loop {
        let rows = store.logged_rows(next, CHUNK).await?;
        if rows.is_empty() {
            break;
        }
        let start_idx = stored_hash_index(0, next);
        let mut recomputed: Vec<(u64, Hash)> = Vec::new();
        for row in &rows {
            let seq = u64::try_from(row.seq).map_err(|_| Error::Corrupt("negative seq".into()))?;
            if seq != next {
                findings.push(bad(
                    next,
                    format!("entry {next} is missing (next stored entry is {seq})"),
                ));
                break 'chunks;
            }
            let entry = &row.entry;
            if let Some(f) = check_columns(seq, entry, row) {
                findings.push(f);
            }
            let base = stored_hash_index(0, seq);
            let hashes = edge
                .append(leaf_hash(entry))
                .map_err(|e| Error::Log(e.to_string()))?;
            recomputed.extend(
                hashes
                    .into_iter()
                    .enumerate()
                    .map(|(i, h)| (base + i as u64, h)),
            );
            next += 1;
            if wanted.contains_key(&next) {
                roots.insert(next, edge.root());
            }
        }
        let end_idx = stored_hash_index(0, next);
        let stored: BTreeMap<u64, Vec<u8>> = store
            .stored_hash_range(start_idx, end_idx)
            .await?
            .into_iter()
            .collect();
        if first_stored_mismatch.is_none() {
            for (idx, h) in &recomputed {
                if stored.get(idx).map(Vec::as_slice) != Some(&h.0[..]) {
                    let (level, n) = rampart_tlog::split_stored_hash_index(*idx);
                    let leaf = n << level;
                    first_stored_mismatch = Some(leaf);
                    findings.push(bad(
                        leaf,
                        format!("stored hash (level {level}, node {n}) does not match the entries: edited entry or tile at index {leaf}"),
                    ));
                    break;
                }
            }
        }
    }

    let head = store.log_edge().await?;
    if head.size() != next {
        findings.push(bad(
            next.min(head.size()),
            format!(
                "the log head says {} entries but {next} are stored (truncated or deleted entries)",
                head.size()
            ),
        ));
    } else if head.root() != edge.root() {
        findings.push(Finding {
            index: None,
            problem: "the log head's root does not match the entries".into(),
        });
    }
    for (size, claims) in &wanted {
        for (what, root) in claims {
            match roots.get(size) {
                None => findings.push(bad(
                    next,
                    format!("{what} covers {size} entries but only {next} are stored (truncated log)"),
                )),
                Some(r) if r != root => findings.push(bad(
                    size.saturating_sub(1),
                    format!("{what} does not match the entries: the log was rewritten or the checkpoint is from a fork"),
                )),
                Some(_) => {}
            }
        }
    }
    findings.sort_by_key(|f| f.index.unwrap_or(u64::MAX));
    Ok(VerifyReport {
        entries: next,
        root: edge.root(),
        checkpoints: stored.len(),
        findings,
    })
}
