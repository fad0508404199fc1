//! Attachment text. Each format has its own file; all of them stop at the
//! output limit, and the zip-based ones at a decompressed-size limit, so a
//! small hostile file cannot make a large amount of work. A caller that
//! must also bound time and memory against parser bugs (the server) runs
//! this in a child process with resource limits.

mod ooxml;
mod pdf;
mod rtf;
mod text;

/// What one file may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest text kept, in bytes; the rest is cut at a character boundary.
    pub max_text_bytes: usize,
    /// Most bytes decompressed from a zip (docx, xlsx, pptx), all entries together.
    pub max_inflated_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_bytes: 4 << 20,
            max_inflated_bytes: 64 << 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// Images and other kinds with no text layer we read.
    #[error("no text is extracted from {0} files")]
    Unsupported(String),
    #[error("the file is encrypted")]
    Encrypted,
    #[error("the file is malformed: {0}")]
    Malformed(String),
    #[error("the file expands past the limit of {0} bytes")]
    TooLarge(u64),
}

/// Extracts the text of a file of `kind` (the stored kind name: pdf, docx,
/// txt, rtf, xlsx, pptx).
pub fn extract(kind: &str, bytes: &[u8], limits: &Limits) -> Result<String, ExtractError> {
    let text = match kind {
        "pdf" => pdf::extract(bytes)?,
        "docx" => ooxml::extract(bytes, ooxml::Package::Docx, limits)?,
        "pptx" => ooxml::extract(bytes, ooxml::Package::Pptx, limits)?,
        "xlsx" => ooxml::extract(bytes, ooxml::Package::Xlsx, limits)?,
        "txt" => text::decode(bytes),
        "rtf" => rtf::extract(bytes)?,
        other => return Err(ExtractError::Unsupported(other.to_string())),
    };
    Ok(truncate(tidy(&text), limits.max_text_bytes))
}

/// Whether `extract` reads this kind at all.
pub fn supports(kind: &str) -> bool {
    matches!(kind, "pdf" | "docx" | "pptx" | "xlsx" | "txt" | "rtf")
}

/// Collapses runs of blank lines and trailing spaces that extractors leave.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_kinds_say_so() {
        assert_eq!(
            extract("png", b"\x89PNG", &Limits::default()),
            Err(ExtractError::Unsupported("png".into()))
        );
    }

    #[test]
    fn output_is_cut_at_a_character_boundary() {
        let limits = Limits {
            max_text_bytes: 5,
            ..Limits::default()
        };
        assert_eq!(
            extract("txt", "abcdé€".as_bytes(), &limits).unwrap(),
            "abcd"
        );
    }

    #[test]
    fn blank_runs_collapse() {
        assert_eq!(tidy("a  \n\n\n\nb\n"), "a\n\nb");
    }
}
