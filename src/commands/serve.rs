//! `rampart serve`: run the portal until SIGINT or SIGTERM, then let
//! in-flight requests finish before exiting.

use super::{announce_first_admin, DataOpts};
use anyhow::Context;
use std::net::SocketAddr;

/// Options of `rampart serve`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let (state, first) = opts.data.open().await?;
    announce_first_admin(&first);
    let removed = rampart_web::install::collect_garbage(&state).await?;
    if removed > 0 {
        tracing::info!(removed, "removed leftovers of interrupted uploads");
    }
    // An upgraded matcher leaves older fingerprints in the index: they
    // match by exact hashes only until `rampart reindex` renews them.
    let stats = state
        .store
        .index_stats(rampart_docmatch::Fingerprint::ENCODING)
        .await?;
    if stats.stale > 0 {
        tracing::warn!(
            versions = stats.stale,
            "the match index holds fingerprints of an earlier release, which triage matches by exact hashes only; run `rampart reindex`"
        );
    }
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("listening on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "Rampart is listening on http://{addr} (data: {})",
        opts.data.data.display()
    );
    rampart_web::serve(state.clone(), listener, shutdown_signal()).await?;
    rampart_web::install::close(&state).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
