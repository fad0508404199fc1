//! A tag's name in a codebook: lower-case words joined by `-`, levels by
//! `/` (`region/asean/malaysia`). Parsed once at the edge; the rest of the
//! code only sees valid paths.

use serde::Serialize;
use std::fmt;

/// Levels below the top: a codebook deeper than this is not one a coding
/// team can keep in its head.
pub const MAX_LEVELS: usize = 6;
pub const MAX_SEGMENT: usize = 48;
pub const MAX_PATH: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TagPath(String);

impl TagPath {
    /// A path, or why it is not one.
    pub fn parse(raw: &str) -> Result<TagPath, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is empty".into());
        }
        if s.len() > MAX_PATH {
            return Err(format!("is longer than {MAX_PATH} characters"));
        }
        let segments: Vec<&str> = s.split('/').collect();
        if segments.len() > MAX_LEVELS {
            return Err(format!("has more than {MAX_LEVELS} levels"));
        }
        for seg in &segments {
            if seg.is_empty() {
                return Err("has an empty level (`//`, or `/` at an end)".into());
            }
            if seg.len() > MAX_SEGMENT {
                return Err(format!("has a level longer than {MAX_SEGMENT} characters"));
            }
            if !seg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(
                    "may hold only lower-case letters, digits and `-`, levels joined by `/`".into(),
                );
            }
            if seg.starts_with('-') || seg.ends_with('-') {
                return Err("has a level that starts or ends with `-`".into());
            }
        }
        Ok(TagPath(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path one level up, if any.
    pub fn parent(&self) -> Option<TagPath> {
        self.0.rfind('/').map(|i| TagPath(self.0[..i].to_string()))
    }

    /// Every path above this one and the path itself, top first: a comment
    /// tagged `region/asean/malaysia` is found by `tag=region` too.
    pub fn with_ancestors(path: &str) -> impl Iterator<Item = &str> {
        path.match_indices('/')
            .map(move |(i, _)| &path[..i])
            .chain(std::iter::once(path))
    }
}

impl fmt::Display for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_paths() {
        for p in [
            "region",
            "region/asean/malaysia",
            "standards/iso-iec-jtc1-sc42",
        ] {
            assert_eq!(TagPath::parse(p).unwrap().as_str(), p);
        }
        assert_eq!(
            TagPath::parse(" region/asean ").unwrap().as_str(),
            "region/asean"
        );
    }

    #[test]
    fn invalid_paths_say_why() {
        for p in [
            "",
            "Region",
            "region//asean",
            "/region",
            "region/",
            "-x",
            "a b",
            "région",
            "a/b/c/d/e/f/g",
        ] {
            assert!(TagPath::parse(p).is_err(), "{p:?}");
        }
        assert!(TagPath::parse(&"a".repeat(49)).is_err());
        assert!(TagPath::parse(&["abcdefghij"; 6].join("/").repeat(4)).is_err());
    }

    #[test]
    fn ancestors_top_first() {
        let all: Vec<&str> = TagPath::with_ancestors("region/asean/malaysia").collect();
        assert_eq!(all, ["region", "region/asean", "region/asean/malaysia"]);
        assert_eq!(
            TagPath::parse("a/b").unwrap().parent().unwrap().as_str(),
            "a"
        );
        assert!(TagPath::parse("a").unwrap().parent().is_none());
    }
}
