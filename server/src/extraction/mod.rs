//! Attachment text, read in a child process (`rfidesk extract-text`) with
//! an address-space and CPU limit and a wall-clock deadline, confined so
//! that it can write nothing and start nothing (`sandbox.rs`): a parser
//! bug, a bomb or an endless loop kills the child, not the server, and
//! code smuggled in a file can do little. Which file is read when, and
//! what happens after a failure, is the `extract_text` jobs' business
//! (`jobs/extract_text.rs`).

pub mod sandbox;

use crate::db::indexed::{self, Change, Touched};
use crate::db::models::attachment;
use crate::db::models::blob_text::{self, BlobTextRow};
use crate::db::DbError;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The program run as `PROGRAM extract-text ...` (rfidesk itself), and
/// what it may in turn run: a wrapper's hand-over. The sandbox lets the
/// child read and run these, and no other program outside the system's.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub program: PathBuf,
    pub hands_over_to: Vec<PathBuf>,
}

impl Extractor {
    pub fn new(program: PathBuf) -> Self {
        Extractor {
            program,
            hands_over_to: Vec::new(),
        }
    }
}

/// What one file may cost the child.
#[derive(Debug, Clone)]
pub struct ExtractLimits {
    pub wall: Duration,
    pub cpu_seconds: u64,
    pub address_space: u64,
    pub max_text_bytes: usize,
}

impl ExtractLimits {
    /// The limits for a run of at most `budget`, wall clock and CPU alike.
    pub fn within(budget: Duration) -> Self {
        ExtractLimits {
            wall: budget,
            cpu_seconds: budget.as_secs().max(1),
            ..Default::default()
        }
    }
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

/// The outcome for one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Extracted {
    Text(String),
    /// The reader refused the file: reading it again would fail again.
    Unreadable(String),
    /// The child crashed, ran out of memory, or did not start: worth
    /// another try later.
    Crashed(String),
    /// The child used up its time (wall clock or CPU): the file is slow to
    /// read, or the machine was busy.
    OverBudget(String),
    NotExtracted,
}

/// Text without NUL characters (a PDF's strings may carry them).
pub fn strip_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text
    }
}

/// Stores the result and tells the follower which comments to index again
/// (every comment carrying the file).
pub fn record(conn: &mut crate::db::DbConn, row: &BlobTextRow) -> Result<(), DbError> {
    indexed::write(conn, Change::AttachmentText, |conn| {
        if !blob_text::record(conn, row)? {
            return Ok(((), Vec::new()));
        }
        let mut carriers = attachment::comments_with_file(conn, &row.sha256)?;
        // The public text of redacted comments whose public file it is.
        carriers.extend(crate::db::models::redacted_file::comments_with_file(
            conn,
            &row.sha256,
        )?);
        carriers.sort();
        carriers.dedup();
        let touched = carriers
            .into_iter()
            .map(|(comment_id, docket_id)| Touched {
                comment_id,
                docket_id,
                at: row.extracted_at,
            })
            .collect();
        Ok(((), touched))
    })
}

/// Runs `program extract-text --kind KIND FILE` under the limits. A stop
/// request kills the child; its file is read again at the next start.
pub fn run_child(
    extractor: &Extractor,
    kind: &str,
    file: &Path,
    limits: &ExtractLimits,
    stop: &AtomicBool,
) -> Extracted {
    let mut command = Command::new(&extractor.program);
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
    let sandbox = match sandbox::Sandbox::prepare(
        extractor,
        file,
        limits.address_space,
        limits.cpu_seconds,
    ) {
        Ok(s) => s,
        Err(e) => return Extracted::Crashed(format!("could not confine the extractor: {e}")),
    };
    // SAFETY: `enter` makes system calls only (no allocation, no locks),
    // as is required between fork and exec in a multi-threaded process.
    unsafe {
        command.pre_exec(move || sandbox.enter());
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return Extracted::Crashed(format!("could not start the extractor: {e}")),
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
        // Killed for the stop: read again at the next start.
        None if stop.load(Ordering::Relaxed) => Extracted::Crashed("the server stopped".into()),
        None => Extracted::OverBudget(format!("took longer than {} s", limits.wall.as_secs())),
        Some(s) if s.success() => Extracted::Text(String::from_utf8_lossy(&text).into_owned()),
        Some(s) if s.code() == Some(EXIT_UNREADABLE) => Extracted::Unreadable(message),
        Some(s) if s.code() == Some(EXIT_UNSUPPORTED) => Extracted::NotExtracted,
        Some(s) if matches!(s.signal(), Some(libc::SIGXCPU) | Some(libc::SIGKILL)) => {
            Extracted::OverBudget(format!(
                "used more than {} s of CPU time",
                limits.cpu_seconds
            ))
        }
        Some(s) => Extracted::Crashed(match s.signal() {
            Some(sig) => format!("the extractor crashed (signal {sig}; often memory exhausted)"),
            None => format!("the extractor failed (exit {})", s.code().unwrap_or(-1)),
        }),
    }
}

/// Exit code of `extract-text` for a kind it reads no text from.
pub const EXIT_UNSUPPORTED: i32 = 4;

/// The child's side: read the file, print the text, exit. A panic or an
/// allocation failure ends the process, which is the point.
pub fn extract_text_main(kind: &str, file: &Path, max_bytes: usize) -> i32 {
    use std::io::Write;
    // The readers' panics that the extractors catch (a refusal) must not
    // reach stderr, which becomes the reason staff read; one that is not
    // caught still ends the process, as a crash.
    std::panic::set_hook(Box::new(|_| {}));
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
