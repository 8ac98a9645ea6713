#![allow(clippy::unwrap_used)]
use super::*;

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn put_is_content_addressed_and_dedupes() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let a = store.put(b"hello", 100).await.unwrap();
    let b = store.put(b"hello", 100).await.unwrap();
    assert_eq!(a.hash, b.hash);
    assert_eq!(a.hash.as_str(), blake3::hash(b"hello").to_hex().as_str());
    let mut f = store.open_blob(&a.hash).await.unwrap();
    let mut s = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut f, &mut s)
        .await
        .unwrap();
    assert_eq!(s, "hello");
    assert_eq!(count_files(&dir.path().join("tmp")), 0);
}

#[tokio::test]
async fn too_large_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let mut w = store.writer(4).await.unwrap();
    w.write(b"abc").await.unwrap();
    assert!(matches!(
        w.write(b"de").await,
        Err(Error::TooLarge { limit: 4 })
    ));
    drop(w);
    assert_eq!(count_files(&dir.path().join("tmp")), 0);
    assert_eq!(count_files(dir.path()), 1, "only tmp/ remains");
}

#[tokio::test]
async fn garbage_collection_spares_locked_and_referenced_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let kept = store.put(b"referenced", 100).await.unwrap();
    let held = store.put(b"held by a writer", 100).await.unwrap();
    let orphan = store.put(b"orphan", 100).await.unwrap();
    let orphan_hash = orphan.hash.clone();
    drop(orphan);
    let mut in_flight = store.writer(100).await.unwrap();
    in_flight.write(b"partial").await.unwrap();
    // A crashed upload: a temp file nobody holds.
    std::fs::write(dir.path().join("tmp").join("dead"), b"x").unwrap();

    // Age the finished blobs past the grace period.
    let old = std::time::SystemTime::now() - GRACE * 2;
    for h in [&kept.hash, &held.hash, &orphan_hash] {
        let path = store.path_of(h);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let kept_hash = kept.hash.clone();
    drop(kept);
    let removed = store.collect_garbage(|h| *h == kept_hash).unwrap();
    assert_eq!(removed, 2, "the orphan and the dead temp file");
    assert!(store.open_blob(&kept_hash).await.is_ok());
    assert!(store.open_blob(&held.hash).await.is_ok());
    assert!(matches!(
        store.open_blob(&orphan_hash).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        count_files(&dir.path().join("tmp")),
        1,
        "the in-flight upload"
    );
    let done = in_flight.finish().await.unwrap();
    assert_eq!(done.size, 7);
}

#[tokio::test]
async fn directories_and_files_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let store = BlobStore::open(&root).unwrap();
    let stored = store.put(b"secret", 100).await.unwrap();
    let writer = store.writer(100).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root), DIR_MODE);
    assert_eq!(mode(&root.join("tmp")), DIR_MODE);
    let blob = store.path_of(&stored.hash);
    assert_eq!(mode(blob.parent().unwrap()), DIR_MODE);
    assert_eq!(mode(&blob), FILE_MODE);
    assert_eq!(mode(&writer.tmp_path), FILE_MODE, "temp files too");
}
