//! Accounts: roles, names, passwords and the random secrets (API tokens,
//! session ids, CSRF tokens) that stand for a signed-in person.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// What an account may do. Staff can do everything an analyst can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Analyst,
    Staff,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "analyst" => Some(Role::Analyst),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Staff => "staff",
        }
    }

    /// Whether this role may use what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account name: 1 to 64 characters of letters, digits and `._@-`,
/// compared case-insensitively (stored lowercase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim().to_lowercase();
        if s.is_empty() || s.chars().count() > 64 {
            return Err("a name has 1 to 64 characters");
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
        {
            return Err("a name has only letters, digits and . _ @ -");
        }
        Ok(UserName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shortest password accepted (NIST SP 800-63B's floor for chosen secrets).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted: argon2 would hash more, but nobody types more.
pub const MAX_PASSWORD_CHARS: usize = 1024;

pub fn check_password_strength(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!(
            "a password has at most {MAX_PASSWORD_CHARS} characters"
        ));
    }
    Ok(())
}

/// argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's minimum).
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters")
        .to_string()
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to compare against when the account does not exist, so a wrong
/// name costs the same time as a wrong password.
pub fn dummy_password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password anyone has"))
}

/// A random 256-bit secret, URL-safe, with a prefix saying what it is
/// (`rfd_` tokens are easy to find when one leaks into a repository).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn generate(prefix: &str) -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Secret(format!("{prefix}{}", hex::encode(bytes)))
    }

    pub fn from_presented(s: &str) -> Self {
        Secret(s.trim().to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

pub const API_TOKEN_PREFIX: &str = "rfd_";
pub const SESSION_PREFIX: &str = "rfs_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsE", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn staff_may_do_what_analysts_do() {
        assert!(Role::Staff.allows(Role::Analyst));
        assert!(!Role::Analyst.allows(Role::Staff));
    }

    #[test]
    fn names_are_checked_and_lowercased() {
        assert_eq!(UserName::parse(" Ada ").unwrap().as_str(), "ada");
        assert!(UserName::parse("").is_err());
        assert!(UserName::parse("a b").is_err());
    }

    #[test]
    fn secrets_hash_stably() {
        let s = Secret::generate(API_TOKEN_PREFIX);
        assert!(s.expose().starts_with("rfd_"));
        assert_eq!(s.hash(), Secret::from_presented(s.expose()).hash());
        assert_ne!(s.hash(), Secret::generate(API_TOKEN_PREFIX).hash());
    }
}
