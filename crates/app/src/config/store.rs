//! `[store]`: where the blobs live. The embedded default keeps them in the
//! data dir; `s3://bucket/prefix` puts them in an S3-compatible bucket,
//! with the data dir's `blobs/` as this node's cache of it.
//!
//! ```toml
//! [store]
//! blobs = "file://blobs"             # relative to --data; or "s3://bucket/prefix"
//! [store.s3]                         # only for s3:// blobs; AWS_* variables fill the gaps
//! endpoint = "https://s3.example.org"
//! region = "us-east-1"
//! access_key_id = "…"
//! secret_access_key = "…"
//! allow_http = false
//! cache_bytes = 10737418240          # this node's cache of the bucket (10 GiB)
//! ```
//!
//! The database is the embedded SQLite in this release; `[store] database`
//! (PostgreSQL) comes with the storage seam, and until then is an unknown
//! key, refused like any other.

use rampart_blobs::{BlobStore, Remote, S3Settings};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `[store]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `file://PATH` (relative to the data dir) or `s3://bucket/prefix`.
    pub blobs: String,
    /// The bucket's endpoint and credentials.
    pub s3: S3Config,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            blobs: "file://blobs".into(),
            s3: S3Config::default(),
        }
    }
}

/// `[store.s3]`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// `https://s3.example.org`; path-style requests are used.
    pub endpoint: Option<String>,
    /// The region (default `AWS_REGION`, else `us-east-1`).
    pub region: Option<String>,
    /// Access key id (default `AWS_ACCESS_KEY_ID`).
    pub access_key_id: Option<String>,
    /// Secret access key (default `AWS_SECRET_ACCESS_KEY`).
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint.
    pub allow_http: bool,
    /// How much of the bucket this node keeps on its disk (`blobs/` in the
    /// data dir); the least recently used blobs go first.
    pub cache_bytes: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: None,
            region: None,
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
            cache_bytes: 10 * 1024 * 1024 * 1024,
        }
    }
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "…"),
            )
            .field("allow_http", &self.allow_http)
            .field("cache_bytes", &self.cache_bytes)
            .finish()
    }
}

/// Where blobs live, parsed.
enum Location {
    Dir(PathBuf),
    Bucket(String),
}

impl StoreConfig {
    fn location(&self, data: &Path) -> Result<Location, String> {
        if let Some(path) = self.blobs.strip_prefix("file://") {
            if path.is_empty() {
                return Err("[store] blobs: file:// needs a path".into());
            }
            return Ok(Location::Dir(data.join(path)));
        }
        if self.blobs.starts_with("s3://") {
            return Ok(Location::Bucket(self.blobs.clone()));
        }
        Err(format!(
            "[store] blobs must be file://PATH or s3://BUCKET/PREFIX, not {:?}",
            self.blobs
        ))
    }

    /// Checks the URL's shape (the bucket itself is checked at start).
    pub fn validate(&self) -> Result<(), String> {
        if self.s3.cache_bytes < 64 * 1024 * 1024 {
            return Err("[store.s3] cache_bytes must be at least 64 MiB".into());
        }
        match self.location(Path::new(""))? {
            Location::Dir(_) => Ok(()),
            Location::Bucket(url) => Remote::s3(&url, &self.s3_settings())
                .map(|_| ())
                .map_err(|e| format!("[store] blobs: {e}")),
        }
    }

    fn s3_settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.s3.endpoint.clone(),
            region: self.s3.region.clone(),
            access_key_id: self.s3.access_key_id.clone(),
            secret_access_key: self.s3.secret_access_key.clone(),
            allow_http: self.s3.allow_http,
        }
    }

    /// Opens the blob store of the install at `data`: its directory, or the
    /// bucket with `data/blobs` as this node's cache.
    pub fn open_blobs(&self, data: &Path) -> anyhow::Result<BlobStore> {
        match self.location(data).map_err(anyhow::Error::msg)? {
            Location::Dir(dir) => Ok(BlobStore::open(dir)?),
            Location::Bucket(url) => {
                let remote = Remote::s3(&url, &self.s3_settings())?;
                Ok(BlobStore::open(data.join("blobs"))?.with_remote(remote, self.s3.cache_bytes))
            }
        }
    }
}
