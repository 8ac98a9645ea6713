//! Content-addressed storage for document versions.
//!
//! A blob is named by the BLAKE3 hash of its bytes and written so that it is
//! either complete or absent: bytes go to a temp file under `tmp/`, are
//! fsynced, and only then renamed into place (and the directory fsynced).
//! While an upload is in flight the temp file, and after the rename the blob,
//! is held under an exclusive file lock until the caller has recorded it in
//! the database; [`BlobStore::collect_garbage`] only removes files nobody
//! holds, so it can run while other processes write.
//!
//! Blobs are the library itself, so every directory is created 0700 and every
//! file 0600 whatever the process umask: the crate is used by tests and tools
//! that do not set one.
//!
//! With a [`Remote`] (an S3-compatible bucket, see [`remote`]) the bucket is
//! the store of record and the directory a cache of it keyed by content.

mod cache;
pub mod remote;

pub use remote::{Remote, S3Settings};

use std::{
    fs::File,
    io,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt},
    path::{Path, PathBuf},
};
use tokio::io::AsyncWriteExt;

/// What can go wrong storing or reading a blob.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The upload is larger than the configured limit; nothing was kept.
    #[error("content exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The blob is not in the store.
    #[error("blob {0} not found")]
    NotFound(String),
    /// The hash string is not a BLAKE3 hex digest.
    #[error("malformed blob hash")]
    MalformedHash,
    /// File system failure.
    #[error("blob store i/o: {0}")]
    Io(#[from] io::Error),
    /// The bucket refused or could not be reached.
    #[error("blob store: {0}")]
    Remote(String),
    /// The bucket's settings are unusable.
    #[error("blob store configuration: {0}")]
    Config(String),
    /// Stored bytes do not hash to their name.
    #[error("blob store: {0}")]
    Corrupt(String),
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A blob's BLAKE3 hash, lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobHash(String);

impl BlobHash {
    /// Parses a 64-digit lowercase hex hash.
    pub fn parse(s: &str) -> Result<Self> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::MalformedHash)
        }
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A local directory of blobs: `<root>/<hh>/<hash>` plus `<root>/tmp/`;
/// with a bucket, a cache of it.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    remote: Option<std::sync::Arc<Remote>>,
    cache: Option<std::sync::Arc<cache::Cache>>,
}

/// A blob that is complete on disk. Keep it until the database row that
/// references it is committed: dropping it releases the lock that keeps
/// garbage collection away.
#[derive(Debug)]
pub struct StoredBlob {
    /// The content hash.
    pub hash: BlobHash,
    /// Size in bytes.
    pub size: u64,
    _lock: File,
}

/// An upload in progress. Dropping it without [`BlobWriter::finish`] deletes
/// the temp file.
#[derive(Debug)]
pub struct BlobWriter {
    store: BlobStore,
    tmp_path: PathBuf,
    file: Option<tokio::fs::File>,
    lock: Option<File>,
    hasher: blake3::Hasher,
    size: u64,
    limit: u64,
}

impl BlobStore {
    /// Opens (creating if needed) a blob directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        create_private_dir(&root.join("tmp"))?;
        Ok(Self {
            root,
            remote: None,
            cache: None,
        })
    }

    /// The same directory as a cache of `remote`, the store of record,
    /// holding at most about `cache_bytes` (see [`cache`]).
    pub fn with_remote(mut self, remote: Remote, cache_bytes: u64) -> Self {
        self.remote = Some(std::sync::Arc::new(remote));
        self.cache = Some(std::sync::Arc::new(cache::Cache::new(cache_bytes)));
        self
    }

    /// Counts `size` new bytes in the cache, evicting if it is full.
    async fn cached(&self, size: u64) -> Result<()> {
        if let Some(cache) = &self.cache {
            cache.added(&self.root, size).await?;
        }
        Ok(())
    }

    /// The bucket, if blobs live in one.
    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_deref()
    }

    /// Whether the store's directory is reachable and writable.
    pub async fn check(&self) -> Result<()> {
        let meta = tokio::fs::metadata(self.root.join("tmp")).await?;
        if meta.permissions().readonly() {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "read-only",
            )));
        }
        if let Some(remote) = &self.remote {
            remote.check().await?;
        }
        Ok(())
    }

    fn path_of(&self, hash: &BlobHash) -> PathBuf {
        self.root.join(&hash.0[..2]).join(&hash.0)
    }

    /// Starts writing a blob of at most `limit` bytes.
    pub async fn writer(&self, limit: u64) -> Result<BlobWriter> {
        let name: [u8; 16] = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut b);
            b
        };
        let tmp_path = self.root.join("tmp").join(hex::encode(name));
        let path = tmp_path.clone();
        let (file, lock) = tokio::task::spawn_blocking(move || -> io::Result<(File, File)> {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(FILE_MODE)
                .open(&path)?;
            file.lock()?;
            let lock = file.try_clone()?;
            Ok((file, lock))
        })
        .await
        .map_err(io::Error::other)??;
        Ok(BlobWriter {
            store: self.clone(),
            tmp_path,
            file: Some(tokio::fs::File::from_std(file)),
            lock: Some(lock),
            hasher: blake3::Hasher::new(),
            size: 0,
            limit,
        })
    }

    /// Stores a whole buffer (imports, demo data, tests).
    pub async fn put(&self, bytes: &[u8], limit: u64) -> Result<StoredBlob> {
        let mut w = self.writer(limit).await?;
        w.write(bytes).await?;
        w.finish().await
    }

    /// Opens a blob for reading (fetched from the bucket into the cache
    /// first, and checked, when this node does not have it yet).
    pub async fn open_blob(&self, hash: &BlobHash) -> Result<tokio::fs::File> {
        let path = self.path_of(hash);
        match tokio::fs::File::open(&path).await {
            Ok(f) => {
                if self.cache.is_some() {
                    cache::Cache::touch(&path);
                }
                Ok(f)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match &self.remote {
                Some(remote) => self.fetch(remote, hash).await,
                None => Err(Error::NotFound(hash.0.clone())),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Brings blob `hash` from the bucket into the cache, through a temp
    /// file renamed into place once its bytes are checked.
    async fn fetch(&self, remote: &Remote, hash: &BlobHash) -> Result<tokio::fs::File> {
        let mut writer = self.writer(u64::MAX).await?;
        remote.fetch(hash, &mut writer).await?;
        if writer.hasher.finalize().to_hex().as_str() != hash.0 {
            return Err(Error::Corrupt(format!(
                "{}: the bucket's copy of blob {} does not hash to its name",
                remote.url(),
                hash.0
            )));
        }
        let size = writer.size;
        writer.make_durable().await?;
        let tmp_path = std::mem::take(&mut writer.tmp_path);
        let final_path = self.path_of(hash);
        tokio::task::spawn_blocking(move || {
            move_into_place(&tmp_path, &final_path).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp_path);
            })
        })
        .await
        .map_err(io::Error::other)??;
        drop(writer);
        // Opened before the cache may evict it: an open file reads on.
        let file = tokio::fs::File::open(self.path_of(hash)).await?;
        self.cached(size).await?;
        Ok(file)
    }

    /// Deletes the bucket's blobs that `is_referenced` does not know (see
    /// [`Remote::collect_garbage`]); nothing without a bucket.
    pub async fn collect_remote_garbage(
        &self,
        is_referenced: impl Fn(&BlobHash) -> bool,
    ) -> Result<usize> {
        match &self.remote {
            Some(remote) => remote.collect_garbage(is_referenced, GRACE).await,
            None => Ok(0),
        }
    }

    /// Removes temp files of uploads that are no longer running and blobs
    /// that `is_referenced` does not know, skipping anything another writer
    /// still holds. Returns how many files were removed.
    pub fn collect_garbage(&self, is_referenced: impl Fn(&BlobHash) -> bool) -> Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.root)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let is_tmp = name == "tmp";
            let is_fanout = name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
            if !(is_tmp || is_fanout) {
                continue;
            }
            for file in std::fs::read_dir(entry.path())? {
                let file = file?;
                let keep = match (is_tmp, file.file_name().to_str().map(BlobHash::parse)) {
                    (true, _) => false,
                    (false, Some(Ok(hash))) => is_referenced(&hash),
                    (false, _) => true, // not ours; leave it alone
                };
                if !keep && (is_tmp || !is_young(&file.path())) && remove_if_unlocked(&file.path())?
                {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// Mode of every blob and temp file: the owner's alone.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the store's directories.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and any missing parents with [`DIR_MODE`] (existing ones
/// keep their mode; `rampart` tightens those when it opens a data dir).
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
}

/// Renames the durable temp file `tmp` to `final_path` (creating its
/// fan-out directory) and makes the rename durable.
fn move_into_place(tmp: &Path, final_path: &Path) -> io::Result<()> {
    let dir = final_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    create_private_dir(&dir)?;
    std::fs::rename(tmp, final_path)?;
    File::open(&dir)?.sync_all()
}

/// Blobs written in the last minutes are spared: flock's exclusive-to-shared
/// conversion is not atomic, and a writer may sit between rename and commit.
fn is_young(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < GRACE)
}

const GRACE: std::time::Duration = std::time::Duration::from_secs(600);

fn remove_if_unlocked(path: &Path) -> Result<bool> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    match file.try_lock() {
        Ok(()) => {
            std::fs::remove_file(path)?;
            Ok(true)
        }
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

impl BlobWriter {
    /// Appends bytes, refusing to grow past the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        let new_size = self.size + chunk.len() as u64;
        if new_size > self.limit {
            return Err(Error::TooLarge { limit: self.limit });
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("writer finished"))?;
        file.write_all(chunk).await?;
        self.hasher.update(chunk);
        self.size = new_size;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes and fsyncs the temp file, and closes it.
    async fn make_durable(&mut self) -> Result<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("writer finished"))?;
        file.flush().await?;
        file.sync_all().await?;
        Ok(())
    }

    /// Makes the blob durable and moves it into place. If the same content is
    /// already stored, the temp file is discarded and the existing blob is
    /// locked instead.
    pub async fn finish(mut self) -> Result<StoredBlob> {
        self.make_durable().await?;
        let hash = BlobHash(self.hasher.finalize().to_hex().to_string());
        let final_path = self.store.path_of(&hash);
        let tmp_path = self.tmp_path.clone();
        let size = self.size;
        let own_lock = self
            .lock
            .take()
            .ok_or_else(|| io::Error::other("writer finished"))?;
        let lock = tokio::task::spawn_blocking(move || -> io::Result<File> {
            if let Ok(existing) = File::open(&final_path) {
                // Same content already stored: drop our copy and hold the
                // existing blob until the caller commits. Shared, so that
                // two uploads of the same bytes do not wait on each other.
                std::fs::remove_file(&tmp_path)?;
                drop(own_lock);
                existing.lock_shared()?;
                return Ok(existing);
            }
            move_into_place(&tmp_path, &final_path)?;
            // The lock moves with the inode; share it from now on.
            own_lock.lock_shared()?;
            Ok(own_lock)
        })
        .await
        .map_err(io::Error::other)??;
        // The rename succeeded (or the temp file is gone): nothing to clean.
        self.tmp_path = PathBuf::new();
        if let Some(remote) = &self.store.remote {
            // The row that references the blob is committed only after
            // this: the bucket has it before anyone can ask for it.
            remote
                .upload(&hash, &self.store.path_of(&hash), size)
                .await?;
            self.store.cached(size).await?;
        }
        Ok(StoredBlob {
            hash,
            size,
            _lock: lock,
        })
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.tmp_path.as_os_str().is_empty() {
            if let Err(e) = std::fs::remove_file(&self.tmp_path) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(error = %e, "could not remove abandoned upload temp file");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
