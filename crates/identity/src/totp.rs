//! Time-based one-time passwords (RFC 6238 over RFC 4226: HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of drift either way), recovery
//! codes, and the sealing of TOTP secrets at rest.
//!
//! Secrets are sealed with XChaCha20-Poly1305 (random 192-bit nonce) under a
//! key derived from `keys/data.key`, so a copy of the database alone does not
//! yield anyone's second factor. Recovery codes are stored as BLAKE3 hashes
//! keyed the same way, so they cannot be brute-forced from a copy either.

use crate::Error;
use chacha20poly1305::{
    aead::{Aead, KeyInit},
    XChaCha20Poly1305, XNonce,
};
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

/// Seconds per time step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
const DIGITS: u32 = 6;
/// Number of recovery codes issued at enrollment.
pub const RECOVERY_CODES: usize = 10;

/// Keys derived from the install's data key, one per purpose.
#[derive(Clone)]
pub struct FactorKeys {
    seal: [u8; 32],
    recovery: [u8; 32],
}

impl std::fmt::Debug for FactorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FactorKeys(..)")
    }
}

impl FactorKeys {
    /// Derives the keys from the install's 32-byte data key.
    pub fn derive(data_key: &[u8; 32]) -> Self {
        Self {
            seal: blake3::derive_key("rampart 2026-11 totp secret sealing", data_key),
            recovery: blake3::derive_key("rampart 2026-11 recovery code hashing", data_key),
        }
    }

    /// nonce ‖ ciphertext of a secret.
    pub fn seal(&self, secret: &[u8]) -> Result<Vec<u8>, Error> {
        let cipher = XChaCha20Poly1305::new((&self.seal).into());
        let nonce = rampart_domain::random_bytes::<24>();
        let mut out = nonce.to_vec();
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), secret)
            .map_err(|_| Error::Internal(anyhow::anyhow!("sealing a TOTP secret failed")))?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The secret inside a sealed box (a wrong key or an edited row fails).
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        if sealed.len() < 24 {
            return Err(Error::Internal(anyhow::anyhow!(
                "sealed TOTP secret is truncated"
            )));
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        XChaCha20Poly1305::new((&self.seal).into())
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| {
                Error::Internal(anyhow::anyhow!(
                    "a TOTP secret does not open with keys/data.key"
                ))
            })
    }

    /// The stored form of a recovery code (normalised first).
    pub fn recovery_hash(&self, code: &str) -> Vec<u8> {
        blake3::keyed_hash(&self.recovery, normalise_recovery(code).as_bytes())
            .as_bytes()
            .to_vec()
    }
}

/// A new 160-bit secret (RFC 4226 recommends 160 bits).
pub(crate) fn new_secret() -> [u8; 20] {
    rampart_domain::random_bytes::<20>()
}

/// The secret as authenticator apps want it: base32 without padding.
pub fn secret_base32(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// A base32 secret as typed (spaces and case ignored, padding optional).
pub fn secret_from_base32(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .flat_map(char::to_uppercase)
        .collect();
    data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).ok()
}

/// The `otpauth://` URI for QR codes and authenticator apps.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{issuer}:{account}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent(&label),
        secret_base32(secret),
        percent(issuer)
    )
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The time step of a Unix time.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The HMAC key block for `secret` (RFC 2104): the secret zero-padded to
/// SHA-1's 64-byte block, or its SHA-1 digest padded when longer. Built
/// here, the key has the block's type, so keying cannot fail.
fn hmac_key(secret: &[u8]) -> hmac::digest::Key<Hmac<sha1::Sha1>> {
    use sha1::Digest;
    let mut key = hmac::digest::Key::<Hmac<sha1::Sha1>>::default();
    if secret.len() <= key.len() {
        key[..secret.len()].copy_from_slice(secret);
    } else {
        let digest = sha1::Sha1::digest(secret);
        key[..digest.len()].copy_from_slice(&digest);
    }
    key
}

/// The code for one step (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new(&hmac_key(secret));
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", binary % 10u32.pow(DIGITS))
}

/// Whether a string is shaped like a code: exactly six ASCII digits.
pub fn well_formed(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The step among now−1, now, now+1 whose code equals `code` (compared in
/// constant time, every candidate checked), if any.
pub fn matching_step(secret: &[u8], code: &str, now_step: i64) -> Option<i64> {
    let mut found = None;
    for step in [now_step - 1, now_step, now_step + 1] {
        if bool::from(code_at(secret, step).as_bytes().ct_eq(code.as_bytes())) {
            found = found.or(Some(step));
        }
    }
    found
}

/// Ten fresh recovery codes, `xxxxx-xxxxx` from an unambiguous alphabet
/// (≈ 50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = rampart_domain::random_bytes::<10>()
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .collect();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect()
}

/// Lower case, without separators or spaces: how codes are compared.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a string could be a recovery code (before any database work).
pub fn recovery_well_formed(code: &str) -> bool {
    let n = normalise_recovery(code);
    n.len() == 10 && n.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The inline SVG of a QR code for `uri` (without the XML prolog, which
/// has no place inside HTML).
pub fn qr_svg(uri: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key block built by hand keys HMAC exactly as the crate does from
    /// a slice, for secrets shorter than, equal to and longer than a block.
    #[test]
    fn the_hmac_key_block_matches_keying_from_a_slice() {
        for len in [0usize, 20, 63, 64, 65, 100] {
            let secret: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            let mut by_slice = <Hmac<sha1::Sha1> as Mac>::new_from_slice(&secret).unwrap();
            let mut by_block = <Hmac<sha1::Sha1> as KeyInit>::new(&hmac_key(&secret));
            by_slice.update(b"step");
            by_block.update(b"step");
            assert_eq!(
                by_slice.finalize().into_bytes(),
                by_block.finalize().into_bytes(),
                "{len}-byte secret"
            );
        }
    }

    /// RFC 6238 appendix B, SHA-1 rows (the last six digits of each).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(secret, step_at(time)), code, "t = {time}");
        }
    }

    #[test]
    fn drift_of_one_step_is_accepted_two_is_not() {
        let secret = new_secret();
        let now = step_at(1_780_000_000);
        for delta in [-1, 0, 1] {
            assert_eq!(
                matching_step(&secret, &code_at(&secret, now + delta), now),
                Some(now + delta)
            );
        }
        for delta in [-2, 2] {
            let code = code_at(&secret, now + delta);
            // A collision with a neighbouring step's code is possible in
            // principle (1 in 10⁶); it would still not be step now ± 2.
            assert_ne!(matching_step(&secret, &code, now), Some(now + delta));
        }
    }

    #[test]
    fn codes_are_shaped_checked() {
        assert!(well_formed("012345"));
        for bad in [
            "",
            "12345",
            "1234567",
            "12a456",
            "１２３４５６",
            &"1".repeat(10_000),
        ] {
            assert!(!well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn sealing_round_trips_and_detects_the_wrong_key() {
        let keys = FactorKeys::derive(&[7; 32]);
        let sealed = keys.seal(b"secret").unwrap_or_default();
        assert_eq!(keys.open(&sealed).unwrap_or_default(), b"secret");
        assert!(FactorKeys::derive(&[8; 32]).open(&sealed).is_err());
        assert!(keys.open(&sealed[..10]).is_err());
    }

    #[test]
    fn recovery_codes_are_unique_and_normalised() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let keys = FactorKeys::derive(&[1; 32]);
        assert!(codes.iter().all(|c| recovery_well_formed(c)));
        assert_eq!(
            keys.recovery_hash(&codes[0]),
            keys.recovery_hash(&codes[0].to_uppercase().replace('-', " "))
        );
    }

    #[test]
    fn uri_and_qr() {
        let uri = otpauth_uri("Rampart", "ann@example.org", &[0u8; 20]);
        assert!(uri.starts_with("otpauth://totp/Rampart%3Aann@example.org?secret=AAAA"));
        let svg = qr_svg(&uri).unwrap_or_default();
        assert!(svg.starts_with("<svg"));
    }
}
