//! C2SP `tlog-proof`: a self-contained, offline-verifiable proof that an
//! entry is in the log.
//!
//! Rampart hands these out with audited documents so that anyone holding the
//! log's public key can check, without contacting the server, that the
//! document's audit record was logged. The text format is:
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, unauthenticated)
//! index <decimal>
//! <base64 hash>             (zero or more inclusion proof hashes, leaf first)
//!
//! <signed checkpoint, verbatim>
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::checkpoint::{parse_canonical_u64, Checkpoint};
use crate::error::{Error, Result};
use crate::hash::{leaf_hash, Hash};
use crate::note::{Note, Verifier, VerifierList, MAX_NOTE_SIZE};
use crate::proof::check_record;

/// First line of every proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Largest proof document accepted by [`TlogProof::parse`] (2 MiB).
pub const MAX_TLOG_PROOF_SIZE: usize = 2 * MAX_NOTE_SIZE;

/// Most hashes an inclusion proof in a tree with a 64-bit size can have.
pub const MAX_PROOF_HASHES: usize = 64;

/// A parsed `c2sp.org/tlog-proof@v1` document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Optional opaque extra data. It is NOT authenticated.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry in the log.
    pub index: u64,
    /// Inclusion proof hashes, from the leaf's sibling upwards.
    pub proof: Vec<Hash>,
    /// The signed checkpoint (a signed note), verbatim.
    pub checkpoint: String,
}

/// What a successful [`TlogProof::verify`] establishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTlogProof {
    /// Index of the entry.
    pub index: u64,
    /// The verified checkpoint the entry is included in.
    pub checkpoint: Checkpoint,
    /// The opened note, with the signatures that verified.
    pub note: Note,
}

fn next_line<'a>(rest: &mut &'a str) -> Result<&'a str> {
    let (line, tail) = rest
        .split_once('\n')
        .ok_or(Error::MalformedTlogProof("unexpected end of proof"))?;
    *rest = tail;
    Ok(line)
}

impl TlogProof {
    /// A proof without extra data.
    pub fn new(index: u64, proof: Vec<Hash>, checkpoint: impl Into<String>) -> Self {
        Self {
            extra: None,
            index,
            proof,
            checkpoint: checkpoint.into(),
        }
    }

    /// Formats the proof document.
    pub fn to_text(&self) -> String {
        let mut s = String::from(TLOG_PROOF_HEADER);
        s.push('\n');
        if let Some(extra) = &self.extra {
            s.push_str("extra ");
            s.push_str(&STANDARD.encode(extra));
            s.push('\n');
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses a proof document strictly. The checkpoint is kept verbatim and
    /// only checked by [`TlogProof::verify`].
    pub fn parse(data: &[u8]) -> Result<Self> {
        if data.len() > MAX_TLOG_PROOF_SIZE {
            return Err(Error::MalformedTlogProof("too large"));
        }
        let text = std::str::from_utf8(data).map_err(|_| Error::MalformedTlogProof("not UTF-8"))?;
        let mut rest = text;
        if next_line(&mut rest)? != TLOG_PROOF_HEADER {
            return Err(Error::MalformedTlogProof(
                "missing c2sp.org/tlog-proof@v1 header",
            ));
        }
        let mut line = next_line(&mut rest)?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                STANDARD
                    .decode(b64)
                    .map_err(|_| Error::MalformedTlogProof("extra data is not base64"))?,
            );
            line = next_line(&mut rest)?;
        }
        let index = line
            .strip_prefix("index ")
            .ok_or(Error::MalformedTlogProof("missing index line"))?;
        let index = parse_canonical_u64(index)
            .ok_or(Error::MalformedTlogProof("index is not canonical decimal"))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line(&mut rest)?;
            if line.is_empty() {
                break;
            }
            if proof.len() >= MAX_PROOF_HASHES {
                return Err(Error::MalformedTlogProof("too many proof hashes"));
            }
            proof.push(
                Hash::from_base64(line).map_err(|_| {
                    Error::MalformedTlogProof("proof hash is not base64 of 32 bytes")
                })?,
            );
        }
        if rest.is_empty() {
            return Err(Error::MalformedTlogProof("missing checkpoint"));
        }
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// Verifies that `entry` is at `self.index` in the log named `origin`
    /// whose key is `log`: the checkpoint must carry a valid signature by
    /// `log` (other signatures, e.g. witness cosignatures, are ignored), its
    /// origin must be `origin`, and the inclusion proof must lead from
    /// `entry`'s leaf hash to the checkpoint's root hash.
    pub fn verify(&self, entry: &[u8], origin: &str, log: &Verifier) -> Result<VerifiedTlogProof> {
        let verifiers = VerifierList::from(log.clone());
        let (checkpoint, note) = Checkpoint::open(self.checkpoint.as_bytes(), origin, &verifiers)?;
        check_record(
            &self.proof,
            checkpoint.size(),
            checkpoint.hash(),
            self.index,
            leaf_hash(entry),
        )?;
        Ok(VerifiedTlogProof {
            index: self.index,
            checkpoint,
            note,
        })
    }
}

/// Parses and verifies a proof document in one step.
pub fn verify_tlog_proof(
    data: &[u8],
    entry: &[u8],
    origin: &str,
    log: &Verifier,
) -> Result<VerifiedTlogProof> {
    TlogProof::parse(data)?.verify(entry, origin, log)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    // The example from the C2SP spec (signatures elided there, so only the
    // structure is checked here).
    const SPEC_EXAMPLE: &str = "c2sp.org/tlog-proof@v1\n\
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6\n\
index 73894\n\
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n\
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n\
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n\
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\
\n\
example.com/fancylog\n\
109482\n\
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\
\n\
\u{2014} example.com/fancylog hI2DJw==\n";

    #[test]
    fn parses_spec_example() {
        let p = TlogProof::parse(SPEC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(p.index, 73894);
        assert_eq!(
            p.extra.as_deref(),
            Some(&b"age-v1.2.1-darwin-arm64.tar.gz"[..])
        );
        assert_eq!(p.proof.len(), 5);
        assert!(p.checkpoint.starts_with("example.com/fancylog\n109482\n"));
        assert_eq!(p.to_text(), SPEC_EXAMPLE);
    }

    #[test]
    fn end_to_end_with_witness_cosignature() {
        use crate::note::Signer;
        use crate::tree::MemoryTree;
        let origin = "rampart.example/audit";
        let log = Signer::from_seed(origin, &[1; 32]).unwrap();
        let witness = Signer::from_seed("witness.example/w1", &[2; 32]).unwrap();
        let mut t = MemoryTree::new();
        for i in 0..11u8 {
            t.append(&[i]).unwrap();
        }
        let cp = Checkpoint::new(origin, 11, t.root()).unwrap();
        let signed = cp.sign(&[&log, &witness]).unwrap();
        let mut p = TlogProof::new(6, t.prove_inclusion(6, 11).unwrap(), signed);
        p.extra = Some(b"context".to_vec());
        let text = p.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra Y29udGV4dA==\nindex 6\n"));
        let parsed = TlogProof::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed, p);
        let ok = verify_tlog_proof(text.as_bytes(), &[6], origin, &log.verifier()).unwrap();
        assert_eq!(ok.index, 6);
        assert_eq!(ok.checkpoint, cp);
        assert_eq!(ok.note.sigs().len(), 1);
        assert_eq!(ok.note.unverified_sigs().len(), 1);
        // Wrong entry, wrong origin, wrong key.
        assert_eq!(
            verify_tlog_proof(text.as_bytes(), &[7], origin, &log.verifier()),
            Err(Error::InclusionProofFailed)
        );
        assert_eq!(
            verify_tlog_proof(text.as_bytes(), &[6], "other", &log.verifier()),
            Err(Error::OriginMismatch)
        );
        let stranger = Signer::from_seed(origin, &[3; 32]).unwrap();
        assert_eq!(
            verify_tlog_proof(text.as_bytes(), &[6], origin, &stranger.verifier()),
            Err(Error::UnverifiedNote)
        );
        // A checkpoint signed only by the witness is not enough.
        let only_witness = cp.sign(&[&witness]).unwrap();
        let p = TlogProof::new(6, t.prove_inclusion(6, 11).unwrap(), only_witness);
        assert_eq!(
            p.verify(&[6], origin, &log.verifier()),
            Err(Error::UnverifiedNote)
        );
    }

    #[test]
    fn rejects_malformed() {
        let h = "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=";
        for bad in [
            String::new(),
            "c2sp.org/tlog-proof@v1".into(),
            "c2sp.org/tlog-proof@v2\nindex 0\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\n\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\nindex -5\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\nindex 05\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\nindex  5\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\ncp\n".into(),
            "c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncp\n".into(),
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{h}{h}\n\ncp\n"),
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{h}\n"),
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{h}\n\n"),
            format!(
                "c2sp.org/tlog-proof@v1\nindex 0\n{}\ncp\n",
                format!("{h}\n").repeat(65)
            ),
        ] {
            assert!(TlogProof::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
