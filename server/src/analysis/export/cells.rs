//! CSV as spreadsheets should read it: RFC 4180 (fields quoted when they
//! need it, quotes doubled, CRLF between records), UTF-8 with an optional
//! byte-order mark (Excel on Windows reads UTF-8 without one as its
//! local code page), formulas made inert, and cells short enough for Excel.

use std::borrow::Cow;
use std::io::Write;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Characters kept in one cell. Excel holds at most 32,767 a cell and
/// spills the rest of a longer field into the next rows, breaking the
/// table; the whole text stays on the comment's page and in the API.
pub const MAX_CELL_CHARS: usize = 32_000;

/// A cell as written: a value a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, OWASP's
/// list) gets a leading `'`, which spreadsheets show as text; text past
/// [`MAX_CELL_CHARS`] is cut, saying so.
pub fn cell(value: &str) -> Cow<'_, str> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // No more bytes than the limit: no more characters either, and no
    // need to count them (most cells).
    let cut = if value.len() <= MAX_CELL_CHARS {
        None
    } else {
        value.char_indices().nth(MAX_CELL_CHARS).map(|(at, _)| at)
    };
    match (formula, cut) {
        (false, None) => Cow::Borrowed(value),
        (formula, cut) => {
            let mut s = String::with_capacity(value.len().min(4 * MAX_CELL_CHARS) + 64);
            if formula {
                s.push('\'');
            }
            match cut {
                Some(at) => {
                    s.push_str(&value[..at]);
                    s.push_str(&format!(
                        " [cut: {} characters in all]",
                        value.chars().count()
                    ));
                }
                None => s.push_str(value),
            }
            Cow::Owned(s)
        }
    }
}

/// A CSV writer over `out`, the byte-order mark first when asked for.
pub fn writer<W: Write>(mut out: W, bom: bool) -> std::io::Result<csv::Writer<W>> {
    if bom {
        out.write_all(BOM)?;
    }
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out))
}

/// Writes one record, every cell made safe (a field at a time: a cell
/// copied only when it changes).
pub fn record<W: Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    for c in cells {
        w.write_field(cell(c.as_ref()).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_the_rest_is_untouched() {
        for f in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(f), format!("'{f}"));
        }
        for plain in ["", "a=b", "1-2", "Ada", "ünïcode", " =not at start"] {
            assert!(matches!(cell(plain), Cow::Borrowed(_)), "{plain}");
        }
    }

    #[test]
    fn long_cells_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_CELL_CHARS + 5);
        let c = cell(&long);
        assert!(c.starts_with(&"é".repeat(MAX_CELL_CHARS)));
        assert!(c.ends_with(&format!("[cut: {} characters in all]", MAX_CELL_CHARS + 5)));
        assert!(c.chars().count() < 32_767);
    }

    #[test]
    fn records_are_rfc_4180_with_an_optional_bom() {
        let mut w = writer(Vec::new(), true).unwrap();
        record(&mut w, ["a,b", "say \"hi\"", "two\nlines", "=cmd"]).unwrap();
        let bytes = w.into_inner().unwrap();
        assert_eq!(
            bytes,
            b"\xEF\xBB\xBF\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=cmd\r\n".to_vec()
        );
    }
}
