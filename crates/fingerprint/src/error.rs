//! The crate's single error type, so that callers (the download path and
//! triage) handle every failure of marking or decoding in one place.

/// Everything that can go wrong while marking or decoding.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input of a text format is not valid UTF-8, so it cannot be marked
    /// without risking corruption; the caller serves it unmarked and records
    /// that.
    #[error("input is not valid UTF-8 at byte {0}")]
    NotUtf8(usize),
    /// The server secret has the wrong length.
    #[error("server secret must be 32 bytes, got {0}")]
    SecretLength(usize),
    /// A parameter is outside its meaningful range.
    #[error("invalid parameter {name}: {reason}")]
    Param {
        /// Which parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// The format is known but not (yet) markable by this crate.
    #[error("format {0} is not markable by this crate")]
    Unsupported(&'static str),
    /// The input claims a markable container format (PDF, DOCX, ODT) but
    /// cannot be parsed as one; the caller serves it unmarked (with a visible
    /// marking where possible) and records it as unmarkable.
    #[error("malformed {format} input: {reason}")]
    Malformed {
        /// The format the input was expected to be in.
        format: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A [`PdfTemplate`](crate::PdfTemplate) was used with bytes other than
    /// the original it was parsed from.
    #[error("the PDF template was prepared from another original")]
    TemplateMismatch,
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
