//! `[store]`: where the state and the blobs live. The embedded default
//! keeps both in the data dir (a SQLite file and a directory);
//! `postgres://…` puts the state in PostgreSQL and `s3://bucket/prefix` the
//! blobs in an S3-compatible bucket, with the data dir's `blobs/` as this
//! node's cache of it. The backend is chosen here, once, at start.
//!
//! ```toml
//! [store]
//! database = "sqlite://rampart.db"   # relative to --data; or "postgres://user@host/db"
//! blobs = "file://blobs"             # relative to --data; or "s3://bucket/prefix"
//! [store.s3]                         # only for s3:// blobs; AWS_* variables fill the gaps
//! endpoint = "https://s3.example.org"
//! region = "us-east-1"
//! access_key_id = "…"
//! secret_access_key = "…"
//! allow_http = false
//! cache_bytes = 10737418240          # this node's cache of the bucket (10 GiB)
//! ```

use rampart_blobs::{BlobStore, Remote, S3Settings};
use rampart_store::Store;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `[store]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite://PATH` (relative to the data dir) or `postgres://…`.
    pub database: String,
    /// `file://PATH` (relative to the data dir) or `s3://bucket/prefix`.
    pub blobs: String,
    /// The bucket's endpoint and credentials.
    pub s3: S3Config,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            database: "sqlite://rampart.db".into(),
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

/// Which database, parsed.
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:…{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
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

    fn database(&self, data: &Path) -> Result<Database, String> {
        if let Some(path) = self.database.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("[store] database: sqlite:// needs a path".into());
            }
            return Ok(Database::Sqlite(data.join(path)));
        }
        if self.database.starts_with("postgres://") || self.database.starts_with("postgresql://") {
            return Ok(Database::Postgres(self.database.clone()));
        }
        Err(format!(
            "[store] database must be sqlite://PATH or postgres://…, not {:?}",
            redact(&self.database)
        ))
    }

    /// Opens the database of the install at `data` and brings its schema up
    /// to date.
    pub async fn open_database(&self, data: &Path) -> anyhow::Result<Store> {
        match self.database(data).map_err(anyhow::Error::msg)? {
            Database::Sqlite(path) => Ok(rampart_store_sqlite::open(&path).await?),
            Database::Postgres(url) => Ok(rampart_store_postgres::connect(&url).await?),
        }
    }

    /// Opens the database of an existing install: an embedded database
    /// must already exist (a mistyped data dir must not create an empty
    /// install).
    pub async fn open_existing_database(&self, data: &Path) -> anyhow::Result<Store> {
        if let Database::Sqlite(path) = self.database(data).map_err(anyhow::Error::msg)? {
            if !path.exists() {
                anyhow::bail!("no Rampart database at {}", path.display());
            }
        }
        self.open_database(data).await
    }

    /// Checks the URLs' shape (the database and the bucket themselves are
    /// checked at start).
    pub fn validate(&self) -> Result<(), String> {
        self.database(Path::new(""))?;
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
