//! Integration tests of `rampart-docmatch` (one binary to keep link time low).

mod classify_licenses;
mod extraction;
mod fixtures;
mod properties;
