//! Sealing personal fields at rest: XChaCha20-Poly1305 (random 192-bit
//! nonce) under a key derived from `keys/data.key` for this purpose alone,
//! with the account and the field name as associated data, so that a box
//! moved to another account or another field no longer opens. A copy of
//! the database without `keys/` holds no personal field in clear.

use crate::Error;
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use rampart_domain::AccountId;

/// The key personal fields are sealed with.
#[derive(Clone)]
pub struct ProfileKey([u8; 32]);

impl std::fmt::Debug for ProfileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProfileKey(..)")
    }
}

fn associated(account: AccountId, field: &str) -> Vec<u8> {
    format!("rampart profile field\0{}\0{field}", account.0).into_bytes()
}

impl ProfileKey {
    /// Derives the key from the install's 32-byte data key.
    pub fn derive(data_key: &[u8; 32]) -> Self {
        ProfileKey(blake3::derive_key(
            "rampart 2026-12 directory profile field sealing",
            data_key,
        ))
    }

    /// nonce ‖ ciphertext of `value`, bound to `account` and `field`.
    pub fn seal(&self, account: AccountId, field: &str, value: &str) -> Result<Vec<u8>, Error> {
        let nonce = rampart_domain::random_bytes::<24>();
        let aad = associated(account, field);
        let sealed = XChaCha20Poly1305::new((&self.0).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Internal(anyhow::anyhow!("sealing a profile field failed")))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The value in a box sealed for `account` and `field`.
    pub fn open(&self, account: AccountId, field: &str, sealed: &[u8]) -> Result<String, Error> {
        let broken = || {
            Error::Internal(anyhow::anyhow!(
                "a profile field of account {} does not open with keys/data.key",
                account.0
            ))
        };
        if sealed.len() < 24 {
            return Err(broken());
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        let aad = associated(account, field);
        let plain = XChaCha20Poly1305::new((&self.0).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_open_only_for_their_account_field_and_key() {
        let key = ProfileKey::derive(&[7; 32]);
        let sealed = key
            .seal(AccountId(1), "phone", "+47 555 0100")
            .unwrap_or_default();
        assert!(!sealed.windows(4).any(|w| w == b"+47 "));
        assert_eq!(
            key.open(AccountId(1), "phone", &sealed).ok().as_deref(),
            Some("+47 555 0100")
        );
        assert!(key.open(AccountId(2), "phone", &sealed).is_err());
        assert!(key.open(AccountId(1), "unit", &sealed).is_err());
        assert!(ProfileKey::derive(&[8; 32])
            .open(AccountId(1), "phone", &sealed)
            .is_err());
        assert!(key.open(AccountId(1), "phone", &sealed[..10]).is_err());
    }
}
