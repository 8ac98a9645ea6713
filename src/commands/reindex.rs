//! `rampart reindex`: rebuilds the match index of every stored version from
//! the blobs (after an upgrade of the matcher, or if indexing at upload
//! failed). Public reference material is kept. Progress goes to stderr.

use super::DataOpts;
use std::io::IsTerminal;

/// Options of `rampart reindex`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let (_, store, _) = opts.data.open_existing().await?;
    let blobs = rampart_blobs::BlobStore::open(opts.data.data.join("blobs"))?;
    let versions = store.versions_to_index().await?;
    store.clear_match_index().await?;
    let total = versions.len();
    let tty = std::io::stderr().is_terminal();
    let mut failed = 0usize;
    for (i, v) in versions.iter().enumerate() {
        let now = time::OffsetDateTime::now_utc();
        if let Err(e) = rampart_web::services::matching::index_version(
            &store,
            &blobs,
            &v.document,
            v.version,
            &v.blob,
            &v.filename,
            now,
        )
        .await
        {
            failed += 1;
            eprintln!("\r{} v{}: {e:#}", v.document, v.version);
        }
        if tty {
            eprint!("\rindexed {}/{total}", i + 1);
        } else if (i + 1) % 1000 == 0 {
            eprintln!("indexed {}/{total}", i + 1);
        }
    }
    if tty {
        eprintln!();
    }
    let stats = store.index_stats().await?;
    store.close().await;
    eprintln!(
        "reindexed {} versions ({} by bytes only); {} public references kept",
        stats.indexed, stats.unindexable, stats.public_refs
    );
    if failed > 0 {
        anyhow::bail!("{failed} versions could not be indexed");
    }
    Ok(())
}
