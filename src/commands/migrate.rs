//! `rampart migrate --to-database URL --to-blobs URL`: copies the install at
//! `--data` (as `--config` describes it, the embedded default unless it
//! says otherwise) to PostgreSQL and an S3-compatible bucket, then checks
//! the copy (see `rampart_app::migrate`). Resumable: run it again after an
//! interruption. Progress goes to stderr, the summary to stdout.

use super::DataOpts;
use anyhow::Context;
use rampart_app::config::StoreConfig;
use rampart_app::migrate::{migrate, Ends};

/// Options of `rampart migrate`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    /// Where the state goes: `postgres://user:password@host/db`.
    #[arg(long)]
    to_database: String,
    /// Where the blobs go: `s3://bucket/prefix`; the endpoint and
    /// credentials come from `[store.s3]` or the AWS_* variables.
    #[arg(long)]
    to_blobs: String,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let (config, source, signer) = opts.data.open_existing().await?;
    let data = &opts.data.data;
    let source_blobs = config.store.open_blobs(data)?;
    let target_config = StoreConfig {
        database: opts.to_database.clone(),
        blobs: opts.to_blobs.clone(),
        s3: config.store.s3.clone(),
    };
    target_config.validate().map_err(anyhow::Error::msg)?;
    if !target_config.blobs.starts_with("s3://") {
        anyhow::bail!("--to-blobs must be a bucket (s3://BUCKET/PREFIX)");
    }
    if target_config.database == config.store.database {
        anyhow::bail!("--to-database is the database the install is in already");
    }
    let target = target_config
        .open_database(data)
        .await
        .context("opening the target database")?;
    // The bucket is written through a cache of its own and read back
    // through another, empty one: neither is the data dir's blobs/, which
    // holds the source.
    let cache = data.join("migrate-cache");
    if cache.exists() {
        std::fs::remove_dir_all(&cache)?;
    }
    let target_blobs = target_config.open_blobs(&cache.join("upload"))?;
    let check_blobs = target_config.open_blobs(&cache.join("check"))?;
    target_blobs
        .check()
        .await
        .context("the target bucket does not answer")?;
    let ends = Ends {
        source: &source,
        source_blobs: &source_blobs,
        target: &target,
        target_blobs: &target_blobs,
        check_blobs: &check_blobs,
    };
    let verifiers = rampart_tlog::VerifierList::from(signer.verifier());
    let report = migrate(&ends, &verifiers, &config.audit.origin, &|line| {
        eprintln!("{line}");
    })
    .await;
    let _ = std::fs::remove_dir_all(&cache);
    let report = report?;
    let rows: i64 = report.tables.iter().map(|t| t.target).sum();
    let added: u64 = report.tables.iter().map(|t| t.added).sum();
    println!(
        "Copied {} tables ({rows} rows, {added} new in this run) and {} blobs.",
        report.tables.len(),
        report.blobs
    );
    println!(
        "Checked: every table's row count, every blob read back from the bucket and hashed, and the audit log ({} entries, root {}, {} signed checkpoints) verified.",
        report.log_entries, report.log_root, report.checkpoints
    );
    println!(
        "Search index rebuilt in the target: {} versions searchable.",
        report.searchable
    );
    println!(
        "Next: give every node [store] database and blobs as above, and the same keys/ directory."
    );
    target.close().await;
    Ok(())
}
