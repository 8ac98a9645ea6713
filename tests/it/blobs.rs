//! Blobs, on the local disk and in an S3-compatible bucket (`[store] blobs =
//! "s3://…"`; a real S3 server, `s3s-fs`, on loopback): both backends pass
//! the same checks, and on a bucket what is stored is in the
//! bucket before its row, another node (another cache) serves it, a
//! tampered object is refused, garbage collection spares what is
//! referenced or young, and a portal on a bucket uploads, serves and
//! reports readiness by the bucket.

use rampart_app::Config;
use rampart_blobs::{BlobHash, BlobStore, Error, Remote};
use rampart_testkit::{s3::S3Server, upload_form, TestApp, PASSWORD};
use serde_json::Value;
use std::time::{Duration, SystemTime};

fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}

fn node(s3: &S3Server, cache: &std::path::Path) -> BlobStore {
    let remote = Remote::s3("s3://library/blobs", &s3.settings()).unwrap();
    BlobStore::open(cache)
        .unwrap()
        .with_remote(remote, u64::MAX)
}

fn key(hash: &BlobHash) -> String {
    format!("blobs/{}/{}", &hash.as_str()[..2], hash.as_str())
}

async fn read(store: &BlobStore, hash: &BlobHash) -> Result<Vec<u8>, Error> {
    use tokio::io::AsyncReadExt;
    let mut file = store.open_blob(hash).await?;
    let mut out = Vec::new();
    file.read_to_end(&mut out).await?;
    Ok(out)
}

#[tokio::test]
async fn blobs_reach_the_bucket_and_another_node_serves_them() {
    let s3 = S3Server::start("library").await;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node_a = node(&s3, a.path());
    node_a.check().await.unwrap();
    let small = bytes(100 * 1024, 1);
    // Over the multipart threshold: uploaded in parts.
    let large = bytes(19 * 1024 * 1024 + 5, 2);
    let s = node_a.put(&small, u64::MAX).await.unwrap();
    let l = node_a.put(&large, u64::MAX).await.unwrap();
    for (stored, content) in [(&s, &small), (&l, &large)] {
        let object = std::fs::read(s3.object_path("library", &key(&stored.hash))).unwrap();
        assert_eq!(
            &object, content,
            "the bucket holds the bytes under their hash"
        );
    }
    // Storing the same bytes again is a no-op for the bucket.
    node_a.put(&small, u64::MAX).await.unwrap();

    let node_b = node(&s3, b.path());
    assert_eq!(read(&node_b, &l.hash).await.unwrap(), large);
    assert_eq!(read(&node_b, &s.hash).await.unwrap(), small);
    let cached = b.path().join(&s.hash.as_str()[..2]).join(s.hash.as_str());
    assert!(cached.exists(), "the second node keeps a cached copy");
    let missing = BlobHash::parse(&"0".repeat(64)).unwrap();
    assert!(matches!(
        node_b.open_blob(&missing).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn a_tampered_object_is_refused_and_not_cached() {
    let s3 = S3Server::start("library").await;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let stored = node(&s3, a.path())
        .put(&bytes(4096, 3), u64::MAX)
        .await
        .unwrap();
    let object = s3.object_path("library", &key(&stored.hash));
    let mut altered = std::fs::read(&object).unwrap();
    altered[100] ^= 1;
    std::fs::write(&object, altered).unwrap();
    let node_b = node(&s3, b.path());
    let refused = node_b.open_blob(&stored.hash).await;
    assert!(matches!(refused, Err(Error::Corrupt(_))), "{refused:?}");
    let cached = b
        .path()
        .join(&stored.hash.as_str()[..2])
        .join(stored.hash.as_str());
    assert!(!cached.exists());
    assert_eq!(std::fs::read_dir(b.path().join("tmp")).unwrap().count(), 0);
}

#[tokio::test]
async fn garbage_collection_spares_referenced_and_young_objects() {
    let s3 = S3Server::start("library").await;
    let dir = tempfile::tempdir().unwrap();
    let store = node(&s3, dir.path());
    let kept = store.put(b"referenced", u64::MAX).await.unwrap().hash;
    let orphan = store.put(b"orphan", u64::MAX).await.unwrap().hash;
    let young = store.put(b"young orphan", u64::MAX).await.unwrap().hash;
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for hash in [&kept, &orphan] {
        let file = std::fs::File::options()
            .write(true)
            .open(s3.object_path("library", &key(hash)))
            .unwrap();
        file.set_modified(hour_ago).unwrap();
    }
    let removed = store.collect_remote_garbage(|h| *h == kept).await.unwrap();
    assert_eq!(removed, 1);
    let exists = |h: &BlobHash| s3.object_path("library", &key(h)).exists();
    assert!(exists(&kept) && exists(&young) && !exists(&orphan));
}

#[tokio::test]
async fn a_portal_on_a_bucket_serves_uploads_from_it_and_reports_it_in_readyz() {
    let mut s3 = S3Server::start("portal").await;
    let mut config = Config::default();
    config.store.blobs = "s3://portal/rampart".into();
    config.store.s3 = s3.config();
    let app = TestApp::spawn_with(config).await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let content = bytes(300 * 1024, 4);
    let created: Value = ann
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("Plan", "plan.bin", content.clone(), &[]),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let hash = blake3::hash(&content).to_hex().to_string();
    let object = s3.object_path("portal", &format!("rampart/{}/{hash}", &hash[..2]));
    assert_eq!(std::fs::read(&object).unwrap(), content);

    // A node whose cache is empty (a new node, or one whose disk was
    // wiped) serves the copy from the bucket.
    let app = app.restart().await;
    std::fs::remove_dir_all(app.dir.path().join("blobs").join(&hash[..2])).unwrap();
    let ann = app.login("ann@example.org", PASSWORD).await;
    let r = ann.get(&format!("/api/v1/documents/{id}/content")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), content);

    let anon = app.anonymous();
    assert_eq!(anon.get("/readyz").await.status(), 200);
    s3.stop();
    assert_eq!(anon.get("/readyz").await.status(), 503);
    // An upload while the bucket is down is refused as such, and leaves
    // no document behind.
    let r = ann
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("Later", "later.bin", bytes(2048, 5), &[]),
        )
        .await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let list: Value = ann
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_cache_of_a_bucket_stays_within_its_bound() {
    let s3 = S3Server::start("library").await;
    let dir = tempfile::tempdir().unwrap();
    let remote = Remote::s3("s3://library/blobs", &s3.settings()).unwrap();
    let store = BlobStore::open(dir.path())
        .unwrap()
        .with_remote(remote, 250 * 1024);
    let cached = |h: &BlobHash| dir.path().join(&h.as_str()[..2]).join(h.as_str());
    let mut hashes = Vec::new();
    for seed in 10..16 {
        // Each upload is held (locked) until its row would be committed.
        let stored = store.put(&bytes(100 * 1024, seed), u64::MAX).await.unwrap();
        hashes.push(stored.hash.clone());
    }
    let held: u64 = hashes
        .iter()
        .filter_map(|h| std::fs::metadata(cached(h)).ok())
        .map(|m| m.len())
        .sum();
    assert!(held <= 250 * 1024, "the cache holds {held} bytes");
    assert!(!cached(&hashes[0]).exists(), "the oldest went first");
    assert!(cached(&hashes[5]).exists(), "the newest stays");
    // An evicted blob is fetched again, whole.
    assert_eq!(
        read(&store, &hashes[0]).await.unwrap(),
        bytes(100 * 1024, 10)
    );
}

#[tokio::test]
async fn a_malformed_blobs_url_is_refused_at_load() {
    for bad in ["s3://", "ftp://x/y", "file://", "s3://bucket/../up"] {
        let mut config = Config::default();
        config.store.blobs = bad.into();
        assert!(config.validate().is_err(), "{bad} accepted");
    }
    let mut config = Config::default();
    config.store.blobs = "s3://bucket/some/prefix".into();
    config.validate().unwrap();
}

/// What every blob store does, local or on a bucket (the same checks run
/// against both).
async fn behaves_like_a_blob_store(store: &BlobStore, dir: &std::path::Path) {
    store.check().await.unwrap();
    let a = store.put(b"hello", 100).await.unwrap();
    let b = store.put(b"hello", 100).await.unwrap();
    assert_eq!(a.hash, b.hash, "content-addressed");
    assert_eq!(a.hash.as_str(), blake3::hash(b"hello").to_hex().as_str());
    assert_eq!(a.size, 5);
    assert_eq!(read(store, &a.hash).await.unwrap(), b"hello");

    let mut w = store.writer(4).await.unwrap();
    w.write(b"abc").await.unwrap();
    assert!(matches!(
        w.write(b"de").await,
        Err(Error::TooLarge { limit: 4 })
    ));
    drop(w);
    let mut abandoned = store.writer(100).await.unwrap();
    abandoned.write(b"never finished").await.unwrap();
    drop(abandoned);
    assert_eq!(
        std::fs::read_dir(dir.join("tmp")).unwrap().count(),
        0,
        "refused and abandoned uploads leave nothing behind"
    );
    let unknown = BlobHash::parse(&blake3::hash(b"abc").to_hex()).unwrap();
    assert!(matches!(
        store.open_blob(&unknown).await,
        Err(Error::NotFound(_))
    ));
    assert!(BlobHash::parse("../../etc/passwd").is_err());
}

#[tokio::test]
async fn both_backends_behave_alike() {
    let local = tempfile::tempdir().unwrap();
    behaves_like_a_blob_store(&BlobStore::open(local.path()).unwrap(), local.path()).await;
    let s3 = S3Server::start("library").await;
    let cache = tempfile::tempdir().unwrap();
    behaves_like_a_blob_store(&node(&s3, cache.path()), cache.path()).await;
    // Nothing refused or abandoned reached the bucket: only "hello".
    let objects: Vec<_> = walk(&s3.root.path().join("library"));
    assert_eq!(objects.len(), 1, "{objects:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
