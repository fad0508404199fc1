//! `extract_text` jobs: the text of one stored file (subject: its SHA-256),
//! read once however many comments carry it. Enqueued by the writer with
//! the comment that first brings the file.
//!
//! A slow file must not hold up the others, so reading happens in two
//! stages. Several lanes read files with a short budget (10 s by
//! default); a file that uses it up is handed to the `extract_text_long`
//! lane, which reads one file at a time with the full budget (60 s). A
//! flood of slow files queues there, while ordinary files go on being read
//! in seconds.

use super::{Context, Handler, Outcome, Policy, Write};
use crate::blobs::BlobStore;
use crate::db::models::blob_text::{BlobTextRow, EXTRACTED, FAILED, NOT_EXTRACTED};
use crate::db::models::job::{self, JobRow};
use crate::db::models::{attachment, redacted_file};
use crate::extraction::{record, run_child, strip_nul, ExtractLimits, Extracted, Extractor};
use chrono::NaiveDateTime;
use std::time::{Duration, Instant};

pub const KIND: &str = "extract_text";
/// Files that used up the short budget, read again with the full one.
pub const LONG_KIND: &str = "extract_text_long";

pub struct ExtractText {
    kind: &'static str,
    /// The `rfidesk` binary, run as `rfidesk extract-text`.
    extractor: Extractor,
    limits: ExtractLimits,
    blobs: BlobStore,
    lanes: usize,
}

impl ExtractText {
    /// The first stage: `lanes` files at once, each within `budget`.
    pub fn quick(extractor: Extractor, blobs: BlobStore, budget: Duration, lanes: usize) -> Self {
        ExtractText {
            kind: KIND,
            extractor,
            limits: ExtractLimits::within(budget),
            blobs,
            lanes: lanes.max(1),
        }
    }

    /// The second stage: one file at a time, each within `budget`.
    pub fn long(extractor: Extractor, blobs: BlobStore, budget: Duration) -> Self {
        ExtractText {
            kind: LONG_KIND,
            extractor,
            limits: ExtractLimits::within(budget),
            blobs,
            lanes: 1,
        }
    }
}

fn row(
    sha256: &str,
    status: &str,
    detail: Option<String>,
    content: String,
    now: NaiveDateTime,
) -> BlobTextRow {
    BlobTextRow {
        sha256: sha256.to_string(),
        status: status.into(),
        detail,
        content_bytes: content.len() as i64,
        content,
        extracted_at: now,
    }
}

fn recording(row: BlobTextRow) -> Write {
    Box::new(move |conn| record(conn, &row))
}

impl Handler for ExtractText {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn lanes(&self) -> usize {
        self.lanes
    }

    fn policy(&self) -> Policy {
        // A crash or a timeout may come from load: three tries, 30 s apart
        // and more, before the file is marked as failed.
        Policy {
            max_attempts: 3,
            first_retry: Duration::from_secs(30),
            // A run stops at its budget; a lease outlasts it.
            lease: (self.limits.wall * 2).max(Duration::from_secs(300)),
            batch: 1,
        }
    }

    fn run(&self, sha256: &str, ctx: &mut Context<'_>) -> Outcome {
        let kind = match ctx
            .pool
            .get()
            .map_err(crate::db::DbError::from)
            .and_then(|mut conn| {
                // An attachment's, or a redacted comment's public file.
                match attachment::kind_of(&mut conn, sha256)? {
                    Some(kind) => Ok(Some(kind)),
                    None => redacted_file::kind_of(&mut conn, sha256),
                }
            }) {
            Ok(Some(kind)) => kind,
            // No comment carries the file (any more): nothing to read.
            Ok(None) => return Outcome::Done(super::no_write()),
            Err(e) => return Outcome::Retry(format!("the database: {e}")),
        };
        let path = self.blobs.path_of(sha256);
        if !path.exists() {
            // Storage this node cannot see (an unmounted shared volume):
            // not the file's fault, so not a verdict on it.
            return Outcome::Retry("the stored file is not on this node's storage".into());
        }
        let started = Instant::now();
        let outcome = if rfidesk_indexer::extract::supports(&kind) {
            run_child(&self.extractor, &kind, &path, &self.limits, ctx.stop)
        } else {
            Extracted::NotExtracted
        };
        let status = match &outcome {
            Extracted::Text(_) => EXTRACTED,
            Extracted::Unreadable(_) | Extracted::Crashed(_) => FAILED,
            Extracted::OverBudget(_) => "over_budget",
            Extracted::NotExtracted => NOT_EXTRACTED,
        };
        tracing::info!(
            sha256 = &sha256[..12.min(sha256.len())],
            kind,
            status,
            stage = self.kind,
            ms = started.elapsed().as_millis() as u64,
            "attachment text"
        );
        match outcome {
            // PostgreSQL text cannot hold NUL, and no reader needs it.
            Extracted::Text(t) => Outcome::Done(recording(row(
                sha256,
                EXTRACTED,
                None,
                strip_nul(t),
                ctx.now,
            ))),
            Extracted::NotExtracted => Outcome::Done(recording(row(
                sha256,
                NOT_EXTRACTED,
                None,
                String::new(),
                ctx.now,
            ))),
            Extracted::Unreadable(why) => {
                let write = recording(row(
                    sha256,
                    FAILED,
                    Some(why.clone()),
                    String::new(),
                    ctx.now,
                ));
                Outcome::Failed(why, write)
            }
            Extracted::Crashed(why) => Outcome::Retry(why),
            // Slow here: the long lane reads it with the full budget.
            Extracted::OverBudget(_) if self.kind == KIND => {
                let (sha, now) = (sha256.to_string(), ctx.now);
                Outcome::Done(Box::new(move |conn| {
                    job::enqueue(conn, &[JobRow::new(LONG_KIND, &sha, now)])?;
                    Ok(())
                }))
            }
            Extracted::OverBudget(why) => Outcome::Retry(why),
        }
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn gave_up(&self, sha256: &str, reason: &str, now: NaiveDateTime) -> Write {
        recording(row(
            sha256,
            FAILED,
            Some(reason.to_string()),
            String::new(),
            now,
        ))
    }
}
