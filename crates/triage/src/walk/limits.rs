//! Readers that enforce the walk's limits (expanded size, counted bytes) and
//! the errors that say which limit was hit.

use super::{Progress, WalkLimits};
use std::{
    cell::Cell,
    fmt,
    io::{self, Read},
    rc::Rc,
    sync::{atomic::Ordering, Arc},
};

/// A decompression limit hit (carried inside `io::Error`).
#[derive(Debug)]
pub(super) struct LimitHit(String);

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

pub(super) fn limit_hit(e: &io::Error) -> Option<String> {
    e.get_ref()
        .and_then(|x| x.downcast_ref::<LimitHit>())
        .map(|l| l.0.clone())
}

pub(super) fn describe(e: &io::Error, what: &str) -> String {
    match limit_hit(e) {
        Some(l) => format!("refused: {l}"),
        None => format!("{what}: {e}"),
    }
}

/// Counts bytes read through it.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) count: Rc<Cell<u64>>,
    pub(super) progress: Option<Arc<Progress>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        if let Some(p) = &self.progress {
            p.input_bytes.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Watches a decompressed stream: absolute size, ratio to the compressed
/// bytes consumed, and the walk's total expansion budget.
pub(super) struct Guard<R> {
    pub(super) inner: R,
    pub(super) out: u64,
    pub(super) compressed: Rc<Cell<u64>>,
    pub(super) expanded: Rc<Cell<u64>>,
    pub(super) limits: WalkLimits,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        self.expanded.set(self.expanded.get() + n as u64);
        let l = &self.limits;
        let fail = |m: String| Err(io::Error::other(LimitHit(m)));
        if self.out > l.max_member_bytes {
            return fail(format!(
                "decompresses past the limit of {} bytes (zip bomb?)",
                l.max_member_bytes
            ));
        }
        if self.out > 1 << 20 && self.out > l.max_ratio.saturating_mul(self.compressed.get().max(1))
        {
            return fail(format!(
                "compression ratio above {}:1 (zip bomb?)",
                l.max_ratio
            ));
        }
        if self.expanded.get() > l.max_expanded_bytes {
            return fail(format!(
                "the dump decompresses past the limit of {} bytes in total",
                l.max_expanded_bytes
            ));
        }
        Ok(n)
    }
}
