//! `rampart-bench`: the issue-5 triage benchmark's data. `generate` builds a
//! fresh install with N indexed document versions (stored and indexed
//! exactly as uploads are, without HTTP), watermarked downloads by a
//! handful of accounts, public reference material, and a leaked dump of
//! mixed formats and verdicts with its ground truth (`truth.json`).
//! `triage` runs the library's triage with or without the fingerprint key,
//! so the script can tell the watermark decoder's share of the time.
//! `scripts/bench-triage.sh` drives both and measures.

mod corpus;
mod dump;
mod passages;
mod render;
mod search;
mod text;
mod triage;

use clap::Parser;
use std::path::PathBuf;

/// Triage benchmark: data generator and key-less triage.
#[derive(Debug, Parser)]
#[command(name = "rampart-bench")]
enum Cli {
    /// Build a fresh data dir with the corpus and downloads, and the dump.
    Generate(GenerateOpts),
    /// Triage a dump (optionally without the fingerprint key) and print
    /// the wall time.
    Triage(triage::Opts),
    /// Search latency over a generated data dir.
    Search(search::Opts),
    /// Fill the passage index of a generated install (semantic matcher).
    Passages(passages::Opts),
}

/// Options of `generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateOpts {
    /// The data dir to create (must not hold a database yet).
    #[arg(long)]
    data: PathBuf,
    /// The dump directory to create.
    #[arg(long)]
    dump: PathBuf,
    /// Document versions in the corpus.
    #[arg(long, default_value_t = 100_000)]
    versions: usize,
    /// Files in the dump.
    #[arg(long, default_value_t = 3_000)]
    files: usize,
    /// Approximate size of the dump in MB (10^6 bytes).
    #[arg(long, default_value_t = 1_000)]
    dump_mb: u64,
    /// Accounts that download.
    #[arg(long, default_value_t = 8)]
    accounts: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 5)]
    seed: u64,
    /// Versions stored at the same time.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

fn main() -> anyhow::Result<()> {
    rampart_semantic::configure_threads(); // as `rampart` does
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli {
        Cli::Generate(opts) => rt.block_on(generate(opts)),
        Cli::Triage(opts) => rt.block_on(triage::run(opts)),
        Cli::Search(opts) => rt.block_on(search::run(opts)),
        Cli::Passages(opts) => rt.block_on(passages::run(opts)),
    }
}

async fn generate(opts: GenerateOpts) -> anyhow::Result<()> {
    if opts.data.join("rampart.db").exists() {
        anyhow::bail!(
            "{} already holds an install; remove it to regenerate",
            opts.data.display()
        );
    }
    let started = std::time::Instant::now();
    let prose = std::sync::Arc::new(text::Prose::train());
    let plan = corpus::Plan::new(&opts);
    let (state, _) = rampart_app::install::open(
        &opts.data,
        rampart_app::Config::default(),
        std::sync::Arc::new(rampart_domain::SystemClock),
    )
    .await?;
    let stored = corpus::store(&state, &plan, &prose, opts.accounts, opts.concurrency).await?;
    eprintln!(
        "corpus: {} versions of {} documents stored and indexed in {:.0} s",
        stored.versions,
        stored.documents.len(),
        started.elapsed().as_secs_f64()
    );
    dump::write(&state, &plan, &stored, &prose, &opts).await?;
    rampart_app::install::close(&state).await?;
    eprintln!("generate: {:.0} s in all", started.elapsed().as_secs_f64());
    Ok(())
}
