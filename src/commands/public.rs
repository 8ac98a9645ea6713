//! `rampart public add DIR --source TEXT`: registers material known to be
//! public (press releases, earlier leaks) as reference, so that triage
//! reports dump files matching it as `public` (no loss).

use super::DataOpts;
use clap::Subcommand;
use std::path::PathBuf;

/// Options of `rampart public`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    #[command(subcommand)]
    command: PublicCommand,
}

#[derive(Debug, Subcommand)]
enum PublicCommand {
    /// Register every file under DIR (archives included) as public material.
    Add {
        /// Directory, file or archive of public material.
        dir: PathBuf,
        /// Where and when it was published (shown in triage reports).
        #[arg(long)]
        source: String,
    },
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let PublicCommand::Add { dir, source } = opts.command;
    if std::fs::symlink_metadata(&dir).is_err() {
        anyhow::bail!("{}: no such file or directory", dir.display());
    }
    let source = source.trim();
    if source.is_empty() || source.chars().count() > 500 {
        anyhow::bail!("--source must be 1 to 500 characters");
    }
    let (config, store, _) = opts.data.open_existing().await?;
    let options = rampart_triage::Options {
        semantic: rampart_app::semantic::load(&config.semantic)?,
        ..rampart_triage::Options::default()
    };
    let added = rampart_triage::add_public(
        &store,
        &[dir],
        source,
        &options,
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    store.close().await;
    for (path, problem) in &added.refused {
        eprintln!("skipped {path}: {problem}");
    }
    println!(
        "registered {} files as public ({} by text, {} by bytes only); {} refused",
        added.indexed + added.bytes_only,
        added.indexed,
        added.bytes_only,
        added.refused.len()
    );
    match options.semantic {
        Some(_) => println!("{} passages embedded for the semantic matcher", added.passages),
        None => println!("semantic matcher off (no [semantic] model_dir): no passages embedded; a rewrite of this material will not be recognised as public"),
    }
    Ok(())
}
