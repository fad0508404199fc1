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
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Txt => "text/plain; charset=utf-8",
            FileKind::Rtf => "application/rtf",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }

    /// Identifies a file from its first `SNIFF_BYTES` bytes. `has_nul` says
    /// whether a NUL byte occurs anywhere in the file: plain text has none.
    /// A zip container needs its entry list, which sits at the end of the
    /// file: see `ooxml_kind`.
    pub fn sniff(head: &[u8], has_nul: bool) -> Sniffed {
        use infer::{archive, image};
        let kind = if archive::is_pdf(head) {
            FileKind::Pdf
        } else if archive::is_zip(head) {
            return Sniffed::Zip;
        } else if archive::is_rtf(head) {
            FileKind::Rtf
        } else if image::is_png(head) {
            FileKind::Png
        } else if image::is_jpeg(head) {
            FileKind::Jpeg
        } else if !head.is_empty() && !has_nul && looks_like_text(head) {
            FileKind::Txt
        } else {
            return Sniffed::Unknown;
        };
        Sniffed::Known(kind)
    }

    /// Which Office Open XML document a zip is, from its entry names. Word,
    /// LibreOffice and Google Docs order entries differently, so the names
    /// are looked for, not their positions.
    pub fn ooxml_kind<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Option<FileKind> {
        let names: Vec<S> = names.into_iter().collect();
        let has = |wanted: &str| names.iter().any(|n| n.as_ref() == wanted);
        if !has("[Content_Types].xml") {
            return None;
        }
        [
            ("word/document.xml", FileKind::Docx),
            ("xl/workbook.xml", FileKind::Xlsx),
            ("ppt/presentation.xml", FileKind::Pptx),
        ]
        .into_iter()
        .find(|(main, _)| has(main))
        .map(|(_, kind)| kind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Known(FileKind),
    /// A zip archive: a docx, xlsx or pptx, or something else.
    Zip,
    Unknown,
}

/// UTF-8 (a character cut at the end of the sniffed prefix is fine) with no
/// control characters other than ordinary whitespace.
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).expect("valid prefix")
        }
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
        use Sniffed::*;
        assert_eq!(
            FileKind::sniff(b"%PDF-1.7\n...", false),
            Known(FileKind::Pdf)
        );
        assert_eq!(
            FileKind::sniff(b"{\\rtf1\\ansi hello}", false),
            Known(FileKind::Rtf)
        );
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", true),
            Known(FileKind::Png)
        );
        assert_eq!(
            FileKind::sniff("plain words, caf\u{e9}\n".as_bytes(), false),
            Known(FileKind::Txt)
        );
        assert_eq!(FileKind::sniff(b"PK\x03\x04rest", true), Zip);
        assert_eq!(FileKind::sniff(b"MZ\x90\0\x03\0\0\0", true), Unknown);
        assert_eq!(FileKind::sniff(b"text with \x01 control", false), Unknown);
        assert_eq!(FileKind::sniff(b"", false), Unknown);
    }

    #[test]
    fn office_documents_by_entry_names() {
        let libreoffice = [
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "[Content_Types].xml",
            "word/document.xml",
        ];
        assert_eq!(FileKind::ooxml_kind(libreoffice), Some(FileKind::Docx));
        assert_eq!(
            FileKind::ooxml_kind(["[Content_Types].xml", "xl/workbook.xml"]),
            Some(FileKind::Xlsx)
        );
        assert_eq!(
            FileKind::ooxml_kind(["[Content_Types].xml", "ppt/presentation.xml"]),
            Some(FileKind::Pptx)
        );
        assert_eq!(
            FileKind::ooxml_kind(["word/document.xml"]),
            None,
            "not an OOXML package"
        );
        assert_eq!(
            FileKind::ooxml_kind(["[Content_Types].xml", "payload.exe"]),
            None
        );
    }

    #[test]
    fn filenames_lose_paths_and_controls() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\ada\\brief.pdf"), "brief.pdf");
        assert_eq!(clean_filename("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_filename(".."), "attachment");
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;

    #[test]
    fn fixtures_are_recognised() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/attachments");
        for (name, kind) in [
            ("export-priorities.pdf", FileKind::Pdf),
            ("consortium-brief.docx", FileKind::Docx),
            ("notes.txt", FileKind::Txt),
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let found = match FileKind::sniff(&bytes, bytes.contains(&0)) {
                Sniffed::Known(k) => Some(k),
                Sniffed::Zip => {
                    let zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
                    FileKind::ooxml_kind(zip.file_names().filter_map(Result::ok))
                }
                Sniffed::Unknown => None,
            };
            assert_eq!(found, Some(kind), "{name}");
        }
    }
}
