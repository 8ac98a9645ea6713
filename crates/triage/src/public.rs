//! `rampart public add`: registering material known to be public, so that
//! a leaked copy of it is reported `public`, not ours.

use crate::{analyze::walk_and_analyze, index_entry, Analyzed, Error, Options, Progress};
use rampart_store::Store;
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
        store.add_public_ref(source, &a.path, &entry, now).await?;
    }
    walker.await.map_err(|e| Error::Walker(e.to_string()))?;
    Ok(out)
}
