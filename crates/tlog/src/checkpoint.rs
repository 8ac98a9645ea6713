//! C2SP `tlog-checkpoint`: the signed tree head of the audit log.
//!
//! A checkpoint is the body of a signed note: the log's origin line, the tree
//! size in canonical decimal, the base64 root hash and optional extension
//! lines, each terminated by `\n`. Everything a verifier trusts about the log
//! flows through this text, so parsing is strict: any deviation (missing or
//! empty lines, leading zeros, non-canonical base64, wrong hash length,
//! control characters) is rejected rather than normalised.

use crate::error::{Error, Result};
use crate::hash::Hash;
use crate::note::{self, Note, Signer, VerifierList, MAX_NOTE_SIZE};

/// A parsed tree head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    hash: Hash,
    extensions: Vec<String>,
}

fn check_line(line: &str, what: &'static str) -> Result<()> {
    if line.is_empty() {
        return Err(Error::MalformedCheckpoint(what));
    }
    if line.chars().any(|c| c < ' ') {
        return Err(Error::MalformedCheckpoint("control character in line"));
    }
    Ok(())
}

/// Parses a canonical ASCII decimal `u64` (no sign, no leading zeros).
pub(crate) fn parse_canonical_u64(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty()
        || !b.iter().all(u8::is_ascii_digit)
        || (b.len() > 1 && b.first() == Some(&b'0'))
    {
        return None;
    }
    s.parse().ok()
}

impl Checkpoint {
    /// Creates a checkpoint without extension lines. The origin must be a
    /// single non-empty line without control characters.
    pub fn new(origin: impl Into<String>, size: u64, hash: Hash) -> Result<Self> {
        let origin = origin.into();
        check_line(&origin, "empty origin")?;
        Ok(Self {
            origin,
            size,
            hash,
            extensions: Vec::new(),
        })
    }

    /// Adds an extension line (non-empty, no control characters).
    pub fn with_extension(mut self, line: impl Into<String>) -> Result<Self> {
        let line = line.into();
        check_line(&line, "empty extension line")?;
        self.extensions.push(line);
        Ok(self)
    }

    /// The origin line identifying the log.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root hash of the tree.
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// Extension lines, without their newlines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// Parses a checkpoint body (the note text, ending in `\n`).
    pub fn parse(text: &[u8]) -> Result<Self> {
        if text.len() > MAX_NOTE_SIZE {
            return Err(Error::MalformedCheckpoint("too large"));
        }
        let text =
            std::str::from_utf8(text).map_err(|_| Error::MalformedCheckpoint("not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or(Error::MalformedCheckpoint("must end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .ok_or(Error::MalformedCheckpoint("missing origin"))?;
        check_line(origin, "empty origin")?;
        let size = lines
            .next()
            .ok_or(Error::MalformedCheckpoint("missing tree size"))?;
        let size = parse_canonical_u64(size).ok_or(Error::MalformedCheckpoint(
            "tree size is not canonical decimal",
        ))?;
        let hash = lines
            .next()
            .ok_or(Error::MalformedCheckpoint("missing root hash"))?;
        let hash = Hash::from_base64(hash)
            .map_err(|_| Error::MalformedCheckpoint("root hash is not base64 of 32 bytes"))?;
        let mut extensions = Vec::new();
        for line in lines {
            check_line(line, "empty extension line")?;
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            hash,
            extensions,
        })
    }

    /// Formats the checkpoint body (note text).
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.hash.to_base64()
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Signs the checkpoint, producing a signed note.
    pub fn sign(&self, signers: &[&Signer]) -> Result<String> {
        note::sign(&Note::new(self.to_text())?, signers)
    }

    /// Opens a signed checkpoint: verifies the note against `verifiers`,
    /// parses the body and checks that its origin is `origin`.
    ///
    /// A signature by any key in `verifiers` suffices, so pass only keys that
    /// are individually trusted to vouch for the log (normally just the log's
    /// own key); witness policies are out of scope here.
    pub fn open(signed: &[u8], origin: &str, verifiers: &VerifierList) -> Result<(Self, Note)> {
        let note = note::open(signed, verifiers)?;
        let cp = Self::parse(note.text().as_bytes())?;
        if cp.origin != origin {
            return Err(Error::OriginMismatch);
        }
        Ok((cp, note))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const GOOD: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn parses_spec_example() {
        let cp = Checkpoint::parse(GOOD.as_bytes()).unwrap();
        assert_eq!(cp.origin(), "example.com/behind-the-sofa");
        assert_eq!(cp.size(), 20852163);
        assert_eq!(
            cp.hash().to_base64(),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        );
        assert!(cp.extensions().is_empty());
        assert_eq!(cp.to_text(), GOOD);
        let ext = format!("{GOOD}ext one\next two\n");
        let cp = Checkpoint::parse(ext.as_bytes()).unwrap();
        assert_eq!(cp.extensions(), ["ext one", "ext two"]);
        assert_eq!(cp.to_text(), ext);
        let zero = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
        assert_eq!(Checkpoint::parse(zero.as_bytes()).unwrap().size(), 0);
    }

    #[test]
    fn rejects_malformed() {
        let h = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let bad = [
            String::new(),
            "\n".into(),
            "origin\n".into(),
            "origin\n5\n".into(),
            format!("origin\n5\n{h}"),    // no final newline
            format!("\n5\n{h}\n"),        // empty origin
            format!("origin\n05\n{h}\n"), // leading zero
            format!("origin\n+5\n{h}\n"), // sign
            format!("origin\n-5\n{h}\n"), // negative
            format!("origin\n 5\n{h}\n"), // space
            format!("origin\n5 \n{h}\n"), // space
            format!("origin\n\n{h}\n"),   // empty size
            format!("origin\n18446744073709551616\n{h}\n"), // overflow
            "origin\n5\nAAAA\n".into(),   // short hash
            "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".into(), // no padding
            "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".into(), // non-canonical bits
            "origin\n5\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n".into(), // url alphabet
            format!("origin\n5\n{h}\n\n"),      // empty extension line
            format!("origin\n5\n{h}\next\n\n"), // trailing blank line
            format!("origin\n5\n{h}\r\n"),      // CRLF
            format!("ori\tgin\n5\n{h}\n"),      // control char
        ];
        for b in &bad {
            assert!(
                Checkpoint::parse(b.as_bytes()).is_err(),
                "{b:?} should fail"
            );
        }
        assert!(Checkpoint::parse(&[0xff, b'\n', b'1', b'\n']).is_err());
        assert!(Checkpoint::new("", 1, Hash::default()).is_err());
        assert!(Checkpoint::new("a\nb", 1, Hash::default()).is_err());
        assert!(Checkpoint::new("a", 1, Hash::default())
            .unwrap()
            .with_extension("")
            .is_err());
    }
}
