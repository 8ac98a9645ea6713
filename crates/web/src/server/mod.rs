//! The accept loop. `axum::serve` has no deadline for a request's head,
//! none for its body, no idle timeout and no cap on connections, so a
//! client sending one byte every few seconds, or opening a thousand
//! half-open connections, holds the server for as long as it likes. This
//! loop serves HTTP/1.1 with hyper directly and bounds every one of them:
//!
//! - connections beyond `[http] max_connections`, or beyond
//!   `max_connections_per_ip` from one socket peer, are closed at once;
//! - a request's head must arrive within `header_timeout_secs` (hyper's
//!   header read timeout, which also runs while a kept-alive connection
//!   waits for its next request);
//! - a body that sends nothing for `body_timeout_secs` ends the request
//!   with 408 ([`body::StallGuard`], answered by
//!   `middleware::body_deadline`);
//! - a connection idle for `keep_alive_secs` after a response is closed.
//!
//! Shutdown stops accepting, closes idle connections and lets in-flight
//! requests finish.

mod body;
mod limits;

pub(crate) use body::{is_body_timeout, BodyStalled};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::{TokioIo, TokioTimer};
use limits::ConnectionLimits;
use rampart_app::config::HttpConfig;
use rampart_app::metrics::Metrics;
use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceExt;

/// What every connection of one listener is served with.
#[derive(Debug, Clone)]
struct Settings {
    header_timeout: Duration,
    body_timeout: Duration,
    keep_alive: Option<Duration>,
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting and waits for the open connections' requests to finish.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    http: &HttpConfig,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnectionLimits::new(
        http.max_connections,
        http.max_connections_per_ip,
        http.proxies(),
    );
    let settings = Settings {
        header_timeout: http.header_timeout(),
        body_timeout: http.body_timeout(),
        keep_alive: http.keep_alive(),
    };
    // Every connection holds a receiver: `closed()` below resolves when
    // the last one has finished.
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let permit = match limits.admit(peer.ip()) {
            Ok(permit) => permit,
            Err(refusal) => {
                // Dropping the stream closes it: no response, no work.
                metrics.refuse_connection(refusal.as_str());
                tracing::debug!(%peer, limit = refusal.as_str(), "connection refused");
                continue;
            }
        };
        let connection = serve_connection(
            stream,
            peer,
            router.clone(),
            settings.clone(),
            stopping.clone(),
        );
        tokio::spawn(async move {
            connection.await;
            drop(permit);
        });
    }
    drop(listener);
    drop(stopping);
    stop.send_replace(true);
    stop.closed().await;
    Ok(())
}

/// Errors of `accept` are the listener's, not one client's: a client that
/// went away is skipped; running out of file descriptors waits a moment
/// (connections closing free some) rather than spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Serves one connection until the client closes it, a deadline passes,
/// or shutdown closes it (after its current request).
async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    settings: Settings,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Activity::default();
    let body_timeout = settings.body_timeout;
    let tracked = activity.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let busy = tracked.begin();
        let router = router.clone();
        async move {
            let stalled = BodyStalled::default();
            let mut request =
                request.map(|b| body::StallGuard::new(b, body_timeout, stalled.clone()));
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(stalled);
            let response = router.oneshot(request).await?;
            Ok::<_, Infallible>(response.map(|b| body::Tracked::new(b, busy)))
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(settings.keep_alive.is_some());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut closing = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    // Timeouts and clients that went away; not our failure.
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                break;
            }
            _ = stopping.wait_for(|stop| *stop), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            () = activity.idle_for(settings.keep_alive), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Requests in flight on one connection, and how many were answered.
#[derive(Debug, Clone, Default)]
struct Activity(Arc<watch::Sender<Exchanges>>);

#[derive(Debug, Clone, Copy, Default)]
struct Exchanges {
    in_flight: usize,
    answered: u64,
}

/// A request in flight; dropped when its response has been sent.
#[derive(Debug)]
pub(crate) struct Busy(Activity);

impl Activity {
    fn begin(&self) -> Busy {
        self.0.send_modify(|e| e.in_flight += 1);
        Busy(self.clone())
    }

    /// Resolves once the connection has answered a request and then sat
    /// without one for `period` (never if `period` is `None`: keep-alive
    /// is off and hyper closes after each response). Before the first
    /// request the header deadline alone applies.
    async fn idle_for(&self, period: Option<Duration>) {
        let Some(period) = period else {
            return std::future::pending().await;
        };
        let mut changes = self.0.subscribe();
        loop {
            if changes
                .wait_for(|e| e.in_flight == 0 && e.answered > 0)
                .await
                .is_err()
            {
                return std::future::pending().await;
            }
            if tokio::time::timeout(period, changes.changed())
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0 .0.send_modify(|e| {
            e.in_flight = e.in_flight.saturating_sub(1);
            e.answered += 1;
        });
    }
}
