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
    let removed = rampart_app::install::collect_garbage(&state).await?;
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
    // Versions stored before search existed are not found until
    // `rampart reindex` extracts their text again.
    let (versions, searchable) = state.store.search_coverage().await?;
    if searchable < versions {
        tracing::warn!(
            versions = versions - searchable,
            "versions are not in the search index yet (stored by an earlier release); run `rampart reindex`"
        );
    }
    // The semantic matcher: off without a model (said once here, and in
    // every triage report), else pending versions are embedded in the
    // background.
    let embedder = rampart_app::semantic::load(&state.config.semantic)?;
    match &embedder {
        None => println!(
            "Semantic matcher: off (no [semantic] model_dir): rewritten leaks are not recognised"
        ),
        Some(_) => {
            let cov = state
                .store
                .semantic_coverage(rampart_semantic::MODEL)
                .await?;
            println!(
                "Semantic matcher: on ({} of {} versions embedded; the rest in the background)",
                cov.embedded, cov.versions
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("listening on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    let metrics_listener = match state.config.http.metrics_listen {
        Some(metrics_addr) => Some(
            tokio::net::TcpListener::bind(metrics_addr)
                .await
                .with_context(|| format!("listening for /metrics on {metrics_addr}"))?,
        ),
        None => None,
    };
    println!(
        "Rampart is listening on http://{addr} (data: {})",
        opts.data.data.display()
    );
    if let Some(l) = &metrics_listener {
        println!("Metrics: http://{}/metrics", l.local_addr()?);
    }
    // One signal stops both listeners.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        stop.send_replace(true);
    });
    let stopped = |mut stopping: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let embedding = embedder.map(|e| {
        tokio::spawn(rampart_app::semantic::run_embedder(
            state.store.clone(),
            state.blobs.clone(),
            e,
            stopping.clone(),
        ))
    });
    let public = rampart_web::serve(state.clone(), listener, stopped(stopping.clone()));
    match metrics_listener {
        Some(l) => {
            let metrics = rampart_web::serve_metrics(state.clone(), l, stopped(stopping));
            let (public, metrics) = tokio::join!(public, metrics);
            public?;
            metrics?;
        }
        None => public.await?,
    }
    if let Some(embedding) = embedding {
        // Finishes the version in hand (its passages are written whole).
        let _ = embedding.await;
    }
    rampart_app::install::close(&state).await?;
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
