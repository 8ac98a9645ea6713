//! The crate's single error type.
//!
//! Triage must report *per file* why a leaked file could not be read (corrupt
//! PDF, zip bomb inside a DOCX, unsupported format, ...) and carry on with the
//! next file, so every failure is a value of [`Error`] — never a panic.

use crate::Format;

/// Everything that can go wrong while extracting or decoding.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is larger than [`crate::Limits::max_input_bytes`].
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input.
        size: u64,
        /// The limit that was exceeded.
        limit: u64,
    },
    /// Neither the magic bytes nor the file name tell a supported format.
    #[error("unsupported or unrecognised format{}", .0.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    UnsupportedFormat(Option<String>),
    /// The file claims a format but its content is broken.
    #[error("corrupt {format} file: {detail}")]
    Corrupt {
        /// The format that was being parsed.
        format: Format,
        /// What the parser said.
        detail: String,
    },
    /// A parser panicked; the panic was caught and turned into this error.
    #[error("{format} parser crashed on this input: {detail}")]
    ParserPanic {
        /// The format that was being parsed.
        format: Format,
        /// The panic message, when it was a string.
        detail: String,
    },
    /// The document is encrypted (password-protected PDF, encrypted zip member).
    #[error("{0} file is encrypted")]
    Encrypted(Format),
    /// A zip member would decompress past the size or ratio limits (zip bomb).
    #[error("{format} member {member:?} refused: {detail}")]
    ZipBomb {
        /// The container format (DOCX or ODT).
        format: Format,
        /// The member name inside the zip.
        member: String,
        /// Which limit was hit.
        detail: String,
    },
    /// The extracted text grew past [`crate::Limits::max_text_bytes`].
    #[error("extracted text exceeds the limit of {limit} bytes")]
    TextTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A stored fingerprint could not be decoded.
    #[error("cannot decode fingerprint: {0}")]
    Decode(&'static str),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
