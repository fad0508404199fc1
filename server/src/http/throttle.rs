//! Failed sign-ins, counted per account name and per client address: past
//! a few failures in a window, further tries wait, whatever the password.
//! Kept in memory, so each node counts its own (see docs/OPERATIONS.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct SignInThrottle {
    window: Duration,
    per_account: u32,
    per_client: u32,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl SignInThrottle {
    pub fn new() -> Self {
        SignInThrottle {
            window: Duration::from_secs(15 * 60),
            per_account: 5,
            per_client: 20,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a sign-in: `Err(seconds to wait)` when the account or the
    /// client has failed too often; otherwise the try is counted as a
    /// failure *now*, before the password is checked, so that parallel
    /// guesses cannot all pass the check while the first ones are hashing.
    /// A success takes it back ([`Self::succeeded`]).
    pub fn begin(&self, account: &str, client: &str) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, (since, _)| now.duration_since(*since) < self.window);
        let keys = [
            (format!("account:{account}"), self.per_account),
            (format!("client:{client}"), self.per_client),
        ];
        let mut wait = 0;
        for (key, limit) in &keys {
            if let Some((since, n)) = map.get(key) {
                if *n >= *limit {
                    let left = self.window.saturating_sub(now.duration_since(*since));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        for (key, _) in keys {
            map.entry(key).or_insert((now, 0)).1 += 1;
        }
        Ok(())
    }

    /// A success clears the account's count and takes back the client's
    /// provisional failure.
    pub fn succeeded(&self, account: &str, client: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("account:{account}"));
        if let Some((_, n)) = map.get_mut(&format!("client:{client}")) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_account_not_others() {
        let t = SignInThrottle::new();
        for _ in 0..5 {
            assert!(t.begin("ada", "1.2.3.4").is_ok());
        }
        assert!(t.begin("ada", "9.9.9.9").is_err());
        assert!(t.begin("bob", "1.2.3.4").is_ok());
    }

    #[test]
    fn a_success_takes_its_try_back() {
        let t = SignInThrottle::new();
        for _ in 0..10 {
            assert!(t.begin("ada", "1.2.3.4").is_ok());
            t.succeeded("ada", "1.2.3.4");
        }
        for _ in 0..5 {
            assert!(t.begin("ada", "1.2.3.4").is_ok());
        }
        assert!(t.begin("ada", "1.2.3.4").is_err());
    }
}
