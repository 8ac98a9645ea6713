//! `rampart reindex`: rebuilds the match index of every stored version from
//! the blobs (after an upgrade of the matcher, or if indexing at upload
//! failed), version by version in place. Public reference material is
//! kept. Then, with the semantic matcher on, it embeds the passages of
//! every version not yet embedded. Progress goes to stderr.

use super::DataOpts;
use std::io::IsTerminal;

/// Options of `rampart reindex`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
}

/// Versions written to the store per transaction.
const BATCH: usize = 256;

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let (config, store, _) = opts.data.open_existing().await?;
    let blobs = config.store.open_blobs(&opts.data.data)?;
    // Loaded first: a configured model that does not load stops here.
    let embedder = rampart_app::semantic::load(&config.semantic)?;
    // Each version's rows are replaced in place (not cleared first): the
    // index stays whole for triage while this runs, and clearing 10⁵
    // versions' rows took minutes on its own (87 s for the bands alone).
    let versions = store.versions_to_index().await?;
    let total = versions.len();
    let tty = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    // Fingerprinting is the cost: one version per core at a time, written
    // in batches (a commit per batch, not per version).
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut batches = futures_util::stream::iter(&versions)
        .map(|v| {
            let blobs = &blobs;
            async move {
                let file = rampart_app::matching::VersionFile {
                    blob: &v.blob,
                    filename: &v.filename,
                    title: &v.title,
                };
                let entry = rampart_app::matching::read_entry(blobs, file).await;
                (v, entry)
            }
        })
        .buffer_unordered(workers + 1)
        .chunks(BATCH);
    let (mut done, mut failed) = (0usize, 0usize);
    while let Some(batch) = batches.next().await {
        let mut rows = Vec::with_capacity(batch.len());
        for (v, entry) in &batch {
            match entry {
                Ok(entry) => rows.push((v.document.as_str(), v.version, entry)),
                Err(e) => {
                    failed += 1;
                    eprintln!("\r{} v{}: {e:#}", v.document, v.version);
                }
            }
        }
        store
            .index_versions(&rows, time::OffsetDateTime::now_utc())
            .await?;
        let before = done;
        done += rows.len();
        if tty {
            eprint!("\rindexed {done}/{total}");
        } else if done / 10_000 > before / 10_000 {
            eprintln!("indexed {done}/{total}");
        }
    }
    if tty {
        eprintln!();
    }
    embed_all(&store, &blobs, embedder).await?;
    let stats = store
        .index_stats(rampart_docmatch::Fingerprint::ENCODING)
        .await?;
    store.close().await;
    eprintln!(
        "reindexed {} versions ({} by bytes only) in {:.1} s; {} public references kept{}",
        stats.indexed,
        stats.unindexable,
        started.elapsed().as_secs_f64(),
        stats.public_refs,
        if stats.stale_public_refs > 0 {
            format!(
                " ({} registered by an earlier release: register them again with `rampart public add`)",
                stats.stale_public_refs
            )
        } else {
            String::new()
        }
    );
    if failed > 0 {
        anyhow::bail!("{failed} versions could not be indexed");
    }
    Ok(())
}

/// Embeds the passages of every version the semantic matcher has not (the
/// background embedder of `rampart serve` would, more slowly).
async fn embed_all(
    store: &rampart_store::Store,
    blobs: &rampart_blobs::BlobStore,
    embedder: Option<std::sync::Arc<rampart_semantic::Embedder>>,
) -> anyhow::Result<()> {
    let Some(embedder) = embedder else {
        eprintln!("semantic matcher off (no [semantic] model_dir): no passages embedded");
        return Ok(());
    };
    let started = std::time::Instant::now();
    let mut done = 0;
    loop {
        let n = rampart_app::semantic::embed_pending(store, blobs, &embedder).await?;
        if n == 0 {
            break;
        }
        done += n;
        eprint!("\rembedded {done} versions");
    }
    let cov = store.semantic_coverage(rampart_semantic::MODEL).await?;
    eprintln!(
        "\rembedded the passages of {done} versions in {:.1} s; {} of {} versions embedded, {} passages",
        started.elapsed().as_secs_f64(),
        cov.embedded,
        cov.versions,
        cov.passages
    );
    Ok(())
}
