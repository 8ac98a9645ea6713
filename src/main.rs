//! `rampart`: the one binary. Each subcommand lives in `commands/<name>.rs`
//! with its options and a `run()`; this file only parses and dispatches.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    about = "Document portal that contains bulk exfiltration and traces leaks to their source"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the portal.
    Serve(commands::serve::Opts),
    /// Manage accounts, portals, communities, memberships and tokens.
    Admin(commands::admin::Opts),
    /// Inspect and verify the tamper-evident audit log.
    Audit(commands::audit::Opts),
    /// Bulk-upload a directory of files into a community.
    Import(commands::import::Opts),
    /// Seed a demo world (six portals, ~150 members, ~500 documents).
    Demo(commands::demo::Opts),
    /// Triage a leaked dump: genuine, altered, excerpt, public or unknown, per file.
    Triage(commands::triage::Opts),
    /// Register material known to be public as reference for triage.
    Public(commands::public::Opts),
    /// Rebuild the match index of every stored version from the blobs.
    Reindex(commands::reindex::Opts),
    /// Copy an embedded install to PostgreSQL and an S3-compatible bucket.
    Migrate(commands::migrate::Opts),
}

/// The umask of every command: files and directories Rampart creates are
/// its own alone (the data dir holds the library, the audit log and the
/// password hashes). Explicit modes where files are created say the same;
/// the umask also covers what libraries create behind our back.
const UMASK: u32 = 0o077;

fn main() -> ExitCode {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(UMASK));
    rampart_semantic::configure_threads();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(opts) => commands::serve::run(opts).await,
            Command::Admin(opts) => commands::admin::run(opts).await,
            Command::Audit(opts) => commands::audit::run(opts).await,
            Command::Import(opts) => commands::import::run(opts).await,
            Command::Demo(opts) => commands::demo::run(opts).await,
            Command::Triage(opts) => commands::triage::run(opts).await,
            Command::Public(opts) => commands::public::run(opts).await,
            Command::Reindex(opts) => commands::reindex::run(opts).await,
            Command::Migrate(opts) => commands::migrate::run(opts).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once: our error types
/// already show their source in their own message (`store: database: …`),
/// so the chain would repeat it.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}
