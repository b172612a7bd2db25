//! Ids nobody can guess (snippet links, request ids; run ids are `runs::run_id`), from the
//! kernel's CSPRNG. A failure to get random bytes is an error for the request, never a
//! predictable id.

use crate::error::ApiError;

/// 64 random bits as 16 hex digits: enough to find one request's lines in the logs.
pub fn request_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 8];
    fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `len` base62 characters, each uniform (the accounts' generator, which also makes session
/// and token secrets).
pub fn base62(len: usize) -> Result<String, ApiError> {
    accounts::secret::random_base62(len)
        .map_err(|e| ApiError::internal(format!("no random bytes for an id: {e}")))
}

fn fill(bytes: &mut [u8]) -> Result<(), ApiError> {
    getrandom::fill(bytes)
        .map_err(|e| ApiError::internal(format!("no random bytes for an id: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn request_ids_are_random_not_zeros() {
        let ids: HashSet<String> = (0..1000).map(|_| request_id().expect("id")).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 16 && id != &"0".repeat(16)));
    }

    #[test]
    fn base62_ids_use_every_character_evenly() {
        let text: String = (0..2000).map(|_| base62(10).expect("id")).collect();
        const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut counts = [0usize; 62];
        for b in text.bytes() {
            counts[BASE62.iter().position(|&c| c == b).expect("base62")] += 1;
        }
        // 20,000 draws, 322 expected each: a biased or stuck generator falls far outside.
        assert!(
            counts.iter().all(|&n| (200..450).contains(&n)),
            "{counts:?}"
        );
    }
}
