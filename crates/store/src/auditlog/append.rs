//! What a log entry is: the canonical JSON of an event, and the stored head
//! (the tree's right edge) every backend keeps beside the entries.

use crate::{AuditEvent, Error, Result};
use rampart_tlog::{leaf_hash, stored_hash_index, Hash, RightEdge, HASH_SIZE};

/// The longest canonical entry the log accepts (tile entry bundles carry a
/// uint16 length; events must stay small).
pub const MAX_ENTRY: usize = 65_535;

/// The canonical JSON bytes of an event: field order fixed by the struct.
pub fn canonical_entry(event: &AuditEvent) -> Result<Vec<u8>> {
    let bytes =
        serde_json::to_vec(event).map_err(|e| Error::Corrupt(format!("serialising event: {e}")))?;
    if bytes.len() > MAX_ENTRY {
        return Err(Error::EntryTooLarge(bytes.len()));
    }
    Ok(bytes)
}

/// The right edge of the tree from its stored head (size and the
/// concatenated node hashes).
pub fn edge_from_row(size: i64, nodes: &[u8]) -> Result<RightEdge> {
    let size = u64::try_from(size).map_err(|_| Error::Corrupt("negative log size".into()))?;
    if !nodes.len().is_multiple_of(HASH_SIZE) {
        return Err(Error::Corrupt("log head has a partial hash".into()));
    }
    let nodes = nodes
        .chunks_exact(HASH_SIZE)
        .map(|c| Hash::from_slice(c).map_err(|e| Error::Corrupt(e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    RightEdge::from_parts(size, nodes).map_err(|e| Error::Corrupt(format!("log head: {e}")))
}

/// What appending a batch writes, computed before any statement runs.
#[derive(Debug, Default)]
pub struct Leaves {
    /// New stored hashes: (index, hash).
    pub hashes: Vec<(i64, Hash)>,
    /// The events with their `seq` set, each with its leaf index and
    /// canonical entry.
    pub events: Vec<(i64, AuditEvent, Vec<u8>)>,
}

/// Appends `events` to `edge` as consecutive leaves (each gets the next
/// index as its `seq`): the rows a backend writes in the same transaction
/// as the new edge.
pub fn leaves(edge: &mut RightEdge, events: Vec<AuditEvent>) -> Result<Leaves> {
    let mut out = Leaves {
        hashes: Vec::new(),
        events: Vec::with_capacity(events.len()),
    };
    for mut event in events {
        let seq = edge.size();
        event.seq = seq;
        let entry = canonical_entry(&event)?;
        let hashes = edge
            .append(leaf_hash(&entry))
            .map_err(|e| Error::Corrupt(format!("appending to the log: {e}")))?;
        let start = stored_hash_index(0, seq);
        for (i, h) in hashes.into_iter().enumerate() {
            out.hashes.push((index(start + i as u64)?, h));
        }
        out.events.push((index(seq)?, event, entry));
    }
    Ok(out)
}

fn index(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Corrupt("log index out of range".into()))
}
