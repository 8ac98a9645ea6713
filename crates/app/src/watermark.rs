//! Marks every served copy for its recipient (`rampart-fingerprint`): the
//! invisible, collusion-resistant fingerprint in the text, a visible marking
//! line where the format has pages (PDF, DOCX, ODT), and the download id in
//! the file's metadata. What the download registry must keep to decode a
//! leak later is returned as [`Registration`].
//!
//! PDFs are marked by an incremental update, so the original streams from
//! the blob store unchanged and only the update is built per download; the
//! costly parse is done once per version and cached ([`TemplateCache`]).
//! Text formats, DOCX and ODT are rewritten in memory, bounded by
//! `[watermark] max_bytes` and `concurrency`. Anything that cannot be marked
//! is served as stored, with the download id in the file name, and
//! registered as unmarkable with the reason, so triage knows no fingerprint
//! can be read from a leak of it.

use crate::config::WatermarkConfig;
use rampart_blobs::{BlobHash, BlobStore};
use rampart_fingerprint::{
    AccountId, DownloadId, Fingerprinter, Format, Mark, PdfTemplate, Plan, VersionId,
};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};
use tokio::{io::AsyncReadExt, sync::Semaphore};

/// Who a copy is for and what it is (input of [`Watermarker::mark`]).
#[derive(Debug, Clone)]
pub struct Recipient<'a> {
    /// The account's store id.
    pub account: i64,
    /// The account's email, printed in the marking line.
    pub email: &'a str,
    /// The account's nation, printed in the marking line.
    pub nation: &'a str,
    /// The document's marking label.
    pub label: &'a str,
    /// This download.
    pub download: rampart_domain::DownloadId,
    /// The document.
    pub document: rampart_domain::DocumentId,
    /// The version served.
    pub version: i64,
    /// When, for the marking line.
    pub time: time::OffsetDateTime,
}

/// What to send.
#[derive(Debug)]
pub enum Served {
    /// A marked copy held in memory.
    Bytes(Vec<u8>),
    /// The stored original, then these bytes (a PDF incremental update).
    Append(Vec<u8>),
    /// The stored original unchanged: the format cannot be marked.
    Original,
}

/// What the download registry records about the copy.
#[derive(Debug, Clone)]
pub struct Registration {
    /// `tardos-sym-v1` for a marked copy, `unmarkable` otherwise.
    pub scheme: String,
    /// JSON: format, channel counts and code parameters, or the reason the
    /// copy could not be marked.
    pub params: serde_json::Value,
}

/// A marked (or knowingly unmarked) copy.
#[derive(Debug)]
pub struct Marked {
    /// The bytes to send.
    pub served: Served,
    /// The registry entry.
    pub registration: Registration,
}

impl Marked {
    /// Whether the copy carries a fingerprint.
    pub fn is_marked(&self) -> bool {
        !matches!(self.served, Served::Original)
    }
}

/// The marker of one server: secret, limits and the PDF template cache.
pub struct Watermarker {
    fp: Fingerprinter,
    config: WatermarkConfig,
    /// Parsed PDFs by blob hash.
    templates: Cache<String, PdfTemplate>,
    /// Marking plans (every site and its code position) by version: the
    /// per-version half of marking, so a download costs about one keyed
    /// hash per site.
    plans: Cache<VersionId, Plan>,
    slots: Semaphore,
}

impl std::fmt::Debug for Watermarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watermarker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why marking failed in a way the caller must report (the store or the
/// blob store), as opposed to a file we cannot mark (served unmarked).
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    /// Reading the stored blob failed.
    #[error("reading the stored copy: {0}")]
    Blob(#[from] rampart_blobs::Error),
    /// Reading the stored blob failed.
    #[error("reading the stored copy: {0}")]
    Io(#[from] std::io::Error),
    /// The marking task died.
    #[error("marking task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl Watermarker {
    /// A marker with `fp`'s secret and parameters.
    pub fn new(fp: Fingerprinter, config: WatermarkConfig) -> Self {
        Self {
            fp,
            slots: Semaphore::new(config.concurrency.max(1)),
            config,
            templates: Cache::new(64, 256 * 1024 * 1024, |t: &PdfTemplate| t.heap_bytes()),
            plans: Cache::new(256, 512 * 1024 * 1024, Plan::heap_bytes),
        }
    }

    /// The fingerprinter (for decoding in tests and triage).
    pub fn fingerprinter(&self) -> &Fingerprinter {
        &self.fp
    }

    /// Marks the stored blob `hash` (`size` bytes of `media_type`) for `to`.
    pub async fn mark(
        &self,
        blobs: &BlobStore,
        hash: &BlobHash,
        size: u64,
        media_type: &str,
        to: &Recipient<'_>,
    ) -> Result<Marked, MarkError> {
        let Some(format) = Format::from_media_type(media_type) else {
            return Ok(self.unmarkable(format!("media type {media_type} has no watermark channel")));
        };
        if size > self.config.max_bytes {
            return Ok(self.unmarkable(format!(
                "{size} bytes is more than [watermark] max_bytes ({})",
                self.config.max_bytes
            )));
        }
        // Bounds the copies held in memory and the CPU spent marking.
        let _slot =
            self.slots.acquire().await.map_err(|_| {
                MarkError::Io(std::io::Error::other("the watermark marker is closed"))
            })?;
        let mark = Mark {
            account: AccountId(to.account),
            download: DownloadId(to.download.bytes()),
            version: VersionId {
                document: to.document.bytes(),
                version: to.version,
            },
        };
        let line = marking_line(to);
        if format == Format::Pdf {
            let template = match self.templates.get(&hash.as_str().to_owned()) {
                Some(t) => t,
                None => {
                    let bytes = read_blob(blobs, hash, size).await?;
                    let parsed =
                        tokio::task::spawn_blocking(move || PdfTemplate::parse(&bytes)).await?;
                    match parsed {
                        Ok(t) => self.templates.insert(hash.as_str().to_owned(), t),
                        Err(e) => return Ok(self.unmarkable(format!("pdf: {e}"))),
                    }
                }
            };
            let (fp, t) = (self.fp.clone(), template.clone());
            let plan = self
                .plan(mark.version, move || Ok(fp.prepare_pdf(&t, mark.version)))
                .await?;
            let fp = self.fp.clone();
            let update = match plan {
                Ok(plan) => {
                    tokio::task::spawn_blocking(move || {
                        fp.pdf_update_prepared(&template, &plan, &mark, &line)
                    })
                    .await?
                }
                Err(e) => Err(e),
            };
            return Ok(match update {
                Ok(update) => Marked {
                    registration: self.registration(format, &update.counts),
                    served: Served::Append(update.bytes),
                },
                Err(e) => self.unmarkable(format!("pdf: {e}")),
            });
        }
        let bytes = Arc::new(read_blob(blobs, hash, size).await?);
        let fp = self.fp.clone();
        let (fp2, b) = (fp.clone(), bytes.clone());
        let plan = self
            .plan(mark.version, move || fp2.prepare(format, &b, mark.version))
            .await?;
        let embedded = match plan {
            Ok(plan) => {
                tokio::task::spawn_blocking(move || {
                    fp.mark_prepared_with_marking(&plan, &bytes, &mark, &line)
                })
                .await?
            }
            Err(e) => Err(e),
        };
        Ok(match embedded {
            Ok(e) => Marked {
                registration: self.registration(format, &e.counts),
                served: Served::Bytes(e.bytes),
            },
            Err(e) => self.unmarkable(format!("{}: {e}", format.name())),
        })
    }

    /// The cached plan of `version`, or the one `prepare` makes (on a
    /// blocking thread), cached.
    async fn plan(
        &self,
        version: VersionId,
        prepare: impl FnOnce() -> rampart_fingerprint::Result<Plan> + Send + 'static,
    ) -> Result<rampart_fingerprint::Result<Arc<Plan>>, MarkError> {
        if let Some(plan) = self.plans.get(&version) {
            return Ok(Ok(plan));
        }
        Ok(tokio::task::spawn_blocking(prepare)
            .await?
            .map(|plan| self.plans.insert(version, plan)))
    }

    fn registration(
        &self,
        format: Format,
        counts: &rampart_fingerprint::ChannelCounts,
    ) -> Registration {
        let p = self.fp.params();
        Registration {
            scheme: rampart_fingerprint::Params::ID.to_owned(),
            params: serde_json::json!({
                "format": format.name(),
                "positions": {
                    "space": counts.space,
                    "punctuation": counts.punctuation,
                    "zero_width": counts.zero_width,
                    "word_spacing": counts.word_spacing,
                },
                "code": {
                    "cutoff": p.cutoff,
                    "false_accusation": p.false_accusation,
                    "download_share": p.download_share,
                    "space_share": p.space_share,
                },
            }),
        }
    }

    fn unmarkable(&self, reason: String) -> Marked {
        Marked {
            served: Served::Original,
            registration: Registration {
                scheme: "unmarkable".into(),
                params: serde_json::json!({ "reason": reason }),
            },
        }
    }
}

/// The visible marking line of a copy. `rampart-docmatch` removes it again
/// before matching (it starts with "Rampart copy for" and ends with the
/// download's short id), so a served copy still matches as `genuine`.
pub fn marking_line(to: &Recipient<'_>) -> String {
    let date = to
        .time
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let download = to.download.to_string();
    format!(
        "Rampart copy for {} ({}) \u{b7} {} \u{b7} {date} \u{b7} download {}",
        to.email,
        to.nation,
        to.label,
        &download[..8]
    )
}

/// The whole blob, which the caller has checked is at most `size` bytes
/// (the size recorded at upload; the blob is content-addressed, so it
/// cannot have grown).
async fn read_blob(blobs: &BlobStore, hash: &BlobHash, size: u64) -> Result<Vec<u8>, MarkError> {
    let mut file = blobs.open_blob(hash).await?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.read_to_end(&mut bytes).await?;
    Ok(bytes)
}

/// A cache bounded by entry count and by the weight (approximate heap
/// bytes) of its values, oldest evicted first. Values are shared, so an
/// entry evicted while a download uses it lives until that download ends.
struct Cache<K, V> {
    max_entries: usize,
    max_weight: usize,
    weigh: fn(&V) -> usize,
    inner: Mutex<CacheInner<K, V>>,
}

struct CacheInner<K, V> {
    map: HashMap<K, Arc<V>>,
    order: VecDeque<K>,
    weight: usize,
}

impl<K: std::hash::Hash + Eq + Clone, V> Cache<K, V> {
    fn new(max_entries: usize, max_weight: usize, weigh: fn(&V) -> usize) -> Self {
        Self {
            max_entries,
            max_weight,
            weigh,
            inner: Mutex::new(CacheInner {
                map: HashMap::new(),
                order: VecDeque::new(),
                weight: 0,
            }),
        }
    }

    fn get(&self, key: &K) -> Option<Arc<V>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.map.get(key).cloned()
    }

    fn insert(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = inner.map.get(&key) {
            return existing.clone();
        }
        inner.weight += (self.weigh)(&value);
        inner.map.insert(key.clone(), value.clone());
        inner.order.push_back(key);
        while inner.order.len() > 1
            && (inner.order.len() > self.max_entries || inner.weight > self.max_weight)
        {
            if let Some(old) = inner.order.pop_front() {
                if let Some(v) = inner.map.remove(&old) {
                    inner.weight -= (self.weigh)(&v);
                }
            }
        }
        value
    }
}
