//! `rampart public add`: registering material known to be public, so that
//! a leaked copy of it is reported `public`, not ours.

use crate::{analyze::walk_and_analyze, index_entry, Analyzed, Error, Options, Progress};
use rampart_store::{Store, StoredPassage};
use std::{path::PathBuf, sync::Arc};

/// What `public add` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicAdded {
    /// Files registered with a fingerprint.
    pub indexed: u64,
    /// Files registered by bytes only (text not extracted).
    pub bytes_only: u64,
    /// Items refused (not registered), with their problems.
    pub refused: Vec<(String, String)>,
    /// Passages embedded for the semantic matcher (none when it is off).
    pub passages: u64,
}

/// Registers every file under `inputs` (archives included) as public
/// reference material from `source`.
pub async fn add_public(
    store: &Store,
    inputs: &[PathBuf],
    source: &str,
    opts: &Options,
    now: time::OffsetDateTime,
) -> Result<PublicAdded, Error> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Analyzed>(64);
    let walker = {
        let (inputs, opts) = (inputs.to_vec(), opts.clone());
        tokio::task::spawn_blocking(move || {
            walk_and_analyze(&inputs, &opts, None, Arc::new(Progress::default()), tx)
        })
    };
    let mut out = PublicAdded::default();
    while let Some(a) = rx.recv().await {
        let Some(sha) = a.sha256.filter(|_| !a.refused) else {
            out.refused
                .push((a.path, a.problem.unwrap_or_else(|| "not read".into())));
            continue;
        };
        if a.fingerprint.is_some() {
            out.indexed += 1;
        } else {
            out.bytes_only += 1;
        }
        let entry = index_entry(sha, a.fingerprint.as_ref(), a.problem, &opts.params);
        let id = store.add_public_ref(source, &a.path, &entry, now).await?;
        if let (Some(embedder), Some(text)) = (&opts.semantic, a.text) {
            // A rewrite of public material is public, not ours: its
            // passages go into the same index as our versions'.
            let embedder = embedder.clone();
            let passages = tokio::task::spawn_blocking(move || embed_text(&embedder, &text))
                .await
                .map_err(|e| Error::Task("embedding", e.to_string()))?
                .map_err(|e| Error::Task("embedding", e.to_string()))?;
            out.passages += passages.len() as u64;
            store
                .set_public_passages(id, rampart_semantic::MODEL, &passages)
                .await?;
        }
    }
    walker.await.map_err(|e| Error::Walker(e.to_string()))?;
    Ok(out)
}

/// A text's passages with their embeddings, as the store keeps them.
pub fn embed_text(
    embedder: &rampart_semantic::Embedder,
    text: &str,
) -> Result<Vec<StoredPassage>, rampart_semantic::Error> {
    Ok(rampart_semantic::embed_text(embedder, text)?
        .into_iter()
        .map(|(text, embedding)| StoredPassage { text, embedding })
        .collect())
}
