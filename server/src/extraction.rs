//! Attachment text, read in a child process (`rfidesk extract-text`) with
//! an address-space and CPU limit and a wall-clock deadline: a parser bug,
//! a bomb or an endless loop kills the child, not the server. Which file is
//! read when, and what happens after a failure, is the `extract_text` job's
//! business (`jobs/extract_text.rs`).

use crate::db::indexed::{self, Change, Touched};
use crate::db::models::attachment;
use crate::db::models::blob_text::{self, BlobTextRow};
use crate::db::DbError;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The outcome for one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Extracted {
    Text(String),
    /// The reader refused the file: reading it again would fail again.
    Unreadable(String),
    /// The child crashed, ran out of time or memory, or did not start:
    /// worth another try later.
    Crashed(String),
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
        None => Extracted::Crashed(format!("took longer than {} s", limits.wall.as_secs())),
        Some(s) if s.success() => Extracted::Text(String::from_utf8_lossy(&text).into_owned()),
        Some(s) if s.code() == Some(EXIT_UNREADABLE) => Extracted::Unreadable(message),
        Some(s) if s.code() == Some(EXIT_UNSUPPORTED) => Extracted::NotExtracted,
        Some(s) => Extracted::Crashed(match s.signal() {
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
