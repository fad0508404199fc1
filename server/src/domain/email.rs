//! A submitter's email address, checked once at the edge.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim();
        if s.len() > 254 {
            return Err("is longer than 254 characters");
        }
        // email_address follows RFC 5322 addr-spec; we also insist on a dot in
        // the domain because a receipt to `ada@localhost` would never arrive.
        let parsed =
            email_address::EmailAddress::from_str(s).map_err(|_| "is not a valid email address")?;
        if !parsed.domain().contains('.') || s.contains(['<', '>', ' ']) {
            return Err("is not a valid email address");
        }
        Ok(Email(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert!(Email::parse("ada@example.com").is_ok());
        assert!(Email::parse(" first.last+rfi@agency.gov ").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "a b@example.com",
            "Ada <ada@example.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
