//! The crate's single error type.
//!
//! Every fallible operation in `rampart-tlog` returns [`Error`], so callers (the
//! store, the web layer, verification tools) have one enum to match on. Parsing
//! errors deliberately carry only static descriptions, never the offending
//! input, so that hostile input cannot blow up log lines.

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Arguments describe an impossible tree position, e.g. an index not below
    /// the tree size, or an old tree size larger than the new one.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),

    /// An inclusion proof did not verify.
    #[error("inclusion proof verification failed")]
    InclusionProofFailed,

    /// A consistency proof did not verify.
    #[error("consistency proof verification failed")]
    ConsistencyProofFailed,

    /// A [`crate::HashReader`] returned the wrong number of hashes, or a
    /// stored hash index lies outside the tree.
    #[error("hash storage: {0}")]
    Storage(String),

    /// A hex or base64 hash did not decode to exactly 32 bytes.
    #[error("malformed hash: {0}")]
    MalformedHash(&'static str),

    /// A tile path did not follow the C2SP tlog-tiles encoding.
    #[error("malformed tile path: {0}")]
    MalformedTilePath(&'static str),

    /// Tile coordinates or tile contents are invalid for the requested use.
    #[error("invalid tile: {0}")]
    InvalidTile(&'static str),

    /// Tiles returned by a [`crate::TileReader`] are inconsistent with the
    /// trusted tree head.
    #[error("downloaded tile is inconsistent with the tree head")]
    InconsistentTile,

    /// An entry exceeds the 65535-byte limit imposed by entry bundles.
    #[error("entry of {len} bytes exceeds the 65535-byte entry bundle limit")]
    EntryTooLarge {
        /// Length of the rejected entry in bytes.
        len: usize,
    },

    /// An entry bundle is truncated or otherwise malformed.
    #[error("malformed entry bundle: {0}")]
    MalformedEntryBundle(&'static str),

    /// A checkpoint body did not follow C2SP tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),

    /// A checkpoint's origin line is not the one the caller expected.
    #[error("checkpoint origin mismatch")]
    OriginMismatch,

    /// A signed note did not follow C2SP signed-note.
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),

    /// A signer or verifier key string is malformed.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),

    /// A key name is empty or contains whitespace or `+`.
    #[error("invalid key name")]
    InvalidKeyName,

    /// Two configured verifiers share the same name and key id.
    #[error("ambiguous key {name}+{key_id:08x}")]
    AmbiguousKey {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },

    /// A signature from a known key did not verify.
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key id.
        key_id: u32,
    },

    /// No signature on the note was made by a known key.
    #[error("note has no verifiable signatures")]
    UnverifiedNote,

    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Rng,

    /// A `c2sp.org/tlog-proof@v1` document is malformed.
    #[error("malformed tlog-proof: {0}")]
    MalformedTlogProof(&'static str),
}
