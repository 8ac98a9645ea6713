//! `rampart-bench passages`: the passage index of a generated install, for
//! the semantic matcher's figures. The first `--real` versions are embedded
//! by the real path (`rampart_app::semantic::embed_pending`, as `serve` and
//! `reindex` do): their rate gives the index build time per 10⁵ versions.
//! Embedding all 10⁴–10⁵ versions would take this machine hours to days,
//! so the rest get as many passages as the real ones had on average, with
//! random unit embeddings: the search's cost depends on how many passages
//! there are, not on what they say (a random passage is near nothing, as
//! most stored passages are to a file that is ours in no way).

use anyhow::Context;
use rampart_store::StoredPassage;
use std::{path::PathBuf, sync::Arc, time::Instant};

/// Options of `passages`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    /// The data dir (made by `generate`).
    #[arg(long)]
    data: PathBuf,
    /// The model folder (`scripts/fetch-model.sh` prints it).
    #[arg(long)]
    model: PathBuf,
    /// Versions embedded for real.
    #[arg(long, default_value_t = 100)]
    real: usize,
}

/// A random unit vector, quantised (xorshift: reproducible, no dependency).
fn random_embedding(state: &mut u64) -> Vec<i8> {
    let mut v: Vec<f32> = (0..rampart_semantic::DIM)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            (*state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= norm);
    rampart_semantic::quantise(&v)
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let store = rampart_store_sqlite::open(&opts.data.join("rampart.db"))
        .await
        .with_context(|| format!("opening {}", opts.data.display()))?;
    let blobs = rampart_blobs::BlobStore::open(opts.data.join("blobs"))?;
    let embedder = Arc::new(rampart_semantic::Embedder::load(&opts.model)?);
    let model = rampart_semantic::MODEL;

    let started = Instant::now();
    let mut real = 0;
    while real < opts.real {
        let n = rampart_app::semantic::embed_pending(&store, &blobs, &embedder).await?;
        if n == 0 {
            break;
        }
        real += n;
    }
    let secs = started.elapsed().as_secs_f64();
    let cov = store.semantic_coverage(model).await?;
    let per_version = cov.passages as f64 / real.max(1) as f64;
    println!(
        "embedded {real} versions for real: {} passages ({per_version:.1} a version) in {secs:.1} s: {:.2} versions/s, {:.1} passages/s; 10^5 versions: {:.1} h",
        cov.passages,
        real as f64 / secs,
        cov.passages as f64 / secs,
        1e5 / (real as f64 / secs) / 3600.0
    );

    let started = Instant::now();
    let count = per_version.round().max(1.0) as usize;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut filled = 0;
    loop {
        let pending = store.versions_to_embed(model, 1000).await?;
        if pending.is_empty() {
            break;
        }
        for v in pending {
            let passages: Vec<StoredPassage> = (0..count)
                .map(|_| StoredPassage {
                    text: String::new(),
                    embedding: random_embedding(&mut state),
                })
                .collect();
            store
                .set_version_passages(
                    &v.document,
                    v.version,
                    model,
                    &passages,
                    time::OffsetDateTime::now_utc(),
                )
                .await?;
            filled += 1;
        }
    }
    let cov = store.semantic_coverage(model).await?;
    store.close().await;
    println!(
        "filled {filled} versions with {count} random passages each in {:.1} s; the index holds {} passages of {} versions",
        started.elapsed().as_secs_f64(),
        cov.passages,
        cov.embedded
    );
    Ok(())
}
