//! Parsing what the index queries return.

use rampart_store::*;

/// Adds `count` 32-byte hashes, concatenated (as `string_agg(hash, '')`
/// writes them), to `set`; a concatenation of
/// another length means a stored hash is not 32 bytes.
pub(crate) fn extend_from_concatenated(
    set: &mut std::collections::HashSet<[u8; 32]>,
    count: i64,
    hashes: Option<Vec<u8>>,
) -> Result<()> {
    let hashes = hashes.unwrap_or_default();
    if usize::try_from(count).ok().and_then(|n| n.checked_mul(32)) != Some(hashes.len()) {
        return Err(Error::Corrupt(format!(
            "{count} indexed hashes are {} bytes together, not 32 each",
            hashes.len()
        )));
    }
    set.extend(
        hashes
            .chunks_exact(32)
            .filter_map(|hash| <[u8; 32]>::try_from(hash).ok()),
    );
    Ok(())
}
