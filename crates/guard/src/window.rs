//! Sliding-window counters in constant memory.
//!
//! A window is a ring of fixed-width buckets: memory does not grow with traffic, the
//! state serialises to a handful of numbers, and the time until a limit frees up again
//! (the `Retry-After` of a throttle) can be computed exactly from the buckets.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// A sum over the last `buckets.len()` buckets of `bucket_ms` each.
///
/// A value added at time `t` is counted until the bucket containing `t` falls out of the
/// ring, i.e. for between `span - bucket_ms` and `span` milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlidingWindow {
    bucket_ms: i64,
    buckets: Vec<u64>,
    /// Absolute index (time / bucket_ms) of the newest bucket written or cleared.
    head: i64,
    total: u64,
}

impl SlidingWindow {
    /// A window of `span_ms` split into `n` buckets (`span_ms` must be a multiple of `n`).
    pub fn new(span_ms: i64, n: usize) -> Self {
        let n = n.max(1);
        SlidingWindow {
            bucket_ms: (span_ms / n as i64).max(1),
            buckets: vec![0; n],
            head: i64::MIN,
            total: 0,
        }
    }

    fn len(&self) -> i64 {
        self.buckets.len() as i64
    }

    fn slot(&self, abs: i64) -> usize {
        abs.rem_euclid(self.len()) as usize
    }

    /// Moves the window to `now`, dropping buckets that fell out of it.
    pub fn advance(&mut self, now: Timestamp) {
        let cur = now.millis().div_euclid(self.bucket_ms);
        if self.head == i64::MIN || cur - self.head >= self.len() {
            self.buckets.iter_mut().for_each(|b| *b = 0);
            self.total = 0;
            self.head = cur;
            return;
        }
        while self.head < cur {
            self.head += 1;
            let slot = self.slot(self.head);
            self.total -= self.buckets[slot];
            self.buckets[slot] = 0;
        }
    }

    /// The sum inside the window as of the last [`advance`](Self::advance).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Adds `value` at `now` (advancing first). Events older than the head count in the
    /// head bucket.
    pub fn add(&mut self, now: Timestamp, value: u64) {
        self.advance(now);
        let slot = self.slot(self.head);
        self.buckets[slot] = self.buckets[slot].saturating_add(value);
        self.total = self.total.saturating_add(value);
    }

    /// Milliseconds from `now` until `incoming` more fits under `limit`, or `None` if it
    /// never will (incoming alone exceeds the limit). Call after [`advance`](Self::advance).
    pub fn retry_after_ms(&self, now: Timestamp, limit: u64, incoming: u64) -> Option<i64> {
        if incoming > limit {
            return None;
        }
        let mut remaining = self.total;
        if remaining + incoming <= limit {
            return Some(0);
        }
        // At the start of bucket head + k, buckets head - n + 1 ..= head - n + k have left.
        for k in 1..=self.len() {
            let leaving = self.head - self.len() + k;
            remaining -= self.buckets[self.slot(leaving)];
            if remaining + incoming <= limit {
                let at = (self.head + k) * self.bucket_ms;
                return Some((at - now.millis()).max(0));
            }
        }
        Some((self.head + self.len()) * self.bucket_ms - now.millis())
    }
}
