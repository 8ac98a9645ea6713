//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1, the OWASP
//! minimum), run on the blocking pool so a sign-in does not stall the
//! runtime.

use crate::error::AppError;
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

fn argon2() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rampart_domain::random_bytes::<16>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let hash = argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
        Ok(hash.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
}

/// A PHC string that matches no password: verifying against it costs as much
/// as a real check, so unknown emails take as long as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qk2uA1V3m1hK9n0C3q3xw5l0b6fZ1yG0eHk2d3rW1rE";

/// Checks a password against a stored hash (or the dummy hash when the
/// account does not exist). Any malformed input is simply "no".
pub async fn verify_password(hash: Option<String>, password: &str) -> Result<bool, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return Ok(false);
        };
        let ok = argon2()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && known)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
}

/// Length bounds only, no composition rules (NIST SP 800-63B).
pub fn check_new_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < 12 {
        return Err(AppError::Invalid(
            "new password must have at least 12 characters".into(),
        ));
    }
    if password.len() > 1024 || password.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "new password must be at most 1024 bytes without control characters".into(),
        ));
    }
    Ok(())
}

/// A one-time password: 20 characters from an alphabet without look-alikes
/// (≈ 110 bits).
pub fn generate_one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    rampart_domain::random_bytes::<20>()
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}
