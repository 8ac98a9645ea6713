//! Identifiers and the keyed pseudo-random function (keyed BLAKE3) from which
//! every secret quantity is derived: the bias of a code position, the bits of
//! an account's code word and of a download's code word, and the position
//! index a content anchor maps to. Nothing is stored per account or per
//! download: given the server secret, everything can be recomputed at decoding
//! time, which is what lets scores add up across the files of a dump.

use crate::error::{Error, Result};

/// The server-wide watermark secret (32 bytes). Whoever holds it can both
/// mark and frame, so it must never leave the server.
#[derive(Clone)]
pub struct ServerSecret([u8; 32]);

impl ServerSecret {
    /// Wraps 32 secret bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Wraps a byte slice, which must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::SecretLength(bytes.len()))?;
        Ok(Self(arr))
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

/// An account (the recipient a leak is traced to); the store's integer key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// One download (the store's random 128-bit download id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DownloadId(pub [u8; 16]);

/// One version of one document (the store's 128-bit document id and the
/// version number). Code positions are derived from it, so decoding needs
/// the version(s) the leaked text was matched to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionId {
    /// The document's random id.
    pub document: [u8; 16],
    /// The version number within the document.
    pub version: i64,
}

/// What one served copy is marked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// The recipient.
    pub account: AccountId,
    /// This download (recoverable from the download layer).
    pub download: DownloadId,
    /// The document version being served.
    pub version: VersionId,
}

/// Keys derived once from the server secret, one per purpose (domain
/// separation), so that no two uses of the PRF can ever collide.
#[derive(Clone)]
pub(crate) struct Keys {
    position: [u8; 32],
    bias: [u8; 32],
    account: [u8; 32],
    download: [u8; 32],
    select: [u8; 32],
}

impl Keys {
    pub(crate) fn new(secret: &ServerSecret) -> Self {
        let d = |ctx: &str| blake3::derive_key(ctx, &secret.0);
        Self {
            position: d("rampart-fingerprint v1 position"),
            bias: d("rampart-fingerprint v1 bias"),
            account: d("rampart-fingerprint v1 account"),
            download: d("rampart-fingerprint v1 download"),
            select: d("rampart-fingerprint v1 select"),
        }
    }

    /// The key under which a version's anchors are mapped to positions.
    pub(crate) fn version_key(&self, v: &VersionId) -> [u8; 32] {
        let mut h = blake3::Hasher::new_keyed(&self.position);
        h.update(&v.document);
        h.update(&v.version.to_le_bytes());
        *h.finalize().as_bytes()
    }

    /// Uniform number in [0, 1) fixing the bias of position `pos`.
    pub(crate) fn bias_uniform(&self, pos: u64) -> f64 {
        unit(&blake3::keyed_hash(&self.bias, &pos.to_le_bytes()))
    }

    /// Uniform number in [0, 1) used to keep or skip a space-channel site.
    pub(crate) fn select_uniform(&self, pos: u64) -> f64 {
        unit(&blake3::keyed_hash(&self.select, &pos.to_le_bytes()))
    }

    /// The per-account key from which the account's code word is drawn.
    pub(crate) fn account_key(&self, a: AccountId) -> [u8; 32] {
        *blake3::keyed_hash(&self.account, &a.0.to_le_bytes()).as_bytes()
    }

    /// The per-download key from which the download's code word is drawn
    /// (bound to the account too, so a download id alone decides nothing).
    pub(crate) fn download_key(&self, a: AccountId, d: DownloadId) -> [u8; 32] {
        let mut h = blake3::Hasher::new_keyed(&self.download);
        h.update(&a.0.to_le_bytes());
        h.update(&d.0);
        *h.finalize().as_bytes()
    }
}

/// Uniform number in [0, 1) for one code position under a per-word key.
pub(crate) fn word_uniform(word_key: &[u8; 32], pos: u64) -> f64 {
    unit(&blake3::keyed_hash(word_key, &pos.to_le_bytes()))
}

/// Hash of a site's context under a version key: the code position.
pub(crate) fn position(version_key: &[u8; 32], site_key: &[u8]) -> u64 {
    let h = blake3::keyed_hash(version_key, site_key);
    first_u64(h.as_bytes())
}

fn first_u64(b: &[u8; 32]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

fn unit(h: &blake3::Hash) -> f64 {
    // 53 random bits -> exactly representable dyadic rational in [0, 1).
    (first_u64(h.as_bytes()) >> 11) as f64 / (1u64 << 53) as f64
}
