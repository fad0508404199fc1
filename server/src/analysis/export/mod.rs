//! CSV exports for staff (`GET /api/v1/dockets/{docket}/export/{name}.csv`
//! and `rfidesk export`): `comments` (every comment of a docket), `search`
//! (a search's matches, as rows like `comments`), `campaigns`, and the
//! summary's `tags` and `crosstab` tables (of the docket or a search). Each
//! streams a page of rows at a time in constant memory, every cell made
//! safe for spreadsheets (`cells.rs`), and each is recorded in the audit
//! log before its first row.
//!
//! The writers are blocking and take any `Write`: the CLI gives a file,
//! the server a channel to the response ([`stream`]).

pub mod campaigns;
pub mod cells;
pub mod comments;
pub mod tables;

use super::{Analysis, AnalysisError, Coding};
use crate::db::models::audit::{self, NewEntry};
use crate::db::{DbConn, DbError};
use crate::domain::docket::Docket;
use crate::domain::search_params::SearchParams;
use std::io::Write;
use std::sync::Arc;

/// Exports running at once on a node: each holds a database connection
/// for as long as its client reads.
pub const CONCURRENT: usize = 2;

/// Matches a `search` export may hold (their ids, before the rows stream).
pub const MAX_SEARCH_ROWS: usize = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Comments,
    Search,
    Campaigns,
    Tags,
    Crosstab,
}

impl ExportKind {
    pub const ALL: [ExportKind; 5] = [
        ExportKind::Comments,
        ExportKind::Search,
        ExportKind::Campaigns,
        ExportKind::Tags,
        ExportKind::Crosstab,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Comments => "comments",
            ExportKind::Search => "search",
            ExportKind::Campaigns => "campaigns",
            ExportKind::Tags => "tags",
            ExportKind::Crosstab => "crosstab",
        }
    }

    /// Whether it takes the search API's parameters.
    pub fn searches(self) -> bool {
        matches!(
            self,
            ExportKind::Search | ExportKind::Tags | ExportKind::Crosstab
        )
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// A UTF-8 byte-order mark first, for Excel.
    pub bom: bool,
    /// Email and state or province (staff only, when asked).
    pub include_contact: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the CSV: {0}")]
    Io(#[from] std::io::Error),
}

/// What to export: the kind, and for `search` the search.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: ExportKind,
    pub options: Options,
    pub search: Option<SearchParams>,
}

impl Request {
    /// Reads an export's parameters: `bom` and `include_contact` (`1`,
    /// `true`, `0` or `false`), and for `search` the search API's own.
    /// Returns every problem, by parameter.
    pub fn parse(
        kind: ExportKind,
        pairs: &[(String, String)],
    ) -> Result<Self, std::collections::BTreeMap<String, String>> {
        let mut errors = std::collections::BTreeMap::new();
        let mut options = Options::default();
        let mut rest = Vec::new();
        for (key, value) in pairs {
            let flag = match value.trim() {
                "1" | "true" => Some(true),
                "0" | "false" | "" => Some(false),
                _ => None,
            };
            match key.as_str() {
                "bom" | "include_contact" => match flag {
                    Some(on) if key == "bom" => options.bom = on,
                    Some(on) => options.include_contact = on,
                    None => {
                        errors.insert(key.clone(), "must be 1 or 0".into());
                    }
                },
                _ if kind.searches() => rest.push((key.clone(), value.clone())),
                _ => {
                    errors.insert(
                        key.clone(),
                        "is not a parameter of this export (bom, include_contact)".into(),
                    );
                }
            }
        }
        let search = match kind.searches() {
            true => match SearchParams::parse(&rest) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.extend(e);
                    None
                }
            },
            false => None,
        };
        if errors.is_empty() {
            Ok(Request {
                kind,
                options,
                search,
            })
        } else {
            Err(errors)
        }
    }
}

/// What an export needs read before its rows: a search's matches (for
/// `search`), the summary (for `tags` and `crosstab`).
#[derive(Default)]
pub struct Prepared {
    pub ids: Option<Vec<String>>,
    pub summary: Option<Box<crate::analysis::summary::Summary>>,
}

/// Writes an export of `docket` to `out`, telling `progress` the rows
/// written so far.
pub fn write<W: Write + Send>(
    conn: &mut DbConn,
    docket: &Docket,
    kind: ExportKind,
    options: Options,
    prepared: Prepared,
    out: W,
    progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let min_size = docket.definition.campaigns.min_size;
    let ids = prepared.ids;
    let summary = || {
        prepared
            .summary
            .ok_or_else(|| ExportError::Io(std::io::Error::other("no summary was made")))
    };
    match kind {
        ExportKind::Comments => comments::write(
            conn,
            docket,
            comments::Selection::Docket,
            options,
            min_size,
            out,
            progress,
        ),
        ExportKind::Search => comments::write(
            conn,
            docket,
            comments::Selection::Ids(ids.unwrap_or_default()),
            options,
            min_size,
            out,
            progress,
        ),
        ExportKind::Campaigns => campaigns::write(conn, docket, options, min_size, out, progress),
        ExportKind::Tags => tables::write_tags(&*summary()?, options, out),
        ExportKind::Crosstab => tables::write_crosstab(&*summary()?, options, out),
    }
}

/// The audit entry of an export: who, what, with which options and search.
pub fn audit_entry(
    docket: &str,
    actor: &str,
    request: &Request,
    rows: Option<usize>,
    at: chrono::NaiveDateTime,
) -> NewEntry {
    let mut detail = serde_json::json!({
        "export": request.kind.name(),
        "bom": request.options.bom,
        "include_contact": request.options.include_contact,
    });
    if let Some(s) = &request.search {
        detail["q"] = s.q.clone().into();
        detail["filters"] = serde_json::to_value(&s.keywords).unwrap_or_default();
    }
    if let Some(n) = rows {
        detail["rows"] = n.into();
    }
    NewEntry::new(docket, actor, "export", request.kind.name(), detail, at)
}

/// An export under way: the CSV's bytes, a chunk at a time. The export
/// stops when the receiver is dropped (the client went away).
pub type Chunks = tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>;

/// Starts an export for `actor` and returns its bytes as they are
/// written. Refused before anything is written or recorded: an unknown
/// docket, a search that cannot run, too many matches, or all
/// [`CONCURRENT`] exports running.
pub async fn stream(
    coding: &Coding,
    docket: &str,
    request: Request,
    actor: &str,
) -> Result<(Arc<Docket>, Chunks), AnalysisError> {
    let analysis: &Analysis = &coding.analysis;
    let docket = analysis
        .dockets
        .get(docket)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let permit = analysis
        .exports
        .clone()
        .try_acquire_owned()
        .map_err(|_| AnalysisError::Busy("exports"))?;
    let summary = match (&request.kind, &request.search) {
        (ExportKind::Tags | ExportKind::Crosstab, Some(params)) => Some(Box::new(
            crate::analysis::summary::counts(analysis, &docket.id, params).await?,
        )),
        _ => None,
    };
    let ids = match (&request.kind, &request.search) {
        (ExportKind::Search, Some(params)) => {
            let index = analysis.index()?;
            let mut req = params.to_request();
            req.filters
                .keywords
                .insert("docket".into(), vec![docket.id.clone()]);
            let (total, ids) = analysis
                .blocking(move || index.all_ids(&req.q, &req.filters, MAX_SEARCH_ROWS))
                .await??;
            if total > MAX_SEARCH_ROWS {
                return Err(AnalysisError::Invalid(
                    [(
                        "q".to_string(),
                        format!(
                            "matches {total} comments; a search export holds at most \
                             {MAX_SEARCH_ROWS} (the comments export holds them all)"
                        ),
                    )]
                    .into(),
                ));
            }
            Some(ids)
        }
        _ => None,
    };
    let entry = audit_entry(
        &docket.id,
        actor,
        &request,
        ids.as_ref().map(Vec::len),
        coding.now(),
    );
    coding
        .write(move |conn| audit::append(conn, &[entry]).map(Ok))
        .await??;

    let (tx, rx) = tokio::sync::mpsc::channel(CHANNEL_CHUNKS);
    let pool = analysis.pool.clone();
    let d = docket.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut out = ChannelWriter::new(tx.clone());
        let result = pool
            .get()
            .map_err(|e| ExportError::Db(DbError::from(e)))
            .and_then(|mut conn| {
                write(
                    &mut conn,
                    &d,
                    request.kind,
                    request.options,
                    Prepared { ids, summary },
                    &mut out,
                    |_| {},
                )
            })
            .and_then(|rows| out.finish().map(|_| rows).map_err(ExportError::from));
        match result {
            Ok(rows) => {
                tracing::info!(export = request.kind.name(), docket = %d.id, rows, "export written")
            }
            // The client that went away needs no answer; any other failure
            // ends the body early, so the client sees it incomplete.
            Err(ExportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                tracing::info!(export = request.kind.name(), docket = %d.id, "export abandoned by its client");
            }
            Err(e) => {
                tracing::error!(export = request.kind.name(), docket = %d.id, error = %e, "export failed");
                let _ = tx.blocking_send(Err(std::io::Error::other("the export failed")));
            }
        }
    });
    Ok((docket, rx))
}

/// Chunks in flight between the export and the client: the export waits
/// when the client reads slower (memory stays bounded).
const CHANNEL_CHUNKS: usize = 4;
/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 << 10;

/// A `Write` that sends what it is given down a channel in chunks.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn new(tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>) -> Self {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK_BYTES),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Sent by size, and at the end: a flush per page would make
        // small chunks.
        Ok(())
    }
}
