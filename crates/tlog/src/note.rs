//! C2SP `signed-note` with Ed25519 keys, compatible with
//! `golang.org/x/mod/sumdb/note`.
//!
//! Checkpoints are only meaningful when signed, and auditors (and witnesses)
//! must be able to check those signatures with standard tools. A signed note
//! is UTF-8 text ending in `\n`, a blank line, then one or more lines
//! `— <name> <base64(key id ‖ signature)>`. Keys are exchanged as strings:
//! verifier keys `name+hex8(keyid)+base64(0x01 ‖ public key)` and signer keys
//! `PRIVATE+KEY+name+hex8(keyid)+base64(0x01 ‖ seed)`. Parsing is strict and
//! bounded ([`MAX_NOTE_SIZE`], [`MAX_SIGNATURES`]); signatures by unknown keys
//! are ignored, a failing signature by a known key is an error, and at least
//! one known key must have signed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::error::{Error, Result};

/// Largest signed note accepted by [`open`] (1 MiB).
pub const MAX_NOTE_SIZE: usize = 1 << 20;

/// Largest number of signature lines accepted by [`open`] (the spec requires
/// at least 16 to be accepted).
pub const MAX_SIGNATURES: usize = 100;

/// Signature type byte for Ed25519 keys.
pub const ALG_ED25519: u8 = 0x01;

const SIG_PREFIX: &str = "\u{2014} ";

/// Whether `name` is a valid key name: non-empty, no Unicode whitespace, no `+`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// Key id of an Ed25519 key: the first four bytes (big-endian) of
/// `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public_key);
    let d: [u8; 32] = h.finalize().into();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn parse_hex8(s: &str) -> Option<u32> {
    if s.len() != 8 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

fn decode_key(b64: &str) -> Result<[u8; 32]> {
    let raw = STANDARD
        .decode(b64)
        .map_err(|_| Error::MalformedKey("key is not base64"))?;
    match raw.split_first() {
        Some((&ALG_ED25519, key)) => key
            .try_into()
            .map_err(|_| Error::MalformedKey("Ed25519 key must be 32 bytes")),
        Some(_) => Err(Error::MalformedKey("unknown key algorithm")),
        None => Err(Error::MalformedKey("empty key")),
    }
}

fn encode_key(key: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(ALG_ED25519);
    raw.extend_from_slice(key);
    STANDARD.encode(raw)
}

/// An Ed25519 note verifier (public key with its name and key id).
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// Parses a verifier key string `name+hex8+base64(0x01 ‖ key)`.
    pub fn from_key_string(vkey: &str) -> Result<Self> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::MalformedKey("verifier key needs name+id+key"));
        };
        if !is_valid_name(name) {
            return Err(Error::InvalidKeyName);
        }
        let id = parse_hex8(id).ok_or(Error::MalformedKey("key id must be 8 lowercase hex"))?;
        let pk = decode_key(b64)?;
        if key_id(name, &pk) != id {
            return Err(Error::MalformedKey("key id does not match key"));
        }
        let key = VerifyingKey::from_bytes(&pk)
            .map_err(|_| Error::MalformedKey("invalid Ed25519 key"))?;
        Ok(Self {
            name: name.to_owned(),
            key_id: id,
            key,
        })
    }

    /// Builds a verifier from a raw Ed25519 public key
    /// (Go's `NewEd25519VerifierKey`).
    pub fn from_ed25519(name: &str, public_key: &[u8; 32]) -> Result<Self> {
        if !is_valid_name(name) {
            return Err(Error::InvalidKeyName);
        }
        let key = VerifyingKey::from_bytes(public_key)
            .map_err(|_| Error::MalformedKey("invalid Ed25519 key"))?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, public_key),
            key,
        })
    }

    /// Formats the verifier key string.
    pub fn to_key_string(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_key(self.key.as_bytes())
        )
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Raw Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks an Ed25519 signature over `msg` (strict RFC 8032 verification).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({})", self.to_key_string())
    }
}

/// An Ed25519 note signer (private key with its name and key id).
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Signer {
    /// Parses a signer key string `PRIVATE+KEY+name+hex8+base64(0x01 ‖ seed)`.
    pub fn from_key_string(skey: &str) -> Result<Self> {
        let mut parts = skey.splitn(5, '+');
        let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id), Some(b64)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Error::MalformedKey(
                "signer key needs PRIVATE+KEY+name+id+key",
            ));
        };
        if !is_valid_name(name) {
            return Err(Error::InvalidKeyName);
        }
        let id = parse_hex8(id).ok_or(Error::MalformedKey("key id must be 8 lowercase hex"))?;
        let seed = decode_key(b64)?;
        let signer = Self::from_seed(name, &seed)?;
        if signer.key_id != id {
            return Err(Error::MalformedKey("key id does not match key"));
        }
        Ok(signer)
    }

    /// Builds a signer from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self> {
        if !is_valid_name(name) {
            return Err(Error::InvalidKeyName);
        }
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key_id: id,
            key,
        })
    }

    /// Generates a fresh key from the operating system's RNG.
    pub fn generate(name: &str) -> Result<Self> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|_| Error::Rng)?;
        let s = Self::from_seed(name, &seed);
        seed.fill(0);
        s
    }

    /// Formats the signer key string. It contains the private key.
    pub fn to_key_string(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_key(self.key.as_bytes())
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Raw Ed25519 signature over `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x}, <private>)", self.name, self.key_id)
    }
}

/// Generates a key pair, returning `(signer key, verifier key)` strings
/// (Go's `note.GenerateKey`).
pub fn generate_key(name: &str) -> Result<(String, String)> {
    let s = Signer::generate(name)?;
    Ok((s.to_key_string(), s.verifier().to_key_string()))
}

/// The set of verifiers a client trusts.
#[derive(Clone, Debug, Default)]
pub struct VerifierList {
    verifiers: Vec<Verifier>,
}

impl VerifierList {
    /// Creates a list from verifiers.
    pub fn new(verifiers: Vec<Verifier>) -> Self {
        Self { verifiers }
    }

    /// Looks up the verifier for `(name, key_id)`: `Ok(None)` if unknown, an
    /// error if more than one matches.
    pub fn get(&self, name: &str, key_id: u32) -> Result<Option<&Verifier>> {
        let mut found = None;
        for v in &self.verifiers {
            if v.name == name && v.key_id == key_id {
                if found.is_some() {
                    return Err(Error::AmbiguousKey {
                        name: name.to_owned(),
                        key_id,
                    });
                }
                found = Some(v);
            }
        }
        Ok(found)
    }
}

impl From<Verifier> for VerifierList {
    fn from(v: Verifier) -> Self {
        Self::new(vec![v])
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub key_id: u32,
    /// Signature bytes (without the key id).
    pub signature: Vec<u8>,
}

impl Signature {
    fn line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, STANDARD.encode(raw))
    }
}

/// A note: its text and, after [`open`], its verified and unverified
/// signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    sigs: Vec<Signature>,
    unverified_sigs: Vec<Signature>,
}

fn check_text(text: &str) -> Result<()> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(Error::MalformedNote("too large"));
    }
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote("text must end with a newline"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(Error::MalformedNote("control character"));
    }
    Ok(())
}

impl Note {
    /// An unsigned note with `text`, which must end with `\n` and contain no
    /// control characters other than newlines.
    pub fn new(text: impl Into<String>) -> Result<Self> {
        let text = text.into();
        check_text(&text)?;
        Ok(Self {
            text,
            sigs: Vec::new(),
            unverified_sigs: Vec::new(),
        })
    }

    /// The signed text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Signatures verified by known keys.
    pub fn sigs(&self) -> &[Signature] {
        &self.sigs
    }

    /// Signatures by unknown keys (kept so they can be re-emitted).
    pub fn unverified_sigs(&self) -> &[Signature] {
        &self.unverified_sigs
    }
}

/// Signs `note` with each signer and formats it (Go's `note.Sign`).
/// Existing signatures on the note are kept unless replaced by a signer with
/// the same name and key id; new signatures come last.
pub fn sign(note: &Note, signers: &[&Signer]) -> Result<String> {
    check_text(&note.text)?;
    let mut out = note.text.clone();
    out.push('\n');
    let replaced = |s: &Signature| {
        signers
            .iter()
            .any(|k| k.name == s.name && k.key_id == s.key_id)
    };
    for s in note.sigs.iter().chain(&note.unverified_sigs) {
        if !is_valid_name(&s.name) {
            return Err(Error::InvalidKeyName);
        }
        if !replaced(s) {
            out.push_str(&s.line());
        }
    }
    for k in signers {
        let sig = Signature {
            name: k.name.clone(),
            key_id: k.key_id,
            signature: k.sign(note.text.as_bytes()).to_vec(),
        };
        out.push_str(&sig.line());
    }
    Ok(out)
}

/// Parses and verifies a signed note (Go's `note.Open`).
///
/// Signatures from keys not in `verifiers` are ignored (returned as
/// unverified); a signature from a known key that fails is an error; at
/// least one known key must have signed.
pub fn open(msg: &[u8], verifiers: &VerifierList) -> Result<Note> {
    if msg.len() > MAX_NOTE_SIZE {
        return Err(Error::MalformedNote("too large"));
    }
    let msg = std::str::from_utf8(msg).map_err(|_| Error::MalformedNote("not UTF-8"))?;
    if msg.chars().any(|c| c < ' ' && c != '\n') {
        return Err(Error::MalformedNote("control character"));
    }
    let split = msg
        .rfind("\n\n")
        .ok_or(Error::MalformedNote("missing blank line before signatures"))?;
    let (text, sigs) = msg.split_at(split + 1);
    let sigs = sigs.get(1..).unwrap_or("");
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(Error::MalformedNote("missing or unterminated signatures"));
    }

    let mut verified: Vec<Signature> = Vec::new();
    let mut unverified: Vec<Signature> = Vec::new();
    let mut count = 0usize;
    for line in sigs.strip_suffix('\n').unwrap_or(sigs).split('\n') {
        count += 1;
        if count > MAX_SIGNATURES {
            return Err(Error::MalformedNote("too many signatures"));
        }
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(Error::MalformedNote(
            "signature line must start with em dash",
        ))?;
        let (name, b64) = rest.split_once(' ').ok_or(Error::MalformedNote(
            "signature line needs name and signature",
        ))?;
        if !is_valid_name(name) || b64.is_empty() {
            return Err(Error::MalformedNote("bad signature line"));
        }
        let raw = STANDARD
            .decode(b64)
            .map_err(|_| Error::MalformedNote("signature is not base64"))?;
        let Some((id, sig)) = raw.split_first_chunk::<4>() else {
            return Err(Error::MalformedNote("signature too short"));
        };
        if sig.is_empty() {
            return Err(Error::MalformedNote("signature too short"));
        }
        let s = Signature {
            name: name.to_owned(),
            key_id: u32::from_be_bytes(*id),
            signature: sig.to_vec(),
        };
        match verifiers.get(name, s.key_id)? {
            None => {
                if !unverified.contains(&s) {
                    unverified.push(s);
                }
            }
            Some(v) => {
                if verified
                    .iter()
                    .any(|x| x.name == s.name && x.key_id == s.key_id)
                {
                    continue;
                }
                if !v.verify(text.as_bytes(), sig) {
                    return Err(Error::InvalidSignature {
                        name: s.name,
                        key_id: s.key_id,
                    });
                }
                verified.push(s);
            }
        }
    }
    if verified.is_empty() {
        return Err(Error::UnverifiedNote);
    }
    Ok(Note {
        text: text.to_owned(),
        sigs: verified,
        unverified_sigs: unverified,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    // Vectors from golang.org/x/mod/sumdb/note's note_test.go.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn peter() -> Verifier {
        Verifier::from_key_string(PETER_VKEY).unwrap()
    }

    fn enoch() -> Verifier {
        Verifier::from_key_string(ENOCH_VKEY).unwrap()
    }

    #[test]
    fn keys_round_trip_and_match_go() {
        let s = Signer::from_key_string(PETER_SKEY).unwrap();
        assert_eq!(s.key_id(), 0xc74f20a3);
        assert_eq!(s.to_key_string(), PETER_SKEY);
        assert_eq!(s.verifier().to_key_string(), PETER_VKEY);
        assert_eq!(peter().to_key_string(), PETER_VKEY);
        assert_eq!(enoch().key_id(), 0xaf0cfe78);
    }

    #[test]
    fn mangled_keys_are_rejected() {
        // Like Go's TestNewVerifier / TestNewSigner: every proper substring
        // and every single-byte change must be rejected.
        for key in [PETER_VKEY, PETER_SKEY] {
            let parse = |k: &str| {
                if key.starts_with("PRIVATE") {
                    Signer::from_key_string(k).is_ok()
                } else {
                    Verifier::from_key_string(k).is_ok()
                }
            };
            assert!(parse(key));
            let b = key.as_bytes();
            for i in 0..=b.len() {
                for j in i + 1..=b.len() {
                    if i == 0 && j == b.len() {
                        continue;
                    }
                    let sub = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(!parse(sub), "substring {sub:?} accepted");
                }
            }
            for i in 0..b.len() {
                let mut m = b.to_vec();
                m[i] += 1;
                let m = String::from_utf8(m).unwrap();
                assert!(!parse(&m), "mangled {m:?} accepted");
            }
        }
        // Wrong-length key and unknown algorithm, both with adjusted key ids.
        assert!(Verifier::from_key_string(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert!(Verifier::from_key_string(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }

    #[test]
    fn sign_matches_go_output() {
        let s = Signer::from_key_string(PETER_SKEY).unwrap();
        let out = sign(&Note::new(TEXT).unwrap(), &[&s]).unwrap();
        assert_eq!(out, format!("{TEXT}\n{PETER_SIG}"));
        // An existing signature by the same key is replaced.
        let mut n = Note::new(TEXT).unwrap();
        n.sigs.push(Signature {
            name: "PeterNeumann".into(),
            key_id: 0xc74f20a3,
            signature: vec![1, 2, 3],
        });
        assert_eq!(sign(&n, &[&s]).unwrap(), out);
        assert!(Note::new("abc").is_err());
        assert!(Note::new("a\u{1}b\n").is_err());
    }

    #[test]
    fn open_matches_go_semantics() {
        let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        let n = open(both.as_bytes(), &peter().into()).unwrap();
        assert_eq!(n.text(), TEXT);
        assert_eq!(n.sigs().len(), 1);
        assert_eq!(n.sigs()[0].name, "PeterNeumann");
        assert_eq!(n.unverified_sigs().len(), 1);
        assert_eq!(n.unverified_sigs()[0].key_id, 0xaf0cfe78);

        let n = open(both.as_bytes(), &VerifierList::new(vec![peter(), enoch()])).unwrap();
        assert_eq!(n.sigs().len(), 2);
        assert!(n.unverified_sigs().is_empty());

        assert_eq!(
            open(both.as_bytes(), &VerifierList::default()),
            Err(Error::UnverifiedNote)
        );

        let dup = VerifierList::new(vec![enoch(), peter(), enoch()]);
        assert!(matches!(
            open(format!("{TEXT}\n{ENOCH_SIG}").as_bytes(), &dup),
            Err(Error::AmbiguousKey { .. })
        ));
        assert!(open(format!("{TEXT}\n{PETER_SIG}").as_bytes(), &dup).is_ok());

        let many = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1));
        assert!(matches!(
            open(many.as_bytes(), &peter().into()),
            Err(Error::MalformedNote(_))
        ));
        let ok_many = format!("{TEXT}\n{}", PETER_SIG.repeat(16));
        assert!(open(ok_many.as_bytes(), &peter().into()).is_ok());

        // A known key whose signature fails is an error, not ignored.
        let (a, b) = PETER_SIG.split_at(60);
        let bad = format!("{TEXT}\n{a}ABCD{b}");
        assert!(matches!(
            open(bad.as_bytes(), &peter().into()),
            Err(Error::InvalidSignature { .. })
        ));

        // Duplicate verified and unverified signatures are collapsed.
        let (ea, eb) = ENOCH_SIG.split_at(60);
        let msg = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{ea}ABCD{eb}");
        let n = open(msg.as_bytes(), &peter().into()).unwrap();
        assert_eq!(n.sigs().len(), 1);
        assert_eq!(n.unverified_sigs().len(), 2);

        for bad in [
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", PETER_SIG.trim_end_matches('\n')),
            format!("\u{1}{TEXT}\n{PETER_SIG}"),
            format!("{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
            format!("{TEXT}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"),
            format!("{TEXT}\n\u{2014} PeterNeumann x08g\n"),
            format!("{TEXT}\n\u{2014} PeterNeumann \n"),
        ] {
            assert!(
                matches!(open(bad.as_bytes(), &peter().into()), Err(Error::MalformedNote(_))),
                "{bad:?}"
            );
        }
        let mut invalid_utf8 = format!("{TEXT}\n{PETER_SIG}").into_bytes();
        invalid_utf8.insert(0, 0xff);
        assert!(open(&invalid_utf8, &peter().into()).is_err());
    }

    #[test]
    fn generated_keys_work() {
        let (skey, vkey) = generate_key("EnochRoot").unwrap();
        let s = Signer::from_key_string(&skey).unwrap();
        let v = Verifier::from_key_string(&vkey).unwrap();
        assert_eq!(s.key_id(), v.key_id());
        let mut sig = s.sign(b"hi");
        assert!(v.verify(b"hi", &sig));
        assert!(!v.verify(b"ho", &sig));
        sig[0] ^= 1;
        assert!(!v.verify(b"hi", &sig));
        let v2 = Verifier::from_ed25519("EnochRoot", &v.public_key()).unwrap();
        assert_eq!(v2, v);
        assert!(Signer::generate("bad name").is_err());
        assert!(!format!("{s:?}").contains(&skey[20..]));
    }
}
