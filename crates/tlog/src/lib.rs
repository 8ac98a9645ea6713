//! Rampart's tamper-evident audit trail: a transparency log.
//!
//! Every audited action is appended as an entry to an RFC 6962 Merkle tree.
//! The log publishes signed checkpoints (C2SP `tlog-checkpoint` inside a C2SP
//! `signed-note`), serves its tree as static tiles (C2SP `tlog-tiles`) and
//! hands out self-contained inclusion proofs (C2SP `tlog-proof`), so that
//! anyone holding the log's public key can detect rewritten history.
//!
//! The API mirrors Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note`:
//! hashes are persisted in the "stored hash index" order ([`stored_hash_index`]),
//! storage is abstracted as a [`HashReader`], and proofs are generated with
//! [`prove_record`] / [`prove_tree`] and checked with [`check_record`] /
//! [`check_tree`].
//!
//! ```
//! use rampart_tlog::{Checkpoint, MemoryTree, Signer, TlogProof};
//!
//! # fn main() -> rampart_tlog::Result<()> {
//! let origin = "rampart.example/audit";
//! let log_key = Signer::generate(origin)?;
//! let mut tree = MemoryTree::new();
//! let index = tree.append(b"alice downloaded report.pdf")?;
//! tree.append(b"bob uploaded memo.docx")?;
//!
//! let checkpoint = Checkpoint::new(origin, tree.size(), tree.root())?;
//! let signed = checkpoint.sign(&[&log_key])?;
//! let proof = TlogProof::new(index, tree.prove_inclusion(index, tree.size())?, signed);
//!
//! // Anyone with the log's public key can check it offline.
//! let text = proof.to_text();
//! let parsed = TlogProof::parse(text.as_bytes())?;
//! parsed.verify(b"alice downloaded report.pdf", origin, &log_key.verifier())?;
//! assert!(parsed.verify(b"mallory", origin, &log_key.verifier()).is_err());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod checkpoint;
pub mod error;
pub mod hash;
pub mod note;
pub mod proof;
pub mod tile;
pub mod tlogproof;
pub mod tree;

pub use checkpoint::Checkpoint;
pub use error::{Error, Result};
pub use hash::{leaf_hash, merkle_tree_hash, node_hash, Hash, EMPTY_HASH, HASH_SIZE};
pub use note::{generate_key, Note, Signature, Signer, Verifier, VerifierList};
pub use proof::{
    check_record, check_tree, prove_record, prove_tree, root_from_inclusion_proof, RecordProof,
    TreeProof,
};
pub use tile::{
    encode_entry_bundle, hash_from_tile, new_tiles, parse_entry_bundle, parse_tile_path,
    read_tile_data, tile_for_index, tiles_for_size, Tile, TileHashReader, TilePath, TileReader,
    TILE_HEIGHT, TILE_WIDTH,
};
pub use tlogproof::{verify_tlog_proof, TlogProof, VerifiedTlogProof};
pub use tree::{
    split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes,
    stored_hashes_for_record_hash, tree_hash, HashReader, MemoryTree, RightEdge,
};
