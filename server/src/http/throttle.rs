//! Failed sign-ins, counted per account *and* client address together,
//! per client, and per account: past a few failures in a window, further
//! tries wait, whatever the password.
//!
//! The pair's count is the one that bites first (5): a stranger guessing
//! an account's password from their own address locks out only themself,
//! never the account's owner. A client is stopped after 20 failures over
//! any accounts. Only a guesser spread over many addresses reaches the
//! account's own count (100), which then holds the account for everyone:
//! the price of not letting a botnet guess forever. Kept in memory, so
//! each node counts its own (see docs/OPERATIONS.md), and bounded: past
//! [`MAX_ENTRIES`] counts, the oldest are forgotten.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most counts kept; each try's are checked before its password is, and
/// a password check is slow, so reaching this takes a long flood.
pub const MAX_ENTRIES: usize = 100_000;

pub struct SignInThrottle {
    window: Duration,
    per_pair: u32,
    per_client: u32,
    per_account: u32,
    failures: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Key to (first failure of its window, failures).
    map: HashMap<String, (Instant, u32)>,
    /// When expired counts were last dropped: at most once a minute (or
    /// when full), so that a try costs a few lookups, not a scan.
    swept: Option<Instant>,
}

impl SignInThrottle {
    pub fn new() -> Self {
        SignInThrottle {
            window: Duration::from_secs(15 * 60),
            per_pair: 5,
            per_client: 20,
            per_account: 100,
            failures: Mutex::new(Counts::default()),
        }
    }

    fn keys(&self, account: &str, client: &str) -> [(String, u32); 3] {
        [
            (format!("pair:{account}\u{0}{client}"), self.per_pair),
            (format!("client:{client}"), self.per_client),
            (format!("account:{account}"), self.per_account),
        ]
    }

    /// Starts a sign-in: `Err(seconds to wait)` when the account from this
    /// client, the client, or the account has failed too often; otherwise
    /// the try is counted as a failure *now*, before the password is
    /// checked, so that parallel guesses cannot all pass the check while
    /// the first ones are hashing. A success takes it back
    /// ([`Self::succeeded`]). `client`: the address, an IPv6 client's /64.
    pub fn begin(&self, account: &str, client: &str) -> Result<(), u64> {
        let mut counts = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let window = self.window;
        let live = |since: &Instant| now.duration_since(*since) < window;
        if counts.map.len() >= MAX_ENTRIES
            || counts
                .swept
                .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(60))
        {
            counts.map.retain(|_, (since, _)| live(since));
            counts.swept = Some(now);
            if counts.map.len() >= MAX_ENTRIES {
                // Still full of live counts: forget the oldest tenth.
                let mut times: Vec<Instant> = counts.map.values().map(|(s, _)| *s).collect();
                times.sort_unstable();
                let cutoff = times[times.len() / 10];
                counts.map.retain(|_, (since, _)| *since > cutoff);
            }
        }
        let keys = self.keys(account, client);
        let mut wait = 0;
        for (key, limit) in &keys {
            if let Some((since, n)) = counts.map.get(key) {
                if live(since) && *n >= *limit {
                    let left = window.saturating_sub(now.duration_since(*since));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        for (key, _) in keys {
            let entry = counts.map.entry(key).or_insert((now, 0));
            if !live(&entry.0) {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }

    /// A success clears the pair's and the account's counts and takes back
    /// the client's provisional failure.
    pub fn succeeded(&self, account: &str, client: &str) {
        let mut counts = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let map = &mut counts.map;
        let [(pair, _), (client_key, _), (account_key, _)] = self.keys(account, client);
        map.remove(&pair);
        map.remove(&account_key);
        if let Some((_, n)) = map.get_mut(&client_key) {
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
    fn a_stranger_locks_out_only_themself() {
        let t = SignInThrottle::new();
        for _ in 0..5 {
            assert!(t.begin("ada", "6.6.6.6").is_ok());
        }
        assert!(t.begin("ada", "6.6.6.6").is_err(), "the guesser waits");
        assert!(t.begin("ada", "1.2.3.4").is_ok(), "the owner does not");
        assert!(
            t.begin("bob", "6.6.6.6").is_ok(),
            "other accounts' pairs are apart"
        );
    }

    #[test]
    fn a_client_is_stopped_across_accounts_and_an_account_across_clients() {
        let t = SignInThrottle::new();
        for i in 0..20 {
            assert!(t.begin(&format!("user{i}"), "6.6.6.6").is_ok());
        }
        assert!(
            t.begin("user99", "6.6.6.6").is_err(),
            "20 failures from one client"
        );
        // A guesser spread over a hundred addresses holds the account.
        for i in 0..100 {
            assert!(t.begin("ada", &format!("10.0.0.{i}")).is_ok());
        }
        assert!(t.begin("ada", "1.2.3.4").is_err());
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

    #[test]
    fn memory_is_bounded() {
        let t = SignInThrottle::new();
        // Three counts a try: past the bound, the oldest are forgotten.
        for i in 0..(MAX_ENTRIES / 2) {
            let _ = t.begin(&format!("a{i}"), &format!("c{i}"));
        }
        let n = t.failures.lock().unwrap().map.len();
        assert!(n <= MAX_ENTRIES + 3, "{n}");
        assert!(n >= MAX_ENTRIES / 2, "{n}");
    }
}
