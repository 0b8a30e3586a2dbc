//! Password hashing with argon2id (default parameters: 19 MiB, 2 passes).
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

/// True when `password` matches the stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A valid hash of a random password, verified against when the username is unknown so that
/// an unknown user and a wrong password take the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| hash(&uuid::Uuid::now_v7().to_string()).expect("hashing a random password"))
}

/// Password checks that may run at once: one per core. Each argon2 check takes 19 MiB and a
/// core for tens of milliseconds, so a burst of logins queues here instead of allocating
/// without bound.
fn slots() -> &'static std::sync::Arc<tokio::sync::Semaphore> {
    static SLOTS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        std::sync::Arc::new(tokio::sync::Semaphore::new(cores))
    })
}

/// Makes every large allocation (argon2's 19 MiB blocks) a mapping of its own that goes back to
/// the system when freed. Otherwise glibc raises its mmap threshold after the first such free
/// and keeps later blocks in per-thread arenas, so a burst of logins leaves hundreds of MB
/// resident long after it ended. Called once at start-up.
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; 1 MiB is a valid M_MMAP_THRESHOLD.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

/// How long hashing a new password (creating a user, resetting a password) waits for a slot.
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs a password hash or check on the blocking pool once one of the [`slots`] is free.
/// `Err(ApiError::Busy)` when none frees up within `wait`.
pub async fn bounded<T: Send + 'static>(
    wait: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    use crate::error::ApiError;
    let permit = tokio::time::timeout(wait, slots().clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or(ApiError::Busy {
            retry_after_secs: 1,
        })?;
    // The permit goes with the work: a client that hangs up does not free the slot while its
    // check still runs.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("password work: {e}")))
}

/// A random secret of `bytes` bytes from the OS, base64url without padding: refresh tokens,
/// client secrets, calendar tokens, generated passwords and the JWT secret.
pub fn random_secret(bytes: usize) -> String {
    use base64::Engine;
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the OS random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn password_work_waits_for_a_slot_and_is_refused_when_none_frees_up() {
        let wait = std::time::Duration::from_millis(20);
        assert_eq!(super::bounded(wait, || 1).await.unwrap(), 1);
        let all = super::slots().available_permits() as u32;
        let held = super::slots().acquire_many(all).await.unwrap();
        let refused = super::bounded(wait, || 2).await.unwrap_err();
        assert!(
            matches!(refused, crate::error::ApiError::Busy { .. }),
            "{refused:?}"
        );
        drop(held);
        assert_eq!(super::bounded(wait, || 3).await.unwrap(), 3);
    }

    #[test]
    fn a_hash_verifies_only_its_password() {
        let stored = super::hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse", &stored));
        assert!(!super::verify("wrong horse", &stored));
        assert!(!super::verify("correct horse", "not a hash"));
    }
}
