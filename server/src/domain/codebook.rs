//! A codebook: the tags analysts code a docket's comments with. Staff
//! write it as a file (`fixtures/codebooks/*.toml`) or edit it through the
//! API; both arrive here as [`TagSpec`]s that are valid by construction.

use super::tag_path::TagPath;
use anyhow::bail;
use serde::Deserialize;
use std::collections::HashSet;

pub const MAX_LABEL: usize = 200;
pub const MAX_INSTRUCTIONS: usize = 4_000;
/// Tags one docket's codebook may hold.
pub const MAX_TAGS: usize = 2_000;

/// A codebook file as staff write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodebookFile {
    pub docket: String,
    #[serde(default, rename = "tag")]
    pub tags: Vec<RawTag>,
}

/// One tag as typed, in a file or an API body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTag {
    pub path: String,
    pub label: String,
    #[serde(default)]
    pub instructions: String,
}

/// A tag that may be stored: a valid path, a label, instructions.
#[derive(Debug, Clone, PartialEq)]
pub struct TagSpec {
    pub path: TagPath,
    pub label: String,
    pub instructions: String,
}

/// The label, or why it cannot be one.
pub fn label(raw: &str) -> Result<String, String> {
    let l = raw.trim();
    if l.is_empty() {
        return Err("is empty".into());
    }
    if l.chars().count() > MAX_LABEL || l.chars().any(char::is_control) {
        return Err(format!(
            "must be one line of at most {MAX_LABEL} characters"
        ));
    }
    Ok(l.to_string())
}

pub fn instructions(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.chars().count() > MAX_INSTRUCTIONS {
        return Err(format!("is longer than {MAX_INSTRUCTIONS} characters"));
    }
    Ok(t.to_string())
}

impl RawTag {
    /// The tag, or each field's problem (field name to why).
    pub fn parse(&self) -> Result<TagSpec, Vec<(&'static str, String)>> {
        let path = TagPath::parse(&self.path);
        let label = label(&self.label);
        let instructions = instructions(&self.instructions);
        match (path, label, instructions) {
            (Ok(path), Ok(label), Ok(instructions)) => Ok(TagSpec {
                path,
                label,
                instructions,
            }),
            (p, l, i) => Err([
                ("path", p.err()),
                ("label", l.err()),
                ("instructions", i.err()),
            ]
            .into_iter()
            .filter_map(|(f, e)| e.map(|e| (f, e)))
            .collect()),
        }
    }
}

impl CodebookFile {
    /// Parses a file: every tag valid, no path twice, every parent before
    /// its children (in the file, or already in `known`).
    pub fn from_toml(
        text: &str,
        known: &HashSet<String>,
    ) -> anyhow::Result<(String, Vec<TagSpec>)> {
        let file: CodebookFile = toml::from_str(text)?;
        if file.tags.len() > MAX_TAGS {
            bail!("more than {MAX_TAGS} tags");
        }
        let mut seen: HashSet<String> = HashSet::new();
        let mut specs = Vec::with_capacity(file.tags.len());
        for (i, raw) in file.tags.iter().enumerate() {
            let spec = raw.parse().map_err(|errors| {
                let why: Vec<String> = errors.iter().map(|(f, e)| format!("{f} {e}")).collect();
                anyhow::anyhow!("tag {} ({:?}): {}", i + 1, raw.path, why.join("; "))
            })?;
            if !seen.insert(spec.path.to_string()) {
                bail!("tag {:?} appears twice", spec.path.as_str());
            }
            if let Some(parent) = spec.path.parent() {
                if !seen.contains(parent.as_str()) && !known.contains(parent.as_str()) {
                    bail!(
                        "tag {:?} comes before its parent {:?} (or the parent is missing)",
                        spec.path.as_str(),
                        parent.as_str()
                    );
                }
            }
            specs.push(spec);
        }
        Ok((file.docket, specs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_codebook_parses() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/codebooks/ai-exports-rfi.toml"
        ))
        .unwrap();
        let (docket, tags) = CodebookFile::from_toml(&text, &HashSet::new()).unwrap();
        assert_eq!(docket, "ai-exports-rfi");
        let paths: Vec<&str> = tags.iter().map(|t| t.path.as_str()).collect();
        for p in [
            "region/asean/malaysia",
            "mechanism/financing",
            "standards/iso-iec-jtc1-sc42",
            "package/hardware",
            "barrier/tariffs",
            "stance/supports",
        ] {
            assert!(paths.contains(&p), "{p}");
        }
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let none = HashSet::new();
        let orphan = "docket = \"d\"\n[[tag]]\npath = \"a/b\"\nlabel = \"B\"\n";
        let e = CodebookFile::from_toml(orphan, &none).unwrap_err();
        assert!(e.to_string().contains("parent"), "{e}");
        let mut known = HashSet::new();
        known.insert("a".to_string());
        assert!(CodebookFile::from_toml(orphan, &known).is_ok());
        let twice = "docket = \"d\"\n[[tag]]\npath = \"a\"\nlabel = \"A\"\n[[tag]]\npath = \"a\"\nlabel = \"A\"\n";
        assert!(CodebookFile::from_toml(twice, &none)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        let bad = "docket = \"d\"\n[[tag]]\npath = \"A\"\nlabel = \"\"\n";
        let e = CodebookFile::from_toml(bad, &none).unwrap_err().to_string();
        assert!(e.contains("path") && e.contains("label"), "{e}");
        let unknown = "docket = \"d\"\n[[tag]]\npath = \"a\"\nlabel = \"A\"\ncolour = \"red\"\n";
        assert!(CodebookFile::from_toml(unknown, &none).is_err());
    }
}
