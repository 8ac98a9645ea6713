//! The bounded cache a node keeps of its bucket: the blob directory, with
//! the least recently used blobs removed once it holds more than
//! `[store.s3] cache_bytes`. Reads refresh a blob's modification time (its
//! place in the order); a blob still held by an upload that has not
//! committed its row is never removed (it is locked), and a removed blob
//! is fetched again from the bucket when next asked for.

use crate::remove_if_unlocked;
use std::{
    io,
    path::{Path, PathBuf},
    sync::Mutex,
    time::SystemTime,
};

/// How much the cache may hold, and roughly how much it holds.
#[derive(Debug)]
pub(crate) struct Cache {
    limit: u64,
    /// Bytes at the last scan plus those added since; `None` before the
    /// first scan.
    held: Mutex<Option<u64>>,
}

impl Cache {
    pub(crate) fn new(limit: u64) -> Self {
        Cache {
            limit,
            held: Mutex::new(None),
        }
    }

    /// A blob was read: it moves to the recent end.
    pub(crate) fn touch(path: &Path) {
        if let Ok(file) = std::fs::File::options().write(true).open(path) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// `size` bytes entered the cache under `root`; evicts when over the
    /// limit (a directory scan, so only then).
    pub(crate) async fn added(&self, root: &Path, size: u64) -> io::Result<()> {
        let over = {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            let now = held.map_or(u64::MAX, |h| h.saturating_add(size));
            *held = Some(now);
            now > self.limit
        };
        if !over {
            return Ok(());
        }
        let (root, limit) = (root.to_path_buf(), self.limit);
        let total = tokio::task::spawn_blocking(move || evict(&root, limit))
            .await
            .map_err(io::Error::other)??;
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(total);
        Ok(())
    }
}

/// Removes the least recently used unlocked blobs until the directory
/// holds at most nine tenths of `limit`; returns what it holds then.
fn evict(root: &Path, limit: u64) -> io::Result<u64> {
    let mut blobs: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for dir in std::fs::read_dir(root)? {
        let dir = dir?;
        let name = dir.file_name();
        let fanout = name.len() == 2 && name.as_encoded_bytes().iter().all(u8::is_ascii_hexdigit);
        if !fanout || !dir.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path())? {
            let file = file?;
            let meta = file.metadata()?;
            blobs.push((meta.modified()?, meta.len(), file.path()));
        }
    }
    let mut total: u64 = blobs.iter().map(|b| b.1).sum();
    if total <= limit {
        return Ok(total);
    }
    let target = limit / 10 * 9;
    blobs.sort();
    for (_, size, path) in blobs {
        if total <= target {
            break;
        }
        if remove_if_unlocked(&path).map_err(io::Error::other)? {
            total -= size;
        }
    }
    Ok(total)
}
