//! Blobs on S3-compatible object storage (`[store] blobs = "s3://bucket/prefix"`),
//! through the `object_store` crate.
//!
//! The bucket is the store of record; the local blob directory becomes a
//! cache of it, keyed by content, so it can never be stale. A blob is
//! uploaded (multipart for large ones) as soon as it is durable locally,
//! and before [`crate::BlobWriter::finish`] returns: the database row that
//! references it is committed only once the bucket has it. A node that
//! lacks a blob fetches it into its cache and checks the bytes against
//! their BLAKE3 name before anyone reads them.
//!
//! Keys are `<prefix>/<hh>/<hash>`, like the local layout. Several nodes
//! share the bucket; garbage collection deletes only objects that no row
//! references and that are older than the grace period, so an upload that
//! has not committed its row yet is never taken.

use crate::{BlobHash, Error, Result};
use futures_util::StreamExt;
use object_store::{
    aws::AmazonS3Builder, path::Path as Key, ObjectStore, PutPayload, RetryConfig, WriteMultipart,
};
use std::{path::Path, sync::Arc, time::Duration};
use tokio::io::AsyncReadExt;

/// `[store.s3]`: where the bucket is and how to sign in to it. Fields left
/// out come from the standard `AWS_*` environment variables.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `https://s3.example.org` (path-style addressing is used, as local
    /// servers need).
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when neither this nor `AWS_REGION` says).
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint (local servers, tests).
    pub allow_http: bool,
}

/// A bucket (and prefix) holding blobs.
#[derive(Debug, Clone)]
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// Shown in errors and logs: `s3://bucket/prefix`.
    url: String,
}

/// Parts of a multipart upload; S3 wants at least 5 MiB but the last.
const PART: usize = 8 * 1024 * 1024;
/// Reads of a local file while uploading or fetching.
const CHUNK: usize = 256 * 1024;

fn remote_error(url: &str, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Remote(format!("{url}: {what}: {e}"))
}

impl Remote {
    /// The bucket named by `url` (`s3://bucket` or `s3://bucket/prefix`).
    pub fn s3(url: &str, settings: &S3Settings) -> Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| Error::Config(format!("{url}: blobs URL must start with s3://")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::Config(format!("{url}: no bucket named")));
        }
        let prefix = prefix.trim_matches('/').to_owned();
        if prefix.split('/').any(|p| p == "." || p == "..") {
            return Err(Error::Config(format!("{url}: bad prefix")));
        }
        // A bucket that does not answer is reported within seconds (readiness,
        // a download), not after the crate's default three minutes of retries.
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_retry(retry)
            .with_bucket_name(bucket)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(settings.allow_http);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let region = settings
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .unwrap_or_else(|| "us-east-1".into());
        builder = builder.with_region(region);
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder
            .build()
            .map_err(|e| Error::Config(format!("{url}: {e}")))?;
        Ok(Remote {
            store: Arc::new(store),
            prefix,
            url: url.to_owned(),
        })
    }

    /// `s3://bucket/prefix`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, hash: &BlobHash) -> Key {
        let name = format!("{}/{}", &hash.0[..2], hash.0);
        if self.prefix.is_empty() {
            Key::from(name)
        } else {
            Key::from(format!("{}/{name}", self.prefix))
        }
    }

    /// Whether the bucket answers (a listing of the prefix).
    pub async fn check(&self) -> Result<()> {
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        self.store
            .list_with_delimiter(prefix.as_ref())
            .await
            .map_err(|e| remote_error(&self.url, "listing", e))?;
        Ok(())
    }

    /// Uploads the local file `path` holding blob `hash`, unless the bucket
    /// has it already (same name, same bytes).
    pub(crate) async fn upload(&self, hash: &BlobHash, path: &Path, size: u64) -> Result<()> {
        let key = self.key(hash);
        match self.store.head(&key).await {
            Ok(meta) if meta.size == size => return Ok(()),
            Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(remote_error(&self.url, "looking up a blob", e)),
        }
        let mut file = tokio::fs::File::open(path).await?;
        if size < PART as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await?;
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| remote_error(&self.url, "uploading a blob", e))?;
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(|e| remote_error(&self.url, "starting an upload", e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            // At most two parts in flight: memory stays at a few parts.
            if let Err(e) = writer.wait_for_capacity(2).await {
                return Err(remote_error(&self.url, "uploading a part", e));
            }
            writer.write(&buf[..n]);
        }
        writer
            .finish()
            .await
            .map_err(|e| remote_error(&self.url, "finishing an upload", e))?;
        Ok(())
    }

    /// Downloads blob `hash` through `into` (which hashes and counts what
    /// it writes); `NotFound` if the bucket lacks it. The caller checks the
    /// hash before the bytes are used.
    pub(crate) async fn fetch(&self, hash: &BlobHash, into: &mut crate::BlobWriter) -> Result<()> {
        let got = match self.store.get(&self.key(hash)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(Error::NotFound(hash.0.clone()))
            }
            Err(e) => return Err(remote_error(&self.url, "fetching a blob", e)),
        };
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| remote_error(&self.url, "fetching a blob", e))?;
            into.write(&chunk).await?;
        }
        Ok(())
    }

    /// Deletes the bucket's blobs that `is_referenced` does not know and
    /// that are older than `grace` (an upload whose row is not committed
    /// yet is young). Returns how many were deleted.
    pub async fn collect_garbage(
        &self,
        is_referenced: impl Fn(&BlobHash) -> bool,
        grace: Duration,
    ) -> Result<usize> {
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        let mut listing = self.store.list(prefix.as_ref());
        let now = chrono::Utc::now();
        let mut doomed = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| remote_error(&self.url, "listing", e))?;
            let Some(Ok(hash)) = meta.location.filename().map(BlobHash::parse) else {
                continue; // not ours; leave it alone
            };
            if meta.location != self.key(&hash) || is_referenced(&hash) {
                continue;
            }
            let age = (now - meta.last_modified).to_std().unwrap_or_default();
            if age >= grace {
                doomed.push(meta.location);
            }
        }
        for key in &doomed {
            match self.store.delete(key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(remote_error(&self.url, "deleting a blob", e)),
            }
        }
        Ok(doomed.len())
    }
}
