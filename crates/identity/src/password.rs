//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1, the OWASP
//! minimum), run on the blocking pool so a sign-in does not stall the
//! runtime; hashes made with other parameters are redone at the next
//! sign-in. New passwords are judged by length and by zxcvbn's estimate of
//! how guessable they are, never by composition rules (NIST SP 800-63B).

use crate::Error;
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

/// The current parameters: memory KiB, iterations, lanes.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon2() -> Result<Argon2<'static>, Error> {
    let params = Params::new(M_COST, T_COST, P_COST, None)
        .map_err(|e| Error::Internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string.
pub async fn hash_password(password: &str) -> Result<String, Error> {
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
    .map_err(|e| Error::Internal(e.into()))?
}

/// A PHC string that matches no password: verifying against it costs as much
/// as a real check, so unknown emails take as long as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qk2uA1V3m1hK9n0C3q3xw5l0b6fZ1yG0eHk2d3rW1rE";

/// Checks a password against a stored hash (or the dummy hash when the
/// account does not exist). Any malformed input is simply "no".
pub async fn verify_password(hash: Option<String>, password: &str) -> Result<bool, Error> {
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
    .map_err(|e| Error::Internal(e.into()))?
}

/// Whether a stored hash was made with other parameters (or another
/// algorithm) than the current ones, and should be redone.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let current = parsed.algorithm.as_str() == "argon2id"
        && parsed.version == Some(0x13)
        && Params::try_from(&parsed)
            .is_ok_and(|p| p.m_cost() == M_COST && p.t_cost() == T_COST && p.p_cost() == P_COST);
    !current
}

/// Length bounds, no control characters, and a zxcvbn score of at least 3
/// (guessing takes more than 10¹⁰ tries) counting the account's own email
/// and name as known words. No composition rules (NIST SP 800-63B).
pub fn check_new_password(password: &str, user_inputs: &[&str]) -> Result<(), Error> {
    let chars = password.chars().count();
    if chars < 12 {
        return Err(Error::Invalid(
            "new password must have at least 12 characters".into(),
        ));
    }
    if password.len() > 1024 || password.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "new password must be at most 1024 bytes without control characters".into(),
        ));
    }
    let entropy = zxcvbn::zxcvbn(password, user_inputs);
    if entropy.score() < zxcvbn::Score::Three {
        let mut message = String::from("new password is too easy to guess");
        if let Some(feedback) = entropy.feedback() {
            if let Some(warning) = feedback.warning() {
                message.push_str(&format!(": {warning}"));
            }
            for suggestion in feedback.suggestions() {
                message.push_str(&format!(" {suggestion}"));
            }
        }
        if !message.ends_with('.') {
            message.push_str(". Add more words or characters");
        }
        return Err(Error::Invalid(message));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessable_passwords_are_refused_with_advice() {
        for weak in ["passwordpassword", "qwertyuiop123", "ann@example.org1"] {
            let e = check_new_password(weak, &["ann@example.org"]);
            assert!(
                matches!(&e, Err(Error::Invalid(m)) if m.contains("too easy to guess")),
                "{weak}: {e:?}"
            );
        }
        assert!(check_new_password("short", &[]).is_err());
        assert!(check_new_password("tab\there is a control", &[]).is_err());
        assert!(check_new_password(&"x".repeat(1025), &[]).is_err());
        assert!(check_new_password("violet kettle thunder marmalade", &[]).is_ok());
        assert!(check_new_password("correct horse battery staple", &[]).is_ok());
    }

    #[test]
    fn hashes_with_other_parameters_need_redoing() {
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(needs_rehash(
            "$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$Qk2uA1V3m1hK9n0C3q3xw5l0b6fZ1yG0eHk2d3rW1rE"
        ));
        assert!(!needs_rehash("garbage"));
    }
}
