//! PDF, through pdf-extract; a file whose cross-reference table is missing
//! or points to the wrong place (common in the wild: a truncated upload, a
//! tool that edited the file in place) is repaired first, as poppler and
//! pdf.js do: every object is found by scanning, and a fresh table pointing
//! at them is appended.

use super::ExtractError;

pub fn extract(bytes: &[u8]) -> Result<String, ExtractError> {
    match read(bytes) {
        Ok(text) => Ok(text),
        Err(ExtractError::Encrypted) => Err(ExtractError::Encrypted),
        // A repair counts only when it yields text: a header-only "PDF"
        // with a catalog and no pages stays the failure it was. Pointing
        // at the table the file has comes first; it keeps objects that
        // live inside object streams, which a scan cannot see.
        Err(first) => [repoint, repair]
            .into_iter()
            .filter_map(|fix| fix(bytes))
            .find_map(|fixed| read(&fixed).ok().filter(|t| !t.trim().is_empty()))
            .ok_or(first),
    }
}

fn read(bytes: &[u8]) -> Result<String, ExtractError> {
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

/// The file with its last `startxref` pointing at its last cross-reference
/// section (a classic `xref` table or an `/XRef` stream), for files whose
/// offset is wrong but whose table is whole.
pub fn repoint(bytes: &[u8]) -> Option<Vec<u8>> {
    let keyword = rfind(bytes, b"startxref")?;
    let classic = {
        let mut at = None;
        let mut from = 0;
        while let Some(i) = find(bytes, b"xref", from) {
            from = i + 4;
            let line_start = i == 0 || matches!(bytes[i - 1], b'\n' | b'\r');
            let line_end = matches!(bytes.get(i + 4), Some(b'\n' | b'\r' | b' '));
            if line_start && line_end && i < keyword {
                at = Some(i);
            }
        }
        at
    };
    let stream = scan_objects(bytes)
        .into_iter()
        .filter(|(_, _, at)| *at < keyword && is_type(bytes, *at, b"/Type/XRef"))
        .map(|(_, _, at)| at)
        .max();
    let target = classic.max(stream)?;
    let mut out = bytes[..keyword + b"startxref".len()].to_vec();
    out.extend_from_slice(format!("\n{target}\n%%EOF\n").as_bytes());
    Some(out)
}

/// The file with a cross-reference table rebuilt from a scan of its
/// objects appended; `None` when there is nothing to rebuild from (no
/// objects, no catalog) or the file is encrypted (its keys live in the
/// trailer this would replace).
pub fn repair(bytes: &[u8]) -> Option<Vec<u8>> {
    if find(bytes, b"/Encrypt", 0).is_some() {
        return None;
    }
    let objects = scan_objects(bytes);
    let max = objects.iter().map(|(n, _, _)| *n).max()?;
    // Later definitions win, as in an incrementally updated file.
    let mut offsets: Vec<Option<(usize, u32)>> = vec![None; max as usize + 1];
    for &(n, gen, at) in &objects {
        offsets[n as usize] = Some((at, gen));
    }
    let root = objects
        .iter()
        .rev()
        .find(|(_, _, at)| is_type(bytes, *at, b"/Type/Catalog"))
        .map(|(n, g, _)| (*n, *g))?;
    let mut out = Vec::with_capacity(bytes.len() + 20 * offsets.len() + 128);
    out.extend_from_slice(bytes);
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let xref_at = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", offsets.len()).as_bytes());
    for (n, entry) in offsets.iter().enumerate() {
        let line = match entry {
            Some((at, gen)) => format!("{at:010} {gen:05} n\r\n"),
            None if n == 0 => "0000000000 65535 f\r\n".to_string(),
            None => "0000000000 00000 f\r\n".to_string(),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {} {} R >>\nstartxref\n{xref_at}\n%%EOF\n",
            offsets.len(),
            root.0,
            root.1
        )
        .as_bytes(),
    );
    Some(out)
}

/// Every `N G obj` that starts a line: (number, generation, offset).
fn scan_objects(bytes: &[u8]) -> Vec<(u32, u32, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = find(bytes, b"obj", from) {
        from = at + 3;
        // Backwards over: spaces, generation digits, spaces, number digits.
        let mut i = at;
        let spaces = |i: &mut usize| {
            let end = *i;
            while *i > 0 && matches!(bytes[*i - 1], b' ' | b'\t') {
                *i -= 1;
            }
            *i < end
        };
        let digits = |i: &mut usize| -> Option<u32> {
            let end = *i;
            while *i > 0 && bytes[*i - 1].is_ascii_digit() && end - *i < 10 {
                *i -= 1;
            }
            std::str::from_utf8(&bytes[*i..end]).ok()?.parse().ok()
        };
        if !spaces(&mut i) {
            continue;
        }
        let Some(gen) = digits(&mut i) else { continue };
        if !spaces(&mut i) {
            continue;
        }
        let Some(number) = digits(&mut i) else {
            continue;
        };
        let starts_line = i == 0 || matches!(bytes[i - 1], b'\n' | b'\r');
        if starts_line && number > 0 && number < 10_000_000 && gen < 65_535 {
            found.push((number, gen, i));
        }
    }
    found
}

/// Whether the object at `at` says it is of `type_key` (`/Type/Catalog`,
/// written without white space).
fn is_type(bytes: &[u8], at: usize, type_key: &[u8]) -> bool {
    // The dictionary comes first; 4 KiB is more than any type needs.
    let window = &bytes[at..bytes.len().min(at + 4096)];
    let end = at
        + find(window, b"stream", 0)
            .or_else(|| find(window, b"endobj", 0))
            .unwrap_or(window.len());
    let head: Vec<u8> = bytes[at..end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    find(&head, type_key, 0).is_some()
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/attachments/export-priorities.pdf"
        ))
        .unwrap()
    }

    #[test]
    fn a_wrong_startxref_is_repaired() {
        let good = fixture();
        let at = find(&good, b"startxref\n", 0).unwrap() + b"startxref\n".len();
        let mut bad = good[..at].to_vec();
        bad.extend_from_slice(b"999\n%%EOF\n");
        assert!(read(&bad).is_err(), "the damage is real");
        let text = extract(&bad).unwrap();
        assert!(text.contains("Malaysia"), "{text}");
    }

    #[test]
    fn a_missing_table_and_trailer_are_rebuilt() {
        let good = fixture();
        let cut = find(&good, b"xref\n", 0).unwrap();
        let bad = good[..cut].to_vec();
        assert!(read(&bad).is_err());
        assert!(extract(&bad).unwrap().contains("Malaysia"));
    }

    #[test]
    fn nothing_to_rebuild_from_stays_an_error() {
        assert!(extract(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage").is_err());
        assert!(repair(b"%PDF-1.4\nno objects at all").is_none());
    }
}
