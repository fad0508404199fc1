//! The `campaigns` export: one row per listed form-letter campaign,
//! largest first, with its template's text and its signals.

use super::cells;
use super::{ExportError, Options};
use crate::analysis::campaigns::templates_of;
use crate::campaigns::StoredSignal;
use crate::db::models::campaign;
use crate::db::DbConn;
use crate::domain::docket::Docket;
use std::collections::BTreeMap;
use std::io::Write;

const PAGE: i64 = 500;

pub const HEADER: [&str; 13] = [
    "Campaign ID",
    "Campaign Name",
    "Confirmed",
    "Size",
    "Signatories",
    "First Received",
    "Last Received",
    "Template Tracking Number",
    "Template",
    "Categories",
    "Organizations",
    "Signals",
    "Docket ID",
];

pub fn write<W: Write>(
    conn: &mut DbConn,
    docket: &Docket,
    options: Options,
    min_size: usize,
    out: W,
    mut progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let mut w = cells::writer(out, options.bom)?;
    cells::record(&mut w, HEADER)?;
    let mut written = 0u64;
    let mut offset = 0;
    loop {
        let rows = campaign::list(conn, &docket.id, min_size as i32, offset, PAGE)?;
        if rows.is_empty() {
            break;
        }
        offset += rows.len() as i64;
        let ids: Vec<String> = rows.iter().map(|r| r.template_id.clone()).collect();
        let templates = templates_of(conn, &ids)?;
        for r in rows {
            let (text, tracking) = templates.get(&r.template_id).cloned().unwrap_or_default();
            let categories: BTreeMap<String, u64> =
                serde_json::from_str(&r.categories).unwrap_or_default();
            let organizations: Vec<(String, u64)> =
                serde_json::from_str(&r.organizations).unwrap_or_default();
            let signals: Vec<StoredSignal> = serde_json::from_str(&r.signals).unwrap_or_default();
            let time = |t: chrono::NaiveDateTime| {
                t.and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            };
            cells::record(
                &mut w,
                [
                    r.id.clone(),
                    r.name.clone().unwrap_or_default(),
                    if r.confirmed_at.is_some() {
                        "Yes"
                    } else {
                        "No"
                    }
                    .to_string(),
                    r.size.to_string(),
                    r.signatories.to_string(),
                    time(r.first_received),
                    time(r.last_received),
                    tracking,
                    text,
                    counted(categories.iter().map(|(k, n)| (k.as_str(), *n))),
                    counted(organizations.iter().map(|(k, n)| (k.as_str(), *n))),
                    signals
                        .iter()
                        .map(|s| format!("{}: {}", s.kind.as_str(), s.explanation))
                        .collect::<Vec<_>>()
                        .join("; "),
                    r.docket_id.clone(),
                ],
            )?;
            written += 1;
        }
        progress(written);
    }
    w.flush()?;
    Ok(written)
}

/// `name (n); name (n)`.
fn counted<'a>(items: impl Iterator<Item = (&'a str, u64)>) -> String {
    items
        .map(|(k, n)| format!("{k} ({n})"))
        .collect::<Vec<_>>()
        .join("; ")
}
