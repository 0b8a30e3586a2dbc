//! Throttling of failed logins (DESIGN §4: "repeated failed logins are throttled"): the limits
//! and the counters an attempt is charged to. The counting itself is in the database.
use chrono::Duration;

/// How many failed logins are allowed, per username and per client address, in a window.
#[derive(Clone, Copy, Debug)]
pub struct LoginPolicy {
    /// Failures allowed per username in a window.
    pub max_failures_per_user: i32,
    /// Failures allowed per client address in a window.
    pub max_failures_per_address: i32,
    pub window: Duration,
}

impl LoginPolicy {
    /// The policy for a per-username limit: an address may fail ten times as often, since
    /// many users can share one (an office's NAT).
    pub fn new(max_failures_per_user: i32, window: Duration) -> Self {
        LoginPolicy {
            max_failures_per_user,
            max_failures_per_address: max_failures_per_user.saturating_mul(10),
            window,
        }
    }
}

/// The counters a login attempt is charged to, with their limits.
pub fn keys(policy: &LoginPolicy, username: &str, address: &str) -> [(String, i32); 2] {
    [
        (format!("user:{username}"), policy.max_failures_per_user),
        (format!("addr:{address}"), policy.max_failures_per_address),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_counts_against_the_username_and_the_address() {
        let policy = LoginPolicy::new(5, Duration::minutes(15));
        let keys = keys(&policy, "wang", "10.0.0.1");
        assert_eq!(keys[0], ("user:wang".to_owned(), 5));
        assert_eq!(keys[1], ("addr:10.0.0.1".to_owned(), 50));
    }
}
