//! Attachment text, off the request path. A worker thread finds files
//! without a text row and reads each in a child process (`rfidesk
//! extract-text`) with an address-space and CPU limit and a wall-clock
//! deadline: a parser bug, a bomb or an endless loop kills the child, not
//! the server, and ends as `extraction_failed` on that file.
//!
//! Finding work: at start, one scan for files without text (what a crash
//! or a stop left); after that, only the attachments of comments that the
//! change feed announces, so an idle server does not scan the table.

use crate::blobs::BlobStore;
use crate::db::models::attachment;
use crate::db::models::blob_text::{self, BlobTextRow, EXTRACTED, FAILED, NOT_EXTRACTED};
use crate::db::models::change_feed::{self, NewChange, ATTACHMENT_TEXT};
use crate::db::writer::Writer;
use crate::db::{DbError, Pool};
use crate::domain::clock::Clock;
use crate::feed_signal::FeedSignal;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one file may cost the child.
#[derive(Debug, Clone)]
pub struct ExtractLimits {
    pub wall: Duration,
    pub cpu_seconds: u64,
    pub address_space: u64,
    pub max_text_bytes: usize,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        ExtractLimits {
            wall: Duration::from_secs(60),
            cpu_seconds: 60,
            address_space: 1 << 30,
            max_text_bytes: rfidesk_indexer::extract::Limits::default().max_text_bytes,
        }
    }
}

/// Exit code of `extract-text` for a file it could not read (the reason on stderr).
pub const EXIT_UNREADABLE: i32 = 3;

pub struct Extractor {
    /// The `rfidesk` binary, run as `rfidesk extract-text`.
    pub program: PathBuf,
    pub limits: ExtractLimits,
    pub pool: Pool,
    pub writer: Writer,
    pub blobs: BlobStore,
    pub clock: Arc<dyn Clock>,
    pub signal: Arc<FeedSignal>,
    pub stop: Arc<AtomicBool>,
    pub runtime: tokio::runtime::Handle,
}

/// The outcome for one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Extracted {
    Text(String),
    Failed(String),
    NotExtracted,
}

impl Extractor {
    pub fn start(self) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("rfidesk-extract".into())
            .spawn(move || self.run())
            .expect("spawn extraction thread")
    }

    fn run(self) {
        // Where the feed is followed from: read before the start-up scan,
        // so a file attached while it runs is seen by one or the other.
        let mut followed: Option<i64> = None;
        let mut scanning = true;
        while !self.stop.load(Ordering::Relaxed) {
            let seen = self.signal.current();
            let step = (|| -> Result<usize, DbError> {
                let mut conn = self.pool.get()?;
                let from = match followed {
                    Some(seq) => seq,
                    None => *followed.insert(change_feed::head(&mut conn)?),
                };
                if scanning {
                    let pending = blob_text::pending(&mut conn, 16)?;
                    drop(conn);
                    scanning = !pending.is_empty();
                    return self.extract_all(&pending);
                }
                let changes = change_feed::after(&mut conn, from, 500)?;
                let Some(last) = changes.last().map(|c| c.seq) else {
                    return Ok(0);
                };
                let ids: Vec<String> = changes
                    .into_iter()
                    .filter(|c| c.kind == change_feed::COMMENT_CREATED)
                    .map(|c| c.comment_id)
                    .collect();
                let files = attachment::for_comments(&mut conn, &ids)?;
                let shas: Vec<String> = files.iter().map(|f| f.sha256.clone()).collect();
                let done: std::collections::HashSet<String> =
                    blob_text::for_files(&mut conn, &shas)?
                        .into_iter()
                        .map(|t| t.sha256)
                        .collect();
                drop(conn);
                let mut pending: Vec<(String, String)> = files
                    .into_iter()
                    .filter(|f| !done.contains(&f.sha256))
                    .map(|f| (f.sha256, f.kind))
                    .collect();
                pending.sort();
                pending.dedup();
                let n = self.extract_all(&pending)?;
                followed = Some(last);
                Ok(n.max(1))
            })();
            match step {
                Ok(0) => {
                    self.signal.wait(seen, Duration::from_secs(1));
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "attachment text extraction failed");
                    self.signal.wait(seen, Duration::from_secs(5));
                }
            }
        }
    }

    /// Extracts these files and records each result; returns how many.
    fn extract_all(&self, pending: &[(String, String)]) -> Result<usize, DbError> {
        for (sha256, kind) in pending {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let started = Instant::now();
            let outcome = if rfidesk_indexer::extract::supports(kind) {
                run_child(
                    &self.program,
                    kind,
                    &self.blobs.path_of(sha256),
                    &self.limits,
                    &self.stop,
                )
            } else {
                Extracted::NotExtracted
            };
            if self.stop.load(Ordering::Relaxed) {
                // Possibly cut short: read again at the next start.
                break;
            }
            let (status, detail) = match &outcome {
                Extracted::Text(_) => (EXTRACTED, None),
                Extracted::Failed(why) => (FAILED, Some(why.clone())),
                Extracted::NotExtracted => (NOT_EXTRACTED, None),
            };
            tracing::info!(
                sha256 = &sha256[..12],
                kind,
                status,
                detail = detail.as_deref().unwrap_or(""),
                ms = started.elapsed().as_millis() as u64,
                "attachment text"
            );
            let content = match outcome {
                // PostgreSQL text cannot hold NUL, and no reader needs it.
                Extracted::Text(t) => strip_nul(t),
                _ => String::new(),
            };
            let row = BlobTextRow {
                sha256: sha256.clone(),
                status: status.into(),
                detail,
                content_bytes: content.len() as i64,
                content,
                extracted_at: self.clock.now().naive_utc(),
            };
            let stored = self.store(row.clone());
            if let Err(e) = stored {
                // Whatever made this text unstorable must not stop the files
                // after it: the file is recorded as failed, with the reason.
                tracing::error!(sha256 = &sha256[..12], error = %e, "could not store attachment text");
                let failed = BlobTextRow {
                    status: FAILED.into(),
                    detail: Some(format!("the text could not be stored: {e}")),
                    content: String::new(),
                    content_bytes: 0,
                    ..row
                };
                self.store(failed)?;
            }
        }
        Ok(pending.len())
    }
}

impl Extractor {
    fn store(&self, row: BlobTextRow) -> Result<(), DbError> {
        let writer = self.writer.clone();
        self.runtime
            .block_on(
                writer.run(move |conn| crate::db::write_transaction(conn, |conn| record(conn, &row))),
            )
            .map_err(|e| DbError::Repeated(e.to_string()))
    }
}

/// Text without NUL characters (a PDF's strings may carry them).
pub fn strip_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text
    }
}

/// Stores the result and tells the follower which comments to index again.
fn record(conn: &mut crate::db::DbConn, row: &BlobTextRow) -> Result<(), DbError> {
    if !blob_text::record(conn, row)? {
        return Ok(());
    }
    let changes: Vec<NewChange> = attachment::comments_with_file(conn, &row.sha256)?
        .into_iter()
        .map(|(comment_id, docket_id)| NewChange {
            kind: ATTACHMENT_TEXT.into(),
            comment_id,
            docket_id,
            created_at: row.extracted_at,
        })
        .collect();
    change_feed::append(conn, &changes)
}

/// Runs `program extract-text --kind KIND FILE` under the limits. A stop
/// request kills the child; its file is read again at the next start.
pub fn run_child(
    program: &Path,
    kind: &str,
    file: &Path,
    limits: &ExtractLimits,
    stop: &AtomicBool,
) -> Extracted {
    let mut command = Command::new(program);
    command
        .arg("extract-text")
        .arg("--kind")
        .arg(kind)
        .arg("--max-bytes")
        .arg(limits.max_text_bytes.to_string())
        .arg(file)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (address_space, cpu) = (limits.address_space, limits.cpu_seconds);
    // SAFETY: between fork and exec only setrlimit runs, which is
    // async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(move || {
            set_limit(libc::RLIMIT_AS, address_space)?;
            set_limit(libc::RLIMIT_CPU, cpu)?;
            set_limit(libc::RLIMIT_CORE, 0)?;
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return Extracted::Failed(format!("could not start the extractor: {e}")),
    };
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let max = limits.max_text_bytes as u64 + 1;
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stdout).take(max).read_to_end(&mut buf);
        // Keep draining so the child can exit.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stderr).take(4096).read_to_end(&mut buf);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        buf
    });
    let deadline = Instant::now() + limits.wall;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline || stop.load(Ordering::Relaxed) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let text = out.join().unwrap_or_default();
    let message = String::from_utf8_lossy(&err.join().unwrap_or_default())
        .trim()
        .to_string();
    match status {
        None => Extracted::Failed(format!("took longer than {} s", limits.wall.as_secs())),
        Some(s) if s.success() => Extracted::Text(String::from_utf8_lossy(&text).into_owned()),
        Some(s) if s.code() == Some(EXIT_UNREADABLE) => Extracted::Failed(message),
        Some(s) if s.code() == Some(EXIT_UNSUPPORTED) => Extracted::NotExtracted,
        Some(s) => Extracted::Failed(match s.signal() {
            Some(libc::SIGXCPU) | Some(libc::SIGKILL) => "used more than its CPU time".into(),
            Some(sig) => format!("the extractor crashed (signal {sig}; often memory exhausted)"),
            None => format!("the extractor failed (exit {})", s.code().unwrap_or(-1)),
        }),
    }
}

/// Exit code of `extract-text` for a kind it reads no text from.
pub const EXIT_UNSUPPORTED: i32 = 4;

fn set_limit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: a plain system call on a stack value.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The child's side: read the file, print the text, exit. A panic or an
/// allocation failure ends the process, which is the point.
pub fn extract_text_main(kind: &str, file: &Path, max_bytes: usize) -> i32 {
    use std::io::Write;
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("could not read the stored file: {e}");
            return EXIT_UNREADABLE;
        }
    };
    let limits = rfidesk_indexer::extract::Limits {
        max_text_bytes: max_bytes,
        ..Default::default()
    };
    match rfidesk_indexer::extract::extract(kind, &bytes, &limits) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return 1;
            }
            0
        }
        Err(rfidesk_indexer::extract::ExtractError::Unsupported(_)) => EXIT_UNSUPPORTED,
        Err(e) => {
            eprintln!("{e}");
            EXIT_UNREADABLE
        }
    }
}
