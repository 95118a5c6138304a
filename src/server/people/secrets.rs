//! Secrets handed out once (API tokens, invitation links): 256 random bits from the OS,
//! stored only as their SHA-256. They are random, not chosen by people, so a fast hash is
//! enough: there is nothing to guess from it.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use sha2::{Digest, Sha256};

/// What every API token starts with, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "vt_";
/// How many characters of a token are kept to tell tokens apart in lists (`vt_` + 6).
const SHOWN_CHARS: usize = 9;

/// A new secret, and its hash to store.
pub struct Secret {
    pub value: String,
    pub hash: String,
}

impl Secret {
    pub fn new(prefix: &str) -> Secret {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let value = format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let hash = hash_secret(&value);
        Secret { value, hash }
    }

    /// The start of a token, shown in lists (`vt_AbCdEf`).
    pub fn shown_prefix(&self) -> String {
        self.value.chars().take(SHOWN_CHARS).collect()
    }
}

pub fn hash_secret(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hashed() {
        let a = Secret::new(TOKEN_PREFIX);
        let b = Secret::new(TOKEN_PREFIX);
        assert!(a.value.starts_with("vt_") && a.value.len() == 3 + 43, "{}", a.value);
        assert_ne!(a.value, b.value);
        assert_eq!(a.hash, hash_secret(&a.value));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.value[3..]));
        assert_eq!(a.shown_prefix(), &a.value[..9]);
    }
}
