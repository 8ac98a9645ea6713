//! `rampart triage DUMP… [--json FILE] [--html FILE]`: is each file of a
//! leaked dump ours, intact, altered, an excerpt, already public, or not
//! ours? Reads the data dir's match index (works while the server runs:
//! SQLite WAL readers do not block it), prints a summary, and writes the
//! JSON report of DESIGN.md §9 and a self-contained HTML report.

use super::DataOpts;
use anyhow::Context;
use std::path::PathBuf;

/// Options of `rampart triage`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    /// Files, directories, zip, tar or tar.gz archives of the dump.
    #[arg(required = true)]
    dump: Vec<PathBuf>,
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the self-contained HTML report here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    for p in &opts.dump {
        if std::fs::symlink_metadata(p).is_err() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    let (config, store, _) = opts.data.open_existing().await?;
    let options = rampart_triage::Options {
        progress: !opts.quiet,
        fingerprinter: Some(rampart_app::install::fingerprinter(&opts.data.data)?),
        blobs: Some(config.store.open_blobs(&opts.data.data)?),
        semantic: rampart_app::semantic::load(&config.semantic)?,
        ..rampart_triage::Options::default()
    };
    let report = rampart_triage::triage(&store, &opts.dump, &options)
        .await
        .context("triage")?;
    store.close().await;
    if let Some(path) = &opts.json {
        super::write_private(path, (report.to_json() + "\n").as_bytes())?;
    }
    if let Some(path) = &opts.html {
        super::write_private(path, rampart_triage::html::render(&report).as_bytes())?;
    }
    print!("{}", report.summary_text());
    Ok(())
}
