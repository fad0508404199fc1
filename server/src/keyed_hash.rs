//! Keyed hashes (HMAC-SHA-256) of what must be compared but never kept:
//! the client address a comment came from, the email address behind two
//! comments. The key lives in the database, so every node hashes alike and
//! a copy of the hashes alone gives nothing back.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct KeyedHash {
    key: Vec<u8>,
}

impl KeyedHash {
    pub const SECRET_NAME: &'static str = "signal_key";

    pub fn new(key_hex: &str) -> Self {
        KeyedHash {
            key: hex::decode(key_hex).unwrap_or_else(|_| key_hex.as_bytes().to_vec()),
        }
    }

    /// A new random key, as stored.
    pub fn generate() -> String {
        use rand::RngCore;
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        hex::encode(key)
    }

    /// The keyed hash of `value` in `domain` (so a client address and an
    /// email address never hash alike), 128 bits in hex.
    pub fn of(&self, domain: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_and_separated_by_domain() {
        let a = KeyedHash::new(&KeyedHash::generate());
        let b = KeyedHash::new(&KeyedHash::generate());
        assert_eq!(a.of("client", "192.0.2.1"), a.of("client", "192.0.2.1"));
        assert_ne!(a.of("client", "192.0.2.1"), b.of("client", "192.0.2.1"));
        assert_ne!(a.of("client", "x"), a.of("email", "x"));
        assert_eq!(a.of("client", "x").len(), 32);
    }
}
