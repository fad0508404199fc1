//! The `tags` and `crosstab` exports: the summary's tables as CSV (of a
//! docket, or of a search's matches), so they are the summary's numbers.

use super::cells;
use super::{ExportError, Options};
use crate::analysis::summary::Summary;
use std::io::Write;

pub const TAGS_HEADER: [&str; 5] = [
    "Tag",
    "Label",
    "Comments",
    "Unique Comments",
    "Share of Unique Comments (%)",
];

/// One row per tag (each counts the comments under it, its descendants'
/// included), in the codebook's order.
pub fn write_tags<W: Write>(s: &Summary, options: Options, out: W) -> Result<u64, ExportError> {
    let mut w = cells::writer(out, options.bom)?;
    cells::record(&mut w, TAGS_HEADER)?;
    for t in &s.by_tag {
        cells::record(
            &mut w,
            [
                t.value.clone(),
                t.label.clone(),
                t.comments.to_string(),
                t.unique.to_string(),
                format!("{:.1}", t.share_of_unique * 100.0),
            ],
        )?;
    }
    w.flush()?;
    Ok(s.by_tag.len() as u64)
}

/// One row per tag, one column per submitter category (its label): the
/// comments carrying both.
pub fn write_crosstab<W: Write>(s: &Summary, options: Options, out: W) -> Result<u64, ExportError> {
    let mut w = cells::writer(out, options.bom)?;
    let mut header = vec!["Tag".to_string(), "Label".to_string()];
    header.extend(s.crosstab.categories.iter().map(|c| c.label.clone()));
    cells::record(&mut w, header)?;
    for r in &s.crosstab.rows {
        let mut row = vec![r.tag.clone(), r.label.clone()];
        row.extend(r.counts.iter().map(u64::to_string));
        cells::record(&mut w, row)?;
    }
    w.flush()?;
    Ok(s.crosstab.rows.len() as u64)
}
