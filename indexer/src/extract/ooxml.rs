//! Word, PowerPoint and Excel files: zip packages of XML. Only the parts
//! that hold text are read, each through a byte budget shared by the whole
//! file, so a zip bomb or a huge XML part ends as `TooLarge`.

use super::{ExtractError, Limits};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::{Cursor, Read};

#[derive(Debug, Clone, Copy)]
pub enum Package {
    Docx,
    Pptx,
    Xlsx,
}

impl Package {
    /// The parts holding text, in reading order.
    fn parts(self, names: &[String]) -> Vec<String> {
        match self {
            Package::Docx => [
                "word/document.xml",
                "word/footnotes.xml",
                "word/endnotes.xml",
            ]
            .iter()
            .filter(|p| names.iter().any(|n| n == *p))
            .map(|p| p.to_string())
            .collect(),
            Package::Pptx => numbered(names, "ppt/slides/slide"),
            Package::Xlsx => names
                .iter()
                .filter(|n| *n == "xl/sharedStrings.xml")
                .cloned()
                .collect(),
        }
    }

    /// Elements that end a paragraph (or a cell string).
    fn is_block_end(self, name: &str) -> bool {
        match self {
            Package::Docx | Package::Pptx => name == "p",
            Package::Xlsx => name == "si",
        }
    }
}

const TEXT_ELEMENT: &str = "t";

/// `prefix1.xml`, `prefix2.xml`, ... in numeric order.
fn numbered(names: &[String], prefix: &str) -> Vec<String> {
    let mut found: Vec<(u32, String)> = names
        .iter()
        .filter_map(|n| {
            let number = n.strip_prefix(prefix)?.strip_suffix(".xml")?;
            Some((number.parse().ok()?, n.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

pub fn extract(bytes: &[u8], package: Package, limits: &Limits) -> Result<String, ExtractError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ExtractError::Malformed(e.to_string()))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut budget = limits.max_inflated_bytes;
    let mut out = String::new();
    for part in package.parts(&names) {
        let entry = archive
            .by_name(&part)
            .map_err(|e| ExtractError::Malformed(e.to_string()))?;
        if entry.encrypted() {
            return Err(ExtractError::Encrypted);
        }
        // The declared size may lie: read at most one byte past the budget.
        let mut xml = Vec::new();
        entry
            .take(budget + 1)
            .read_to_end(&mut xml)
            .map_err(|e| ExtractError::Malformed(e.to_string()))?;
        if xml.len() as u64 > budget {
            return Err(ExtractError::TooLarge(limits.max_inflated_bytes));
        }
        budget -= xml.len() as u64;
        xml_text(&xml, package, &mut out, limits.max_text_bytes)?;
        if out.len() >= limits.max_text_bytes {
            break;
        }
    }
    Ok(out)
}

fn xml_text(
    xml: &[u8],
    package: Package,
    out: &mut String,
    max: usize,
) -> Result<(), ExtractError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ExtractError::Malformed(e.to_string()))?;
        match event {
            // `t` holds the text in all three: w:t, a:t and the shared strings' t.
            Event::Start(e) if e.local_name().as_ref() == TEXT_ELEMENT => in_text = true,
            Event::End(e) => {
                let name = e.local_name();
                if name.as_ref() == TEXT_ELEMENT {
                    in_text = false;
                } else if package.is_block_end(name.as_ref()) {
                    out.push('\n');
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t.into_inner()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    let entity = match r.xml10_content().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    };
                    out.push_str(entity);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if out.len() >= max {
            break;
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn docx(document_xml: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(document_xml.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_runs_paragraphs_and_entities() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>Standards &amp; </w:t></w:r><w:r><w:t xml:space="preserve">consortia</w:t></w:r></w:p>
            <w:p><w:r><w:t>Vietnam&#x2019;s</w:t></w:r></w:p></w:body></w:document>"#;
        let text = extract(&docx(xml), Package::Docx, &Limits::default()).unwrap();
        assert_eq!(text, "Standards & consortia\nVietnam\u{2019}s\n");
    }

    #[test]
    fn a_zip_bomb_stops_at_the_budget() {
        // 8 MiB of zeros compress to a few KiB.
        let body = format!(
            "<w:document><w:t>{}</w:t></w:document>",
            "0".repeat(8 << 20)
        );
        let file = docx(&body);
        assert!(file.len() < 200_000);
        let limits = Limits {
            max_inflated_bytes: 1 << 20,
            ..Limits::default()
        };
        assert_eq!(
            extract(&file, Package::Docx, &limits),
            Err(ExtractError::TooLarge(1 << 20))
        );
    }

    #[test]
    fn not_a_zip_is_malformed() {
        assert!(matches!(
            extract(b"PK\x03\x04 nonsense", Package::Docx, &Limits::default()),
            Err(ExtractError::Malformed(_))
        ));
    }
}
