//! The rewrite search of the files nothing matched by words, several at a
//! time. Each file's first sampled passages are compared with every
//! stored passage; that scan reads the whole passage index from memory
//! (319 MB on the triage benchmark), and with one file's two queries it
//! was a third of the matcher's cost there once the model ran in 8 bits.
//! A batch of files shares one scan ([`rewrite::Semantic::find_many`]), on
//! a blocking thread, with as many batches at once as the machine has
//! cores.

use crate::{
    lookup::{round4, Looked, Rewritten},
    report, rewrite, Error,
};
use rampart_store::Store;
use std::sync::Arc;

/// Files searched together: 32 queries in one scan cost 180 ms against
/// 32–37 ms for two (`examples/scan.rs` of rampart-semantic), 11 ms a file
/// instead of 35; 64 queries cost 354 ms, no less a file, and hold the
/// files' results back longer.
const BATCH: usize = 16;

/// The matcher as it loads: the stored passages are read from the store
/// while the walk starts.
pub(crate) type Loading = tokio::task::JoinHandle<Result<Arc<rewrite::Semantic>, Error>>;

/// The files waiting for their rewrite search, and the searches running.
pub(crate) struct Rewrites {
    store: Store,
    loading: Option<Loading>,
    semantic: Option<Arc<rewrite::Semantic>>,
    waiting: Vec<Looked>,
    running: tokio::task::JoinSet<Result<Vec<Looked>, Error>>,
    parallel: usize,
}

impl Rewrites {
    /// With the matcher loading, or off (`None`).
    pub(crate) fn new(store: Store, loading: Option<Loading>) -> Self {
        Rewrites {
            store,
            loading,
            semantic: None,
            waiting: Vec::new(),
            running: tokio::task::JoinSet::new(),
            parallel: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Takes a looked-up file; gives back the files ready to be reported:
    /// this one if it needs no rewrite search, and those whose search has
    /// ended.
    pub(crate) async fn push(&mut self, looked: Looked) -> Result<Vec<Looked>, Error> {
        let mut ready = Vec::new();
        match looked.rewrite_text {
            Some(_) => self.waiting.push(looked),
            None => ready.push(looked),
        }
        if self.waiting.len() >= BATCH {
            // At most a batch a core: wait for one to end first.
            if self.running.len() >= self.parallel {
                ready.extend(self.join_one().await?);
            }
            ready.extend(self.start().await?);
        }
        while let Some(done) = self.running.try_join_next() {
            ready.extend(joined(done)?);
        }
        Ok(ready)
    }

    /// Searches the files still waiting; gives back every file not given
    /// back yet.
    pub(crate) async fn finish(&mut self) -> Result<Vec<Looked>, Error> {
        let mut ready = Vec::new();
        if !self.waiting.is_empty() {
            ready.extend(self.start().await?);
        }
        while !self.running.is_empty() {
            ready.extend(self.join_one().await?);
        }
        Ok(ready)
    }

    /// The matcher, once loaded (`None` when it is off).
    pub(crate) async fn semantic(&mut self) -> Result<Option<Arc<rewrite::Semantic>>, Error> {
        if let Some(loading) = self.loading.take() {
            let loaded = loading
                .await
                .map_err(|e| Error::Task("loading the stored passages", e.to_string()))??;
            self.semantic = Some(loaded);
        }
        Ok(self.semantic.clone())
    }

    /// Starts the search of the files waiting. A file waits only with the
    /// matcher on; were it off, they are given back as they are.
    async fn start(&mut self) -> Result<Vec<Looked>, Error> {
        let batch = std::mem::take(&mut self.waiting);
        match self.semantic().await? {
            Some(semantic) => {
                self.running
                    .spawn(search(self.store.clone(), semantic, batch));
                Ok(Vec::new())
            }
            None => Ok(batch),
        }
    }

    async fn join_one(&mut self) -> Result<Vec<Looked>, Error> {
        match self.running.join_next().await {
            Some(done) => joined(done),
            None => Ok(Vec::new()),
        }
    }
}

fn joined(
    done: Result<Result<Vec<Looked>, Error>, tokio::task::JoinError>,
) -> Result<Vec<Looked>, Error> {
    done.map_err(|e| Error::Task("rewrite search", e.to_string()))?
}

/// Whether each file of `batch` rewrites an indexed item (the model runs
/// on a blocking thread), with the aligned passages' texts.
async fn search(
    store: Store,
    semantic: Arc<rewrite::Semantic>,
    mut batch: Vec<Looked>,
) -> Result<Vec<Looked>, Error> {
    let texts: Vec<Arc<String>> = batch
        .iter_mut()
        .map(|l| l.rewrite_text.take().unwrap_or_default())
        .collect();
    let found = tokio::task::spawn_blocking(move || {
        let texts: Vec<&str> = texts.iter().map(|t| t.as_str()).collect();
        semantic.find_many(&texts)
    })
    .await
    .map_err(|e| Error::Task("rewrite search", e.to_string()))?
    .map_err(|e| Error::Task("rewrite search", e.to_string()))?;
    for (looked, found) in batch.iter_mut().zip(found) {
        if let Some(found) = found {
            looked.rewritten = Some(evidence(&store, found).await?);
        }
    }
    Ok(batch)
}

/// A rewrite found, with the texts of the passages it aligns.
async fn evidence(store: &Store, found: rewrite::Found) -> Result<Rewritten, Error> {
    let a = found.alignment;
    let ours = store.passages_of(&a.source).await?;
    let pairs = a
        .pairs
        .iter()
        .filter_map(|&(i, j, c)| {
            Some(report::AlignedPassage {
                leaked: found.passages.get(i)?.text.clone(),
                ours: ours.get(j)?.text.clone(),
                similarity: round4(f64::from(c)),
            })
        })
        .collect();
    Ok(Rewritten {
        source: a.source,
        share: a.share,
        similarity: a.similarity,
        evidence: report::RewriteEvidence {
            file_passages: found.passages.len(),
            document_passages: a.ours,
            pairs,
        },
    })
}
