//! `extract_text` jobs: the text of one stored file (subject: its SHA-256),
//! read once however many comments carry it. Enqueued by the writer with
//! the comment that first brings the file.

use super::{Context, Handler, Outcome, Policy, Write};
use crate::blobs::BlobStore;
use crate::db::models::blob_text::{BlobTextRow, EXTRACTED, FAILED, NOT_EXTRACTED};
use crate::db::models::{attachment, redacted_file};
use crate::extraction::{record, run_child, strip_nul, ExtractLimits, Extracted};
use chrono::NaiveDateTime;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const KIND: &str = "extract_text";

pub struct ExtractText {
    /// The `rfidesk` binary, run as `rfidesk extract-text`.
    pub program: PathBuf,
    pub limits: ExtractLimits,
    pub blobs: BlobStore,
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
        KIND
    }

    fn policy(&self) -> Policy {
        // A crash or a timeout may come from load: three tries, 30 s apart
        // and more, before the file is marked as failed.
        Policy {
            max_attempts: 3,
            first_retry: Duration::from_secs(30),
            // A run stops at 60 s.
            lease: Duration::from_secs(300),
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
            run_child(&self.program, &kind, &path, &self.limits, ctx.stop)
        } else {
            Extracted::NotExtracted
        };
        let status = match &outcome {
            Extracted::Text(_) => EXTRACTED,
            Extracted::Unreadable(_) | Extracted::Crashed(_) => FAILED,
            Extracted::NotExtracted => NOT_EXTRACTED,
        };
        tracing::info!(
            sha256 = &sha256[..12.min(sha256.len())],
            kind,
            status,
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
