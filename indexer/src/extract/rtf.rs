//! RTF, through rtf-parser (which handles groups, `\'hh` and `\uN`).

use super::ExtractError;
use rtf_parser::RtfDocument;

pub fn extract(bytes: &[u8]) -> Result<String, ExtractError> {
    // RTF is 7-bit by definition; anything else is escaped inside it.
    let source = String::from_utf8_lossy(bytes);
    let doc = RtfDocument::try_from(source.as_ref())
        .map_err(|e| ExtractError::Malformed(e.to_string()))?;
    Ok(doc.get_text())
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn reads_paragraph_text() {
        let rtf = br"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard Export controls for {\b Malaysia}.\par}";
        let text = extract(rtf).unwrap();
        assert!(text.contains("Export controls for"), "{text:?}");
        assert!(text.contains("Malaysia"), "{text:?}");
        assert!(!text.contains("Helvetica"), "{text:?}");
    }
}
