//! `rampart-bench triage`: the library's triage with or without the
//! server's fingerprint key. `rampart triage` always decodes watermarks;
//! the difference between the two runs over the same dump is the
//! decoder's cost.

use anyhow::Context;
use std::path::PathBuf;

/// Options of `triage`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    /// The data dir.
    #[arg(long)]
    data: PathBuf,
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Do not decode watermarks (no fingerprint key).
    #[arg(long)]
    no_key: bool,
    /// Accepted for the command line of `rampart triage`; there is never
    /// a progress bar here.
    #[arg(long)]
    quiet: bool,
    /// Files, directories or archives of the dump.
    #[arg(required = true)]
    dump: Vec<PathBuf>,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let store = rampart_store_sqlite::open(&opts.data.join("rampart.db"))
        .await
        .with_context(|| format!("opening {}", opts.data.display()))?;
    let fingerprinter = if opts.no_key {
        None
    } else {
        Some(rampart_app::install::fingerprinter(&opts.data)?)
    };
    let options = rampart_triage::Options {
        progress: false,
        fingerprinter,
        blobs: Some(rampart_blobs::BlobStore::open(opts.data.join("blobs"))?),
        ..rampart_triage::Options::default()
    };
    let started = std::time::Instant::now();
    let report = rampart_triage::triage(&store, &opts.dump, &options)
        .await
        .context("triage")?;
    let secs = started.elapsed().as_secs_f64();
    store.close().await;
    if let Some(path) = &opts.json {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "triage ({}): {} files, {:.1} MB in {secs:.2} s",
        if opts.no_key { "no key" } else { "with key" },
        report.files,
        report.bytes as f64 / 1e6
    );
    Ok(())
}
