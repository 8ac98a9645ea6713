//! The corpus: which documents exist (a [`Plan`] derived from the options
//! alone), and storing them as uploads are stored — blob written and
//! synced, document or version row, then the match index through
//! `rampart_app::matching::index_version`, the very function the
//! upload path calls — without HTTP and without the per-upload audit event
//! (the audit log is not what this benchmark measures).

use crate::{
    render::{render, Kind},
    text::{Prose, Text},
    GenerateOpts,
};
use anyhow::Context;
use rampart_app::{
    admin::{self, AccountInput, Actor},
    App,
};
use rampart_domain::{AccountId, DocumentId, Marking};
use rampart_store::{NewDocument, NewVersion};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::sync::Arc;

/// What a document is for in the dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Only in the corpus (the haystack).
    Haystack,
    /// Downloaded; the first download's watermarked copy is leaked.
    Served,
    /// Leaked as stored.
    Original,
    /// Leaked with ~5 % of its words replaced.
    Altered,
    /// Leaked as a 25 % excerpt.
    Excerpt,
    /// Marked public at upload; leaked as stored.
    Public,
}

/// One planned document.
#[derive(Debug, Clone)]
pub struct PlannedDoc {
    /// Seed of its text.
    pub seed: u64,
    /// Approximate text size.
    pub bytes: usize,
    /// Stored format.
    pub kind: Kind,
    /// 1 or 2 versions (the second an edit of the first).
    pub versions: i64,
    /// Its part in the dump.
    pub role: Role,
}

/// Every document and dump file, from the options alone.
#[derive(Debug)]
pub struct Plan {
    /// Documents, big (leaked) ones first.
    pub docs: Vec<PlannedDoc>,
    /// Public reference files registered with `add_public_ref`.
    pub public_refs: usize,
    /// Unknown (fresh) files in the dump.
    pub unknown: usize,
    /// Mean text size of a leaked document, so the dump reaches its size.
    pub big_bytes: usize,
}

impl Plan {
    /// Splits the dump 10 % served copies, 20 % originals, 20 % altered,
    /// 20 % excerpts, 5 % public documents, 5 % public references, 20 %
    /// unknown; fills the corpus up to `versions` with smaller documents.
    pub fn new(opts: &GenerateOpts) -> Plan {
        let mut rng = StdRng::seed_from_u64(opts.seed);
        let f = opts.files;
        let counts = [
            (Role::Served, f / 10),
            (Role::Original, f / 5),
            (Role::Altered, f / 5),
            (Role::Excerpt, f / 5),
            (Role::Public, f / 20),
        ];
        let public_refs = f / 20;
        let unknown = f - counts.iter().map(|c| c.1).sum::<usize>() - public_refs;
        // Excerpts are a quarter of their source: scale the sources up so
        // the dump reaches its size (formats add ~10 % on average).
        let mean_file = (opts.dump_mb as f64 * 1e6 / f.max(1) as f64) / 1.1;
        let big_bytes = (mean_file / (1.0 - 0.75 * 0.2)) as usize;
        let mut docs = Vec::new();
        for (role, n) in counts {
            for _ in 0..n {
                docs.push(PlannedDoc {
                    seed: rng.gen(),
                    bytes: (big_bytes as f64 * rng.gen_range(0.5..1.5)) as usize,
                    kind: Kind::from_percent(rng.gen_range(0..100)),
                    versions: if rng.gen_bool(0.2) { 2 } else { 1 },
                    role,
                });
            }
        }
        let mut stored: usize = docs.iter().map(|d| d.versions as usize).sum();
        while stored < opts.versions {
            let versions = if rng.gen_bool(0.2) && stored + 2 <= opts.versions {
                2
            } else {
                1
            };
            // Haystack PDFs stay rare: real portals hold mostly text, and
            // PDF indexing dominates generation time.
            let kind = if rng.gen_bool(0.1) {
                Kind::Pdf
            } else {
                Kind::from_percent(rng.gen_range(0..75))
            };
            docs.push(PlannedDoc {
                seed: rng.gen(),
                bytes: rng.gen_range(1_500..15_000),
                kind,
                versions,
                role: Role::Haystack,
            });
            stored += versions as usize;
        }
        Plan {
            docs,
            public_refs,
            unknown,
            big_bytes,
        }
    }
}

/// The text of version `version` of `doc`.
pub fn version_text(prose: &Prose, doc: &PlannedDoc, version: i64) -> Text {
    let text = prose.document(doc.seed, doc.bytes);
    if version >= 2 {
        text.edited(prose, 0.03, doc.seed ^ 0x5eed_0002)
    } else {
        text
    }
}

/// File name of a stored version.
pub fn filename(index: usize, doc: &PlannedDoc) -> String {
    format!("doc-{index:06}.{}", doc.kind.ext())
}

/// An account that downloads.
#[derive(Debug, Clone)]
pub struct Downloader {
    /// Store id.
    pub id: AccountId,
    /// Email.
    pub email: String,
    /// Nation (alpha-3).
    pub nation: String,
}

/// A stored document: its id and `(blob hash, size)` per version.
pub type StoredDoc = (DocumentId, Vec<(String, u64)>);

/// What was stored.
#[derive(Debug)]
pub struct Stored {
    /// Per planned document, in plan order.
    pub documents: Vec<StoredDoc>,
    /// Versions stored.
    pub versions: usize,
    /// The downloading accounts.
    pub accounts: Vec<Downloader>,
}

fn app(e: rampart_app::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Creates the community and accounts, then stores and indexes every
/// planned document, `concurrency` at a time.
pub async fn store(
    state: &App,
    plan: &Plan,
    prose: &Arc<Prose>,
    accounts: usize,
    concurrency: usize,
) -> anyhow::Result<Stored> {
    admin::create_portal(state, Actor::Console, "bench", "Benchmark")
        .await
        .map_err(app)?;
    admin::create_community(state, Actor::Console, "bench", "docs", "Documents")
        .await
        .map_err(app)?;
    let community = state
        .store
        .community_by_path("bench", "docs")
        .await?
        .context("community bench/docs")?;
    const NATIONS: [&str; 8] = ["FRA", "DEU", "ITA", "ESP", "POL", "NLD", "BEL", "CAN"];
    let mut downloaders = Vec::new();
    for i in 0..=accounts {
        let email = if i == 0 {
            "uploader@bench.example".to_owned()
        } else {
            format!("reader{i}@bench.example")
        };
        let nation = NATIONS[i % NATIONS.len()];
        let (id, _) = admin::create_account(
            state,
            Actor::Console,
            AccountInput {
                email: &email,
                name: &format!("Bench account {i}"),
                nation,
                admin: false,
                security: false,
            },
        )
        .await
        .map_err(app)?;
        downloaders.push(Downloader {
            id,
            email,
            nation: nation.to_owned(),
        });
    }
    let uploader = downloaders.remove(0).id;

    let total = plan.docs.len();
    let mut documents: Vec<Option<StoredDoc>> = vec![None; total];
    let mut tasks = tokio::task::JoinSet::new();
    let started = std::time::Instant::now();
    let mut done = 0usize;
    let mut versions = 0usize;
    for (index, doc) in plan.docs.iter().enumerate() {
        while tasks.len() >= concurrency.max(1) {
            if let Some(r) = tasks.join_next().await {
                let (i, stored): (usize, StoredDoc) = r??;
                versions += stored.1.len();
                documents[i] = Some(stored);
                done += 1;
                if done.is_multiple_of((total / 20).max(1)) {
                    eprintln!(
                        "  {done}/{total} documents ({versions} versions), {:.0} s",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        let (state, prose, doc) = (state.clone(), prose.clone(), doc.clone());
        let community = community.id;
        tasks.spawn(async move {
            let stored = store_document(&state, &prose, index, &doc, community, uploader).await?;
            anyhow::Ok((index, stored))
        });
    }
    while let Some(r) = tasks.join_next().await {
        let (i, stored) = r??;
        versions += stored.1.len();
        documents[i] = Some(stored);
    }
    Ok(Stored {
        documents: documents.into_iter().flatten().collect(),
        versions,
        accounts: downloaders,
    })
}

async fn store_document(
    state: &App,
    prose: &Prose,
    index: usize,
    doc: &PlannedDoc,
    community: rampart_domain::CommunityId,
    uploader: AccountId,
) -> anyhow::Result<StoredDoc> {
    let id = DocumentId::random();
    let name = filename(index, doc);
    let media_type = rampart_app::media_type_for(&name).to_owned();
    let mut blobs = Vec::new();
    for version in 1..=doc.versions {
        let text = version_text(prose, doc, version);
        let bytes = render(&text, doc.kind);
        let mut writer = state.blobs.writer(state.config.upload.max_bytes).await?;
        writer.write(&bytes).await?;
        let blob = writer.finish().await?;
        let new = NewVersion {
            blob: blob.hash.to_string(),
            size: bytes.len() as i64,
            media_type: media_type.clone(),
            filename: name.clone(),
            uploaded_by: uploader,
        };
        let now = state.clock.now();
        let title = format!("{} ({index})", text.title);
        if version == 1 {
            let marking = Marking {
                label: "NON-PUBLIC".into(),
                releasable_nations: Vec::new(),
                releasable_communities: Vec::new(),
                public_since: (doc.role == Role::Public)
                    .then_some(time::macros::date!(2025 - 06 - 01)),
                public_source: (doc.role == Role::Public)
                    .then(|| "Benchmark press release".to_owned()),
                canary: false,
            };
            state
                .store
                .create_document(
                    &NewDocument {
                        id,
                        community,
                        title: title.clone(),
                        marking,
                        version: new.clone(),
                    },
                    now,
                )
                .await?;
        } else {
            state.store.add_version(id, &new, now).await?;
        }
        drop(blob);
        rampart_app::matching::index_version(
            &state.store,
            &state.blobs,
            &id.to_string(),
            version,
            rampart_app::matching::VersionFile {
                blob: &new.blob,
                filename: &name,
                title: &title,
            },
            now,
        )
        .await?;
        blobs.push((new.blob, bytes.len() as u64));
    }
    Ok((id, blobs))
}
