//! What a log entry is: the canonical JSON of an event, and the stored head
//! (the tree's right edge) every backend keeps beside the entries.

use crate::{AuditEvent, Error, Result};
use rampart_tlog::{Hash, RightEdge, HASH_SIZE};

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
