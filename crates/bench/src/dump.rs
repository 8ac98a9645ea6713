//! The leaked dump: served copies (marked by the server's own
//! [`Watermarker`](rampart_app::watermark::Watermarker) and
//! registered with `Store::record_download`, as a download is), originals,
//! edited copies, excerpts, public material and fresh text, shuffled under
//! neutral names, plus the ground truth in `<dump>.truth.json`.

use crate::{
    corpus::{filename, version_text, Downloader, Plan, Role, Stored},
    render::{render, Kind},
    text::Prose,
    GenerateOpts,
};
use anyhow::Context;
use rampart_app::{
    watermark::{Recipient, Served},
    App,
};
use rampart_domain::DownloadId;
use rampart_store::NewDownload;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

/// One dump file before it is written.
struct Leak {
    kind: Kind,
    bytes: Vec<u8>,
    truth: Value,
}

/// Path of the ground truth next to the dump.
pub fn truth_path(dump: &Path) -> std::path::PathBuf {
    let mut name = dump.as_os_str().to_owned();
    name.push(".truth.json");
    name.into()
}

fn blob_path(data: &Path, hash: &str) -> String {
    data.join("blobs")
        .join(&hash[..2])
        .join(hash)
        .display()
        .to_string()
}

/// Registers downloads and public references, then writes every dump file
/// and the ground truth.
pub async fn write(
    state: &App,
    plan: &Plan,
    stored: &Stored,
    prose: &Prose,
    opts: &GenerateOpts,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0xd0_5e);
    std::fs::create_dir_all(&opts.dump)
        .with_context(|| format!("creating {}", opts.dump.display()))?;
    let total = opts.files;
    let mut names: Vec<usize> = (0..total).collect();
    names.shuffle(&mut rng);
    let mut names = names.into_iter();
    let mut truths = Vec::new();
    let mut downloads = 0usize;
    let mut bytes_total = 0u64;
    let mut emit = |leak: Leak, truths: &mut Vec<Value>| -> anyhow::Result<()> {
        let n = names.next().context("more leaks than planned files")?;
        let file = format!("f{n:05}.{}", leak.kind.ext());
        std::fs::write(opts.dump.join(&file), &leak.bytes)
            .with_context(|| format!("writing {file}"))?;
        bytes_total += leak.bytes.len() as u64;
        let mut truth = leak.truth;
        truth["file"] = json!(file);
        truth["format"] = json!(leak.kind.ext());
        truth["bytes"] = json!(leak.bytes.len());
        truths.push(truth);
        Ok(())
    };

    for (index, (doc, (id, blobs))) in plan.docs.iter().zip(&stored.documents).enumerate() {
        if doc.role == Role::Haystack {
            continue;
        }
        let version = rng.gen_range(1..=doc.versions);
        let (hash, size) = &blobs[(version - 1) as usize];
        let text = version_text(prose, doc, version);
        let mut truth = json!({
            "document": id.to_string(),
            "version": version,
            "source_blob": blob_path(&opts.data, hash),
            "source_format": doc.kind.ext(),
        });
        let leak_seed: u64 = rng.gen();
        let (kind, bytes) = match doc.role {
            Role::Haystack => continue,
            Role::Original | Role::Public => (doc.kind, render(&text, doc.kind)),
            Role::Altered => {
                let kind = Kind::from_percent(rng.gen_range(0..100));
                (kind, render(&text.edited(prose, 0.05, leak_seed), kind))
            }
            Role::Excerpt => {
                let kind = Kind::from_percent(rng.gen_range(0..100));
                (kind, render(&text.excerpt(0.25, leak_seed), kind))
            }
            Role::Served => {
                // One to three accounts download it; the first copy leaks,
                // the others are innocent candidates for the decoder.
                let mut who: Vec<&Downloader> = stored.accounts.iter().collect();
                who.shuffle(&mut rng);
                who.truncate(rng.gen_range(1..=3));
                let mut leaked = None;
                for account in who {
                    let served = download(
                        state,
                        &filename(index, doc),
                        *id,
                        version,
                        hash,
                        *size,
                        account,
                    )
                    .await?;
                    downloads += 1;
                    if leaked.is_none() {
                        leaked = Some((account, served));
                    }
                }
                let (account, (download, bytes)) = leaked.context("no download")?;
                truth["account"] = json!(account.email);
                truth["download"] = json!(download.to_string());
                (doc.kind, bytes)
            }
        };
        let (truth_name, expected) = match doc.role {
            Role::Served => ("served", "genuine"),
            Role::Original => ("original", "genuine"),
            Role::Altered => ("altered", "altered"),
            Role::Excerpt => ("excerpt", "excerpt"),
            Role::Public => ("public-document", "public"),
            Role::Haystack => continue,
        };
        truth["truth"] = json!(truth_name);
        truth["expected"] = json!(expected);
        emit(Leak { kind, bytes, truth }, &mut truths)?;
    }
    eprintln!(
        "downloads: {downloads} registered and marked, {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let now = state.clock.now();
    let limits = rampart_docmatch::Limits::default();
    for i in 0..plan.public_refs {
        // Registered as `rampart public add` does: one index row per file.
        let text = prose.document(rng.gen(), plan.big_bytes);
        let source = render(&text, Kind::Txt);
        let path = format!("public/{i:05}.txt");
        let sha: [u8; 32] = Sha256::digest(&source).into();
        let entry = rampart_app::matching::entry_for(sha, &source, &path, &limits);
        state
            .store
            .add_public_ref("Benchmark public web archive", &path, &entry, now)
            .await?;
        let kind = Kind::from_percent(rng.gen_range(0..100));
        let truth = json!({"truth": "public-reference", "expected": "public", "public_path": path});
        emit(
            Leak {
                kind,
                bytes: render(&text, kind),
                truth,
            },
            &mut truths,
        )?;
    }
    for _ in 0..plan.unknown {
        let size = (plan.big_bytes as f64 * rng.gen_range(0.5..1.5)) as usize;
        let text = prose.document(rng.gen(), size);
        let kind = Kind::from_percent(rng.gen_range(0..100));
        let truth = json!({"truth": "unknown", "expected": "unknown"});
        emit(
            Leak {
                kind,
                bytes: render(&text, kind),
                truth,
            },
            &mut truths,
        )?;
    }
    let path = truth_path(&opts.dump);
    let doc = json!({"files": truths.len(), "bytes": bytes_total, "downloads": downloads, "items": truths});
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "dump: {} files, {:.1} MB in {}, truth in {} ({:.0} s)",
        truths.len(),
        bytes_total as f64 / 1e6,
        opts.dump.display(),
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Marks and registers one download as the download service does, and
/// returns its id and the bytes the recipient received.
async fn download(
    state: &App,
    name: &str,
    document: rampart_domain::DocumentId,
    version: i64,
    hash: &str,
    size: u64,
    account: &Downloader,
) -> anyhow::Result<(DownloadId, Vec<u8>)> {
    let blob = rampart_blobs::BlobHash::parse(hash)?;
    let id = DownloadId::random();
    let now = state.clock.now();
    let media_type = rampart_app::media_type_for(name);
    let marked = state
        .watermark
        .mark(
            &state.blobs,
            &blob,
            size,
            media_type,
            &Recipient {
                account: account.id.0,
                email: &account.email,
                nation: &account.nation,
                label: "NON-PUBLIC",
                download: id,
                document,
                version,
                time: now,
            },
        )
        .await?;
    state
        .store
        .record_download(
            &NewDownload {
                id,
                account: account.id,
                session: "bench".into(),
                document,
                version,
                ip: "192.0.2.1".into(),
                user_agent: "rampart-bench".into(),
                scheme: marked.registration.scheme.clone(),
                params: marked.registration.params.to_string(),
            },
            now,
        )
        .await?;
    let original = || async {
        let mut bytes = Vec::new();
        let mut file = state.blobs.open_blob(&blob).await?;
        tokio::io::AsyncReadExt::read_to_end(&mut file, &mut bytes).await?;
        anyhow::Ok(bytes)
    };
    let bytes = match marked.served {
        Served::Bytes(bytes) => bytes,
        Served::Append(update) => {
            let mut bytes = original().await?;
            bytes.extend_from_slice(&update);
            bytes
        }
        Served::Original => original().await?,
    };
    Ok((id, bytes))
}
