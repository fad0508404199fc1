//! What an uploaded file is, judged by its bytes rather than its name.

/// The attachment types a docket may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Docx,
    Txt,
    Rtf,
    Xlsx,
    Pptx,
    Png,
    Jpeg,
}

/// How many leading bytes `sniff` needs: OOXML (docx/xlsx/pptx) is told
/// apart by the names of the first zip entries, which sit near the start.
pub const SNIFF_BYTES: usize = 64 * 1024;

impl FileKind {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "pdf" => FileKind::Pdf,
            "docx" => FileKind::Docx,
            "txt" => FileKind::Txt,
            "rtf" => FileKind::Rtf,
            "xlsx" => FileKind::Xlsx,
            "pptx" => FileKind::Pptx,
            "png" => FileKind::Png,
            "jpeg" | "jpg" => FileKind::Jpeg,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Docx => "docx",
            FileKind::Txt => "txt",
            FileKind::Rtf => "rtf",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpeg",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Txt => "text/plain; charset=utf-8",
            FileKind::Rtf => "application/rtf",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }

    /// Identifies a file from its first `SNIFF_BYTES` bytes. `has_nul` says
    /// whether a NUL byte occurs anywhere in the file: plain text has none.
    pub fn sniff(head: &[u8], has_nul: bool) -> Option<Self> {
        use infer::{archive, doc, image};
        let kind = if archive::is_pdf(head) {
            FileKind::Pdf
        } else if doc::is_docx(head) {
            FileKind::Docx
        } else if doc::is_xlsx(head) {
            FileKind::Xlsx
        } else if doc::is_pptx(head) {
            FileKind::Pptx
        } else if archive::is_rtf(head) {
            FileKind::Rtf
        } else if image::is_png(head) {
            FileKind::Png
        } else if image::is_jpeg(head) {
            FileKind::Jpeg
        } else if !head.is_empty() && !has_nul && looks_like_text(head) {
            FileKind::Txt
        } else {
            return None;
        };
        Some(kind)
    }
}

/// UTF-8 (a character cut at the end of the sniffed prefix is fine) with no
/// control characters other than ordinary whitespace.
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).expect("valid prefix"),
        Err(_) => return false,
    };
    valid
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

/// The original file name, kept only as metadata: no directories, no
/// control characters, at most 255 characters.
pub fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "attachment".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n...", false), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"{\\rtf1\\ansi hello}", false), Some(FileKind::Rtf));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", true), Some(FileKind::Png));
        assert_eq!(FileKind::sniff("plain words, caf\u{e9}\n".as_bytes(), false), Some(FileKind::Txt));
        assert_eq!(FileKind::sniff(b"MZ\x90\0\x03\0\0\0", true), None);
        assert_eq!(FileKind::sniff(b"text with \x01 control", false), None);
        assert_eq!(FileKind::sniff(b"", false), None);
    }

    #[test]
    fn filenames_lose_paths_and_controls() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\ada\\brief.pdf"), "brief.pdf");
        assert_eq!(clean_filename("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_filename(".."), "attachment");
    }
}
