//! `rampart-bench passages`: the passage index of a generated install, for
//! the semantic matcher's figures. The first `--real` versions are embedded
//! by the real path (`rampart_app::semantic::embed_pending`, as `serve` and
//! `reindex` do): their rate gives the index build time per 10⁵ versions.
//! Embedding all 10⁴–10⁵ versions would take this machine hours to days,
//! so the rest get as many passages as their size gives (a passage per
//! ~360 bytes of text, the real ones' ratio, at most
//! `MAX_STORED_PASSAGES`), with random unit embeddings: the search's cost
//! depends on how many passages there are, not on what they say (a random
//! passage is near nothing, as most stored passages are to a file that is
//! ours in no way).

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
    /// Versions embedded for real (the oldest: the generator stores the
    /// large documents first, each ~1,000 passages).
    #[arg(long, default_value_t = 5)]
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

    let sizes: std::collections::HashMap<(String, i64), i64> = store
        .versions_to_index()
        .await?
        .into_iter()
        .map(|v| ((v.document, v.version), v.size))
        .collect();
    let size_of = |v: &rampart_store::VersionToEmbed| {
        sizes
            .get(&(v.document.clone(), v.version))
            .copied()
            .unwrap_or(0)
    };
    let started = Instant::now();
    let (mut real, mut real_bytes) = (0usize, 0i64);
    while real < opts.real {
        let next = store.versions_to_embed(model, 1).await?;
        let Some(v) = next.first() else { break };
        real_bytes += size_of(v);
        // embed_pending takes the oldest pending version too.
        if rampart_app::semantic::embed_pending_one(&store, &blobs, &embedder).await? == 0 {
            break;
        }
        real += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let cov = store.semantic_coverage(model).await?;
    let rate = cov.passages as f64 / secs;
    let bytes_per_passage = real_bytes as f64 / cov.passages.max(1) as f64;
    let all_bytes: i64 = sizes.values().sum();
    let projected = (all_bytes as f64 / bytes_per_passage)
        .min((sizes.len() * rampart_semantic::MAX_STORED_PASSAGES) as f64);
    println!(
        "embedded {real} versions for real: {} passages ({bytes_per_passage:.0} bytes of file a passage) in {secs:.1} s: {rate:.1} passages/s; this corpus: ~{projected:.0} passages, {:.1} h to embed on this machine; per 10^5 versions: {:.1} h",
        cov.passages,
        projected / rate / 3600.0,
        projected / rate / 3600.0 * 1e5 / sizes.len().max(1) as f64
    );

    let started = Instant::now();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut filled = 0;
    loop {
        let pending = store.versions_to_embed(model, 1000).await?;
        if pending.is_empty() {
            break;
        }
        for v in pending {
            let count = ((size_of(&v) as f64 / bytes_per_passage).round() as usize)
                .clamp(1, rampart_semantic::MAX_STORED_PASSAGES);
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
        "filled {filled} versions with random passages (one per {bytes_per_passage:.0} bytes) in {:.1} s; the index holds {} passages of {} versions",
        started.elapsed().as_secs_f64(),
        cov.passages,
        cov.embedded
    );
    Ok(())
}
