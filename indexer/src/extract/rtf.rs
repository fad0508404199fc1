//! RTF, through rtf-parser (which handles groups, `\'hh` and `\uN`).

use super::ExtractError;
use rtf_parser::RtfDocument;

pub fn extract(bytes: &[u8]) -> Result<String, ExtractError> {
    // RTF is 7-bit by definition; anything else is escaped inside it.
    let source = String::from_utf8_lossy(bytes);
    // rtf-parser panics on some malformed files (a `\uN` that is half of
    // a UTF-16 pair, found by fuzzing): a refusal, not a crash to retry.
    let parsed = std::panic::catch_unwind(|| {
        RtfDocument::try_from(source.as_ref()).map(|doc| doc.get_text())
    });
    match parsed {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(ExtractError::Malformed(e.to_string())),
        Err(_) => Err(ExtractError::Malformed("the RTF reader gave up".into())),
    }
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

    #[test]
    fn half_a_utf16_pair_is_refused_not_a_crash() {
        // Found by fuzz/extract_rtf: 56877 is a lone low surrogate.
        let err = extract(b"{t h \\u56877\nth}z| rR}").unwrap_err();
        assert_eq!(
            err,
            crate::extract::ExtractError::Malformed("the RTF reader gave up".into())
        );
    }
}
