//! Bodies on the connection: the request body may not stall, and the
//! response body tells the connection when the exchange is over (which is
//! when the keep-alive idle clock starts).

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::time::{Instant, Sleep};

/// The error a stalled request body ends with.
#[derive(Debug, thiserror::Error)]
#[error("no request body byte for {0:?}")]
pub(crate) struct BodyTimeout(Duration);

/// Set when a request's body stalled; in the request's extensions, so
/// that the response becomes 408 whatever extractor read the body and
/// however it reported the error (see `middleware::body_deadline`).
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyStalled(Arc<AtomicBool>);

impl BodyStalled {
    /// Whether the body stalled.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A request body that fails with [`BodyTimeout`] when the client sends
/// nothing for `timeout` while the handler waits for it. Time the handler
/// spends not reading (writing a chunk to disk) does not count.
#[derive(Debug)]
pub(crate) struct StallGuard<B> {
    inner: B,
    timeout: Duration,
    /// The running deadline, while the handler waits for the client.
    deadline: Option<Pin<Box<Sleep>>>,
    armed: bool,
    stalled: BodyStalled,
}

impl<B> StallGuard<B> {
    pub(crate) fn new(inner: B, timeout: Duration, stalled: BodyStalled) -> Self {
        Self {
            inner,
            timeout,
            deadline: None,
            armed: false,
            stalled,
        }
    }
}

impl<B> Body for StallGuard<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.armed = false;
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let at = Instant::now() + this.timeout;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if !this.armed {
            deadline.as_mut().reset(at);
            this.armed = true;
        }
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.armed = false;
                this.stalled.set();
                Poll::Ready(Some(Err(Box::new(BodyTimeout(this.timeout)))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that holds its connection's [`super::Busy`] mark
/// until hyper has sent it and dropped it.
#[derive(Debug)]
pub(crate) struct Tracked<B> {
    inner: B,
    _busy: super::Busy,
}

impl<B> Tracked<B> {
    pub(crate) fn new(inner: B, busy: super::Busy) -> Self {
        Self { inner, _busy: busy }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether `error` is, or was caused by, a stalled request body.
pub(crate) fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyTimeout>() {
            return true;
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use futures_util::StreamExt;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_body_that_stalls_fails_and_says_so() {
        let frames = futures_util::stream::iter([Ok::<_, std::io::Error>(Frame::data(
            Bytes::from_static(b"a"),
        ))])
        .chain(futures_util::stream::pending());
        let body = http_body_util::StreamBody::new(frames);
        let stalled = BodyStalled::default();
        let mut guarded = StallGuard::new(body, Duration::from_millis(50), stalled.clone());
        let first = guarded.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "a");
        assert!(!stalled.is_set());
        let err = guarded.frame().await.unwrap().unwrap_err();
        assert!(is_body_timeout(&*err), "{err}");
        assert!(stalled.is_set());
    }
}
