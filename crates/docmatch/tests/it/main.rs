//! Integration tests of `rampart-docmatch` (one binary to keep link time low).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod classify_licenses;
mod extraction;
mod fixtures;
mod properties;
