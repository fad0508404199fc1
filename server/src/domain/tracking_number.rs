//! The number a stakeholder quotes to find their comment again.

use rand::Rng;
use std::fmt;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A tracking number in the 3-4-4 lowercase form regulations.gov uses
/// (`kex-d31z-fe04`). Eleven random characters from a CSPRNG give about 57
/// bits, so numbers cannot be guessed to read someone else's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let mut s = String::with_capacity(13);
        for i in 0..11 {
            if i == 3 || i == 7 {
                s.push('-');
            }
            s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
        }
        TrackingNumber(s)
    }

    /// Accepts what a person may type: surrounding spaces and capitals.
    pub fn parse(input: &str) -> Option<Self> {
        let s = input.trim().to_ascii_lowercase();
        let b = s.as_bytes();
        let well_formed = b.len() == 13
            && b.iter().enumerate().all(|(i, c)| {
                if i == 3 || i == 8 {
                    *c == b'-'
                } else {
                    ALPHABET.contains(c)
                }
            });
        well_formed.then_some(TrackingNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_parse_and_differ() {
        let a = TrackingNumber::generate();
        let b = TrackingNumber::generate();
        assert_ne!(a, b);
        assert_eq!(TrackingNumber::parse(a.as_str()), Some(a.clone()));
        assert_eq!(a.as_str().len(), 13);
    }

    #[test]
    fn parse_rejects_other_shapes() {
        assert!(TrackingNumber::parse("kex-d31z-fe04").is_some());
        assert!(TrackingNumber::parse(" KEX-D31Z-FE04 ").is_some());
        for bad in [
            "kexd31zfe04",
            "kex-d31z-fe0",
            "kex_d31z-fe04",
            "ke!-d31z-fe04",
            "",
        ] {
            assert!(TrackingNumber::parse(bad).is_none(), "{bad}");
        }
    }
}
