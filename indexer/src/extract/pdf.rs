//! PDF, through pdf-extract.

use super::ExtractError;

pub fn extract(bytes: &[u8]) -> Result<String, ExtractError> {
    // pdf-extract panics on some malformed files; a panic here becomes a
    // failed extraction instead of a dead worker.
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    match result {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => {
            let message = e.to_string();
            if message.to_ascii_lowercase().contains("encrypt") {
                Err(ExtractError::Encrypted)
            } else {
                Err(ExtractError::Malformed(message))
            }
        }
        Err(_) => Err(ExtractError::Malformed("the PDF reader gave up".into())),
    }
}
