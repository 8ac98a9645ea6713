//! The semantic matcher's part of the application: loading the model from
//! `[semantic] model_dir`, and embedding the passages of stored versions.
//!
//! Uploads never wait for the model (a version of 10,000 words is ~3 s of
//! a core). A version is pending until its passages are stored (the store
//! derives the queue from the versions themselves, so nothing is lost to a
//! crash or a restart); `rampart serve` embeds pending versions in the
//! background, `rampart reindex` all of them at once.

use rampart_blobs::{BlobHash, BlobStore};
use rampart_semantic::{embed_text, Embedder, MODEL};
use rampart_store::{Store, StoredPassage, VersionToEmbed};
use serde::{Deserialize, Serialize};
use std::{path::PathBuf, sync::Arc, time::Duration};
use time::OffsetDateTime;
use tokio::io::AsyncReadExt;

/// `[semantic]`: the sentence-embedding model that recognises rewritten
/// leaks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SemanticConfig {
    /// The folder holding `model.safetensors`, `tokenizer.json` and
    /// `config.json` of all-MiniLM-L6-v2 (`scripts/fetch-model.sh` fetches
    /// it and prints the folder). Unset: the matcher is off, and `serve`
    /// and triage reports say so.
    pub model_dir: Option<PathBuf>,
}

/// Loads the configured model; `None` when none is configured. A folder
/// that is configured but does not hold the model is an error: the
/// operator asked for the matcher, so it is not silently off.
pub fn load(config: &SemanticConfig) -> anyhow::Result<Option<Arc<Embedder>>> {
    let Some(dir) = &config.model_dir else {
        return Ok(None);
    };
    let embedder = Embedder::load(dir).map_err(|e| {
        anyhow::anyhow!(
            "[semantic] model_dir {}: {e} (run scripts/fetch-model.sh, or remove the setting to run without the semantic matcher)",
            dir.display()
        )
    })?;
    Ok(Some(Arc::new(embedder)))
}

/// Versions taken from the queue at a time.
const BATCH: i64 = 16;

/// How long a batch's versions stay claimed: well over the time a batch
/// takes (16 versions of at most 300 passages, ~3 minutes of one slow
/// core), so that another node never takes them up while they are being
/// embedded; a node that stops mid-batch leaves them to the others after
/// this.
const CLAIM: Duration = Duration::from_secs(15 * 60);

/// Embeds up to [`BATCH`] pending versions, oldest first, that no other
/// embedder has claimed; returns how many were embedded (0: none is
/// pending or free). A version whose blob cannot be read (a bucket down, a
/// missing file) is logged and stays pending, to be tried again when its
/// claim ends ([`CLAIM`]); a batch of nothing but such versions is an error, so that
/// the caller waits instead of spinning. (Recording it with no passages
/// would lose it for good to an outage.)
pub async fn embed_pending(
    store: &Store,
    blobs: &BlobStore,
    embedder: &Arc<Embedder>,
) -> anyhow::Result<usize> {
    embed_some(store, blobs, embedder, BATCH).await
}

/// Embeds the oldest pending version, if any (benchmarks time one at a
/// time).
pub async fn embed_pending_one(
    store: &Store,
    blobs: &BlobStore,
    embedder: &Arc<Embedder>,
) -> anyhow::Result<usize> {
    embed_some(store, blobs, embedder, 1).await
}

async fn embed_some(
    store: &Store,
    blobs: &BlobStore,
    embedder: &Arc<Embedder>,
    limit: i64,
) -> anyhow::Result<usize> {
    let now = OffsetDateTime::now_utc();
    let pending = store
        .claim_versions_to_embed(MODEL, limit, now, now + CLAIM)
        .await?;
    let mut done = 0;
    let mut failed = None;
    for v in &pending {
        let passages = match passages_of(blobs, embedder, v).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(document = %v.document, version = v.version, error = %e, "cannot embed this version yet; it stays pending");
                failed = Some(format!("{} v{}: {e:#}", v.document, v.version));
                continue;
            }
        };
        store
            .set_version_passages(
                &v.document,
                v.version,
                MODEL,
                &passages,
                OffsetDateTime::now_utc(),
            )
            .await?;
        done += 1;
    }
    match failed {
        Some(e) if done == 0 => anyhow::bail!("no pending version could be embedded ({e})"),
        _ => Ok(done),
    }
}

/// The embedder of `rampart serve`: takes pending versions until none is
/// left, then looks again every few seconds, until `stopping` turns true.
/// Several nodes may run it: each claims its batch (`CLAIM`), so they
/// share the pending versions instead of all embedding the oldest.
pub async fn run_embedder(
    store: Store,
    blobs: BlobStore,
    embedder: Arc<Embedder>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let idle = match embed_pending(&store, &blobs, &embedder).await {
            Ok(0) => Duration::from_secs(5),
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::error!(error = %e, "embedding passages failed; retrying in a minute");
                Duration::from_secs(60)
            }
        };
        if *stopping.borrow() {
            return;
        }
        if !idle.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    }
}

/// One version's passages: its text extracted as triage extracts a leaked
/// file's, cut and embedded on a blocking thread.
async fn passages_of(
    blobs: &BlobStore,
    embedder: &Arc<Embedder>,
    v: &VersionToEmbed,
) -> anyhow::Result<Vec<StoredPassage>> {
    let limits = rampart_docmatch::Limits::default();
    let mut file = blobs.open_blob(&BlobHash::parse(&v.blob)?).await?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(limits.max_input_bytes + 1)
        .read_to_end(&mut bytes)
        .await?;
    if bytes.len() as u64 > limits.max_input_bytes {
        anyhow::bail!(
            "over the extraction limit of {} bytes",
            limits.max_input_bytes
        );
    }
    let (embedder, filename) = (embedder.clone(), v.filename.clone());
    let passages = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let text = match rampart_docmatch::extract_text(&bytes, Some(&filename), &limits) {
            Ok(e) => e.text,
            // Not extractable: no passages, as no fingerprint.
            Err(_) => return Ok(Vec::new()),
        };
        Ok(embed_text(&embedder, &text)?)
    })
    .await??;
    Ok(passages
        .into_iter()
        .map(|(text, embedding)| StoredPassage { text, embedding })
        .collect())
}
