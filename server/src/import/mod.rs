//! Loading an existing docket's comments from a regulations.gov bulk
//! download, to analyse them with the same tools (`rfidesk import
//! regulations-gov FILE.csv --docket ID`).
//!
//! The file is streamed and written in batches, each one transaction
//! through the one write path for indexed changes: a batch is stored
//! whole or not at all, and the index follows. Comments keep their
//! tracking numbers and received dates, and are posted (the export holds
//! what regulations.gov posted; a withdrawn one is withheld). A comment
//! already imported (same Document ID in the docket) is skipped, so a
//! second run adds nothing and a run cut short is finished by running it
//! again. A bad row is reported with its line number and skipped.

pub mod regulations_gov;

use crate::db::indexed::{self, Change, Touched};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment::{self, CommentRow};
use crate::db::models::imported_comment::{self, ImportedRow};
use crate::db::{DbConn, DbError};
use crate::domain::docket::Docket;
use crate::domain::posting::{WithheldReason, POSTED, WITHHELD};
use chrono::NaiveDateTime;
use regulations_gov::{Columns, Row};
use std::collections::{HashMap, HashSet};

/// Rows per transaction: large enough that a commit's cost is shared,
/// small enough that a batch holds the writer briefly and little memory.
pub const BATCH: usize = 5_000;
/// Rows per INSERT statement (a comment has 23 columns).
const INSERT_ROWS: usize = 1_000;
/// Who the audit log and posting review say did it.
const ACTOR: &str = "import";

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub imported: u64,
    /// Already imported (by an earlier run).
    pub already: u64,
    pub refused: u64,
}

/// What goes wrong with a whole file (a bad row is only reported).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Header(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(
        "lines {first}-{last} were not imported ({source}); nothing of them was stored, and \
         the batches before them were: run the import again to continue"
    )]
    Batch {
        first: u64,
        last: u64,
        source: DbError,
    },
}

/// Imports `reader` (the CSV, header first) into `docket`. `file_name`
/// is recorded with each comment; `on_refused(line, why)` hears each
/// bad row; `on_progress(bytes read)` after each batch.
///
/// A thread reads and checks the next batch while this one writes the
/// last: on two cores the file's parsing and the database's work overlap
/// (the database server, for PostgreSQL, is a process of its own).
pub fn import(
    conn: &mut DbConn,
    docket: &Docket,
    reader: impl std::io::Read + Send,
    file_name: &str,
    now: NaiveDateTime,
    mut on_refused: impl FnMut(u64, &str),
    mut on_progress: impl FnMut(u64),
) -> Result<Counts, ImportError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let columns = Columns::from_headers(csv.headers()?).map_err(ImportError::Header)?;
    crate::db::connection::for_bulk_load(conn)?;
    std::thread::scope(|scope| {
        // One batch waiting while one is written: memory for two batches.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let columns = &columns;
        std::thread::Builder::new()
            .name("rfidesk-import-reader".into())
            .spawn_scoped(scope, move || read_batches(csv, columns, docket, tx))
            .expect("spawn the import's reader");
        let mut counts = Counts::default();
        let mut batches = 0u64;
        // Returning drops the receiver: the reader's next send fails and
        // it stops.
        for parsed in rx {
            let parsed: Parsed = parsed?;
            for (line, why) in &parsed.refused {
                on_refused(*line, why);
                counts.refused += 1;
            }
            if let (Some(first), Some(last)) = (parsed.rows.first(), parsed.rows.last()) {
                let (first, last) = (first.0, last.0);
                let written =
                    write_batch(conn, docket, parsed.rows, file_name, now).map_err(|source| {
                        ImportError::Batch {
                            first,
                            last,
                            source,
                        }
                    })?;
                counts.imported += written.imported;
                counts.already += written.already;
                for (line, why) in written.refused {
                    on_refused(line, &why);
                    counts.refused += 1;
                }
                batches += 1;
                // Each time the import has doubled what it wrote (after
                // batch 1, 2, 4, 8...): the lookups of the next batches stay
                // by index (refresh_statistics), and a large table is
                // sampled rarely.
                if batches.is_power_of_two() {
                    for table in ["comments", "imported_comments"] {
                        crate::db::connection::refresh_statistics(conn, table)?;
                    }
                }
            }
            on_progress(parsed.bytes);
        }
        Ok(counts)
    })
}

/// A batch as the reader hands it over: good rows, bad ones with why, and
/// how far into the file it is.
#[derive(Default)]
struct Parsed {
    rows: Vec<(u64, Row)>,
    refused: Vec<(u64, String)>,
    bytes: u64,
}

/// Reads and checks the file a batch at a time, handing each over; stops
/// at the end, at an error it cannot read past (handed over), or when the
/// writer is gone.
fn read_batches<R: std::io::Read>(
    mut csv: csv::Reader<R>,
    columns: &Columns,
    docket: &Docket,
    tx: std::sync::mpsc::SyncSender<Result<Parsed, ImportError>>,
) {
    let mut record = csv::StringRecord::new();
    let mut parsed = Parsed::default();
    loop {
        let more = match csv.read_record(&mut record) {
            Ok(more) => more,
            // A row the CSV reader cannot read (bad UTF-8): skipped like
            // any bad row; the reader goes on at the next. Anything else
            // (the file cannot be read) ends the import.
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                let line = e.position().map_or(0, |p| p.line());
                parsed.refused.push((line, format!("cannot be read: {e}")));
                continue;
            }
            Err(e) => {
                let _ = tx.send(Err(e.into()));
                return;
            }
        };
        if more {
            let line = record.position().map_or(0, |p| p.line());
            match regulations_gov::parse(columns, &record, docket) {
                Ok(row) => parsed.rows.push((line, row)),
                Err(why) => parsed.refused.push((line, why)),
            }
        }
        if !more || parsed.rows.len() + parsed.refused.len() >= BATCH {
            parsed.bytes = csv.position().byte();
            if tx.send(Ok(std::mem::take(&mut parsed))).is_err() || !more {
                return;
            }
        }
    }
}

struct Written {
    imported: u64,
    already: u64,
    refused: Vec<(u64, String)>,
}

/// One transaction: the batch's new comments, what the export said of
/// them, their changes for the index, and one audit entry.
fn write_batch(
    conn: &mut DbConn,
    docket: &Docket,
    rows: Vec<(u64, Row)>,
    file_name: &str,
    now: NaiveDateTime,
) -> Result<Written, DbError> {
    indexed::write(conn, Change::CommentCreated, |conn| {
        let tns: Vec<String> = rows
            .iter()
            .map(|(_, r)| r.tracking_number.clone())
            .collect();
        let docs: Vec<String> = rows.iter().map(|(_, r)| r.document_id.clone()).collect();
        let taken: HashMap<String, String> = imported_comment::taken_tracking_numbers(conn, &tns)?
            .into_iter()
            .collect();
        let done: HashSet<String> = imported_comment::imported_documents(conn, &docket.id, &docs)?
            .into_iter()
            .collect();
        let mut written = Written {
            imported: 0,
            already: 0,
            refused: Vec::new(),
        };
        // Within the batch, the first of a repeated number or ID wins.
        let mut seen_tns: HashMap<String, u64> = HashMap::new();
        let mut seen_docs: HashMap<String, u64> = HashMap::new();
        let mut comments = Vec::with_capacity(rows.len());
        let mut imported = Vec::with_capacity(rows.len());
        let mut touched = Vec::with_capacity(rows.len());
        for (line, row) in rows {
            if done.contains(&row.document_id) {
                written.already += 1;
                continue;
            }
            if let Some(first) = seen_docs.get(&row.document_id) {
                written
                    .refused
                    .push((line, format!("repeats the Document ID of line {first}")));
                continue;
            }
            if let Some(first) = seen_tns.get(&row.tracking_number) {
                written
                    .refused
                    .push((line, format!("repeats the Tracking Number of line {first}")));
                continue;
            }
            if let Some(other) = taken.get(&row.tracking_number) {
                written.refused.push((
                    line,
                    format!(
                        "Tracking Number {} is already another comment's (docket {other})",
                        row.tracking_number
                    ),
                ));
                continue;
            }
            seen_docs.insert(row.document_id.clone(), line);
            seen_tns.insert(row.tracking_number.clone(), line);
            let id = uuid::Uuid::now_v7().to_string();
            let (status, reason) = if row.withdrawn {
                (
                    WITHHELD,
                    Some(WithheldReason::WithdrawnBySubmitter.as_str()),
                )
            } else {
                (POSTED, None)
            };
            let received = row.received_at.naive_utc();
            touched.push(Touched {
                comment_id: id.clone(),
                docket_id: docket.id.clone(),
                at: now,
            });
            imported.push(ImportedRow {
                comment_id: id.clone(),
                docket_id: docket.id.clone(),
                document_id: row.document_id,
                category_text: row.category_text,
                duplicate_comments: row.duplicate_comments,
                attachment_urls: serde_json::to_string(&row.attachment_urls)
                    .expect("strings serialize"),
                source_file: file_name.to_string(),
                source_line: line as i64,
                imported_at: now,
            });
            comments.push(CommentRow {
                id,
                tracking_number: row.tracking_number,
                docket_id: docket.id.clone(),
                received_at: received,
                late: row.received_at > docket.closes_at(),
                submitter_type: if row.organization.is_some() {
                    "organization"
                } else {
                    "individual"
                }
                .into(),
                first_name: row.first_name,
                last_name: row.last_name,
                organization: row.organization,
                organization_type: None,
                category: row.category,
                country: row.country,
                state_province: None,
                email: None,
                answers: "{}".into(),
                general_comment: row.comment,
                business_confidential: false,
                // A representative comment stands for its duplicates.
                signatories: row.duplicate_comments.filter(|n| *n > 1),
                posting_status: status.into(),
                client_key: None,
                withheld_reason: reason.map(str::to_string),
                posting_changed_at: Some(now),
                posting_changed_by: Some(ACTOR.into()),
            });
            written.imported += 1;
        }
        if !comments.is_empty() {
            // PostgreSQL takes at most 65,535 parameters a statement.
            for chunk in comments.chunks(INSERT_ROWS) {
                comment::insert_many(conn, chunk)?;
            }
            for chunk in imported.chunks(INSERT_ROWS) {
                imported_comment::insert(conn, chunk)?;
            }
            audit::append(
                conn,
                &[NewEntry::new(
                    &docket.id,
                    ACTOR,
                    "import.regulations_gov",
                    file_name,
                    serde_json::json!({
                        "lines": format!("{}-{}", imported[0].source_line,
                                         imported[imported.len() - 1].source_line),
                        "imported": written.imported,
                    }),
                    now,
                )],
            )?;
        }
        Ok((written, touched))
    })
}
