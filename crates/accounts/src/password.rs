//! Passwords: argon2id, above OWASP's minimum (19 MiB, 2 passes, 1 lane: about 18 ms here) at
//! 64 MiB and 4 passes (about 160 ms on this kind of machine: sign-in is slow by design, a
//! guess costs an attacker as much), hashed off the async threads and a bounded number at a
//! time, so that a flood of sign-ins costs CPU in proportion to the bound, not to the flood,
//! and never blocks the server's other requests. A hash keeps its parameters: hashes made
//! with other ones still verify.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// OWASP's Password Storage Cheat Sheet asks for at least 19 MiB and 2 passes (or the same
/// product of memory and passes); this is about seven times that.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 4;
const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 10;
/// Bytes; longer passwords are refused (hashing cost grows with length; nobody types more).
pub const MAX_LENGTH: usize = 1024;

fn argon2() -> Argon2<'static> {
    // The parameters are constants that argon2 accepts.
    #[allow(clippy::unwrap_used)]
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("no randomness for a salt: {0}")]
    Random(String),
    #[error("hashing a password: {0}")]
    Hash(String),
    #[error("the hashing task ended: {0}")]
    Task(String),
}

fn hash_now(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| HashError::Random(e.to_string()))?;
    argon2()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

fn verify_now(hash: &str, password: &str) -> bool {
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

/// Whether a stored hash was made with other parameters than today's (older, weaker ones): it is
/// made again at the next successful sign-in, when the password is at hand.
pub fn needs_rehash(hash: &str) -> bool {
    !hash.starts_with(&format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$"
    ))
}

/// A hash of nothing anyone knows, verified against when there is no user, so that an unknown
/// username costs the same time as a wrong password.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        // A fixed salt: the decoy needs no secrecy, only the cost of a real verification.
        argon2()
            .hash_password_with_salt(b"decoy password nobody has", b"codecollab-decoy")
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

/// Hashes and verifies passwords on blocking threads, at most `parallelism` at once.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(parallelism: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(parallelism.max(1))),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|e| HashError::Task(e.to_string()))?
    }

    /// Whether `password` matches `hash`; with no hash (no such user, or no password) a decoy
    /// is verified, in the same time, and the answer is no.
    pub async fn verify(&self, hash: Option<&str>, password: &str) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy()).to_string();
        let password = password.to_string();
        let matched = tokio::task::spawn_blocking(move || verify_now(&hash, &password))
            .await
            .unwrap_or(false);
        known && matched
    }
}

/// Why a password is refused (the message is shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WeakPassword(pub String);

/// The most common passwords of at least the minimum length, and the words that, with a few
/// digits or symbols around them, make most of the rest (lower case).
const COMMON: &str = include_str!("common-passwords.txt");

/// Refuses what is short, long, the username itself, or common.
pub fn check_strength(password: &str, username: &str) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(WeakPassword(format!(
            "a password needs at least {MIN_LENGTH} characters"
        )));
    }
    if password.len() > MAX_LENGTH {
        return Err(WeakPassword(format!(
            "a password has at most {MAX_LENGTH} bytes"
        )));
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(WeakPassword(
            "a password must not contain the username".into(),
        ));
    }
    if is_common(&lower) {
        return Err(WeakPassword(
            "this password is among the most common ones: choose another".into(),
        ));
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    let listed = |candidate: &str| COMMON.lines().any(|line| line.trim() == candidate);
    if listed(lower) {
        return true;
    }
    // A common word with digits and symbols around it ("Password123!") is as weak.
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if !core.is_empty() && core.len() < lower.len() && listed(core) {
        return true;
    }
    // One character repeated, or a run of a keyboard row or of the alphabet.
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 {
        return true;
    }
    const RUNS: [&str; 5] = [
        "01234567890123456789",
        "98765432109876543210",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnm",
        "1q2w3e4r5t6y7u8i9o0p",
    ];
    RUNS.iter().any(|run| run.contains(lower))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_username_passwords_are_refused_with_a_reason() {
        assert!(
            check_strength("short", "ann")
                .expect_err("short")
                .0
                .contains("10")
        );
        for weak in [
            "password123",
            "Password123!",
            "1234567890",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "abababababab",
            "iloveyou12345",
            "0987654321",
        ] {
            assert!(check_strength(weak, "ann").is_err(), "{weak} accepted");
        }
        assert!(check_strength("xx-annabel-xx", "annabel").is_err());
        assert!(check_strength(&"x".repeat(2000), "ann").is_err());
        assert!(check_strength("correct horse battery staple", "ann").is_ok());
        assert!(check_strength("Tr0ub4dor&3-plus", "ann").is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only_and_records_owasp_parameters() {
        let hasher = Hasher::new(1);
        let hash = hasher.hash("correct horse battery").await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=65536,t=4,p=1$"),
            "{hash}"
        );
        assert!(hasher.verify(Some(&hash), "correct horse battery").await);
        assert!(!hasher.verify(Some(&hash), "correct horse batterY").await);
        assert!(!hasher.verify(None, "correct horse battery").await);
        let again = hasher.hash("correct horse battery").await.expect("hash");
        assert_ne!(hash, again, "salts differ");
    }
}
