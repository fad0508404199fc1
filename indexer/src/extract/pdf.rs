//! PDF, through pdf-extract; a file whose cross-reference table is missing
//! or points to the wrong place (common in the wild: a truncated upload, a
//! tool that edited the file in place) is repaired first, as poppler and
//! pdf.js do: every object is found by scanning, and a fresh table pointing
//! at them is appended.

use super::ExtractError;

mod loops;

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
    let result = std::panic::catch_unwind(|| text_of(bytes));
    match result {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(Unread::Loops(what))) => Err(ExtractError::Malformed(what.into())),
        Ok(Err(Unread::Pdf(e))) => {
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

enum Unread {
    Pdf(pdf_extract::OutputError),
    /// A structure pdf-extract would follow forever.
    Loops(&'static str),
}

/// What `pdf_extract::extract_text_from_mem` does (an empty user password
/// tried on an encrypted file, as viewers do), with a look for loops
/// between loading and reading: pdf-extract follows a page's `/Parent`
/// chain and a form's drawings without remembering where it has been,
/// so a loop would overflow the stack or never end.
fn text_of(bytes: &[u8]) -> Result<String, Unread> {
    use pdf_extract::{Document, OutputError};
    let mut doc = Document::load_mem(bytes).map_err(|e| Unread::Pdf(OutputError::PdfError(e)))?;
    if doc.is_encrypted() {
        doc.decrypt("")
            .map_err(|e| Unread::Pdf(OutputError::PdfError(e)))?;
    }
    if let Some(what) = loops::find(&doc) {
        return Err(Unread::Loops(what));
    }
    let mut text = String::new();
    {
        let mut output = pdf_extract::PlainTextOutput::new(&mut text);
        pdf_extract::output_doc(&doc, &mut output).map_err(Unread::Pdf)?;
    }
    Ok(text)
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
        .map(|(n, g, _)| (*n, *g))
        .or_else(|| catalog_in_object_streams(bytes, &objects))?;
    let mut out = Vec::with_capacity(bytes.len() + 20 * offsets.len() + 128);
    out.extend_from_slice(bytes);
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let xref_at = out.len();
    // Only the objects found get entries (in runs of consecutive numbers):
    // one listed as free would hide its twin inside an object stream.
    out.extend_from_slice(b"xref\n0 1\n0000000000 65535 f\r\n");
    let mut n = 1;
    while n < offsets.len() {
        if offsets[n].is_none() {
            n += 1;
            continue;
        }
        let run = offsets[n..].iter().take_while(|o| o.is_some()).count();
        out.extend_from_slice(format!("{n} {run}\n").as_bytes());
        for (at, gen) in offsets[n..n + run].iter().flatten() {
            out.extend_from_slice(format!("{at:010} {gen:05} n\r\n").as_bytes());
        }
        n += run;
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

/// Most bytes one object stream may inflate to while looking for the catalog.
const MAX_OBJECT_STREAM: u64 = 16 << 20;

/// The catalog's number, when it sits inside a compressed object stream
/// (as in most files written since PDF 1.5): the rebuilt table lists the
/// stream, and the reader takes the objects out of it.
fn catalog_in_object_streams(bytes: &[u8], objects: &[(u32, u32, usize)]) -> Option<(u32, u32)> {
    use std::io::Read;
    for &(_, _, at) in objects.iter().rev() {
        if !is_type(bytes, at, b"/Type/ObjStm") {
            continue;
        }
        let window = &bytes[at..bytes.len().min(at + 4096)];
        let dict_end = find(window, b"stream", 0)?;
        let dict: Vec<u8> = window[..dict_end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if find(&dict, b"/FlateDecode", 0).is_none() {
            continue;
        }
        let Some(first) = number_after(&dict, b"/First") else {
            continue;
        };
        let mut start = at + dict_end + b"stream".len();
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let Some(end) = find(bytes, b"endstream", start) else {
            continue;
        };
        let mut inflated = Vec::new();
        let reader = flate2::read::ZlibDecoder::new(&bytes[start..end]);
        if reader
            .take(MAX_OBJECT_STREAM)
            .read_to_end(&mut inflated)
            .is_err()
            && inflated.is_empty()
        {
            continue;
        }
        let header = String::from_utf8_lossy(&inflated[..first.min(inflated.len())]).into_owned();
        let pairs: Vec<usize> = header
            .split_ascii_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        for (i, pair) in pairs.chunks(2).enumerate() {
            let [number, offset] = pair else { break };
            let from = first + offset;
            let to = pairs
                .get(2 * i + 3)
                .map_or(inflated.len(), |next| first + next)
                .min(inflated.len());
            if from >= to {
                continue;
            }
            let object: Vec<u8> = inflated[from..to]
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            if find(&object, b"/Type/Catalog", 0).is_some() {
                return Some((u32::try_from(*number).ok()?, 0));
            }
        }
    }
    None
}

/// The integer after `key` in a dictionary written without white space.
fn number_after(dict: &[u8], key: &[u8]) -> Option<usize> {
    let at = find(dict, key, 0)? + key.len();
    let digits: Vec<u8> = dict[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
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

    /// A PDF 1.5 file whose catalog and page tree live in a compressed
    /// object stream, with no cross-reference section at all.
    fn object_stream_pdf_without_xref() -> Vec<u8> {
        use std::io::Write;
        let objs = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ];
        let mut body = String::new();
        let mut header = String::new();
        for (i, o) in objs.iter().enumerate() {
            header.push_str(&format!("{} {} ", i + 1, body.len()));
            body.push_str(o);
            body.push(' ');
        }
        let plain = format!("{header}{body}");
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(plain.as_bytes()).unwrap();
        let packed = z.finish().unwrap();
        let content = "BT /F1 12 Tf 20 100 Td (Words from a stream okapi) Tj ET";
        let mut pdf = b"%PDF-1.5\n".to_vec();
        pdf.extend_from_slice(b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n");
        pdf.extend_from_slice(
            format!(
                "4 0 obj\n<< /Length {} >>\nstream\n{content}\nendstream\nendobj\n",
                content.len()
            )
            .as_bytes(),
        );
        pdf.extend_from_slice(
            b"5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n",
        );
        pdf.extend_from_slice(
            format!(
                "6 0 obj\n<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
                header.len(),
                packed.len()
            )
            .as_bytes(),
        );
        pdf.extend_from_slice(&packed);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        pdf
    }

    #[test]
    fn a_catalog_inside_an_object_stream_is_found() {
        let bad = object_stream_pdf_without_xref();
        assert!(read(&bad).is_err());
        let text = extract(&bad).unwrap();
        assert!(text.contains("okapi"), "{text}");
    }

    #[test]
    fn nothing_to_rebuild_from_stays_an_error() {
        assert!(extract(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage").is_err());
        assert!(repair(b"%PDF-1.4\nno objects at all").is_none());
    }
}
