//! Secrets handed to clients (session cookies, API tokens) and ids: 256 random bits from the
//! OS, base62; only their SHA-256 is stored, so a copy of the database opens no account.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The prefix of every personal API token: secret scanners and people can tell them apart.
pub const TOKEN_PREFIX: &str = "cc_";

/// `len` random base62 characters (rejection sampling: no bias).
pub fn random_base62(len: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)?;
        for byte in buf {
            // 248 = 4 * 62: bytes above it would favour the first characters.
            if byte < 248 && out.len() < len {
                out.push(ALPHABET[usize::from(byte % 62)] as char);
            }
        }
    }
    Ok(out)
}

/// A new session secret (43 base62 characters: more than 256 bits).
pub fn session_secret() -> Result<String, getrandom::Error> {
    random_base62(43)
}

/// A new API token's secret.
pub fn token_secret() -> Result<String, getrandom::Error> {
    Ok(format!("{TOKEN_PREFIX}{}", random_base62(43)?))
}

/// A user's or a token's id (not secret, but not guessable either).
pub fn id() -> Result<String, getrandom::Error> {
    random_base62(16)
}

/// The stored form of a secret: lower-case hex SHA-256.
pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_stored_as_their_sha256() {
        let a = token_secret().expect("random");
        let b = token_secret().expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 46, "{a}");
        assert!(a[3..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
