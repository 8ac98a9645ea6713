//! Document matching for leak triage: is a leaked file ours, and how?
//!
//! Pipeline: [`extract_text`] (plain text, Markdown, HTML, PDF, DOCX, ODT,
//! format detected by magic bytes, then extension) → [`normalize`] (NFKC,
//! case folding, whitespace, watermark channels removed) → [`Fingerprint`]
//! (SHA-256 of bytes and normalised text, word-shingle MinHash signature,
//! shingle sketch) → LSH [`Fingerprint::band_keys`] to find candidates among
//! stored versions → [`classify`] to decide `genuine` / `altered` /
//! `excerpt` / no match. Parameters and their measured accuracy are in the
//! crate README.
//!
//! The library never panics on hostile input: limits are enforced before
//! parsing and third-party parsers run under `catch_unwind`.

#![warn(missing_docs)]

mod ascii8;
mod classify;
mod compare;
mod error;
mod extract;
mod fingerprint;
mod format;
mod layers;
mod ligatures;
pub mod minhash;
mod normalize;

pub use classify::{classify, Match, Verdict};
pub use compare::{compare, Differences};
pub use error::{Error, Result};
pub use extract::{decode_text, extract_as, extract_text, Extracted, Limits};
pub use fingerprint::{Fingerprint, Lookup, NormalizedText, Params};
pub use format::{detect_format, Format};
pub use layers::sentinel_downloads;
pub use normalize::{normalize, words};
