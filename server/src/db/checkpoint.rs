//! SQLite's WAL copied back into the database file, on a thread of its
//! own: done by the committing connection (SQLite's default) checkpoints
//! stall the group commit behind them.
//!
//! A PASSIVE checkpoint copies pages but never waits for readers, and the
//! WAL only starts over from its beginning when no reader is using it. On a
//! busy server some reader always is (job lanes, the index follower,
//! exports), so under a long stream of writes (a campaign rebuild of a
//! million comments) the WAL grew to 52 GB and filled the disk. Once it
//! passes [`Bounds::wal_bytes`], a TRUNCATE checkpoint waits (up to
//! [`TRUNCATE_WAIT_MS`]) for the readers of older snapshots to finish,
//! copies the rest and empties the file. While it waits, writers wait too,
//! so it is tried at most once per [`Bounds::truncate_gap`].
//!
//! Not enough yet: during a campaign rebuild of a million comments the
//! truncation was refused (busy) every time after the first, and the WAL
//! still grew by gigabytes, most likely inside the rebuild's one final
//! write transaction, which no checkpoint can touch until it commits (see
//! docs/BENCHMARKS.md, 2026-12-07).

use super::DbError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use diesel::SqliteConnection;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a truncation waits for readers of older snapshots (and holds
/// writers back meanwhile).
const TRUNCATE_WAIT_MS: u32 = 1_000;

#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Between two PASSIVE checkpoints.
    pub every: Duration,
    /// WAL size past which it is truncated.
    pub wal_bytes: i64,
    /// Between two truncation attempts.
    pub truncate_gap: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            every: Duration::from_millis(200),
            wal_bytes: 256 << 20,
            truncate_gap: Duration::from_secs(10),
        }
    }
}

/// What `PRAGMA wal_checkpoint` answers.
#[derive(Debug, QueryableByName)]
struct Outcome {
    /// 1 when it could not finish (readers or a writer in the way).
    #[diesel(sql_type = Integer)]
    busy: i32,
    /// Frames in the WAL.
    #[diesel(sql_type = Integer)]
    log: i32,
}

#[derive(Debug, QueryableByName)]
struct PageSize {
    #[diesel(sql_type = BigInt)]
    page_size: i64,
}

fn checkpoint(conn: &mut SqliteConnection, mode: &str) -> Result<Outcome, DbError> {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    diesel::sql_query(sql)
        .get_result::<Outcome>(conn)
        .map_err(DbError::from)
}

/// Checkpoints on `conn` until `alive` is dropped, then a last TRUNCATE.
pub fn start(mut conn: SqliteConnection, alive: Receiver<()>, bounds: Bounds) {
    std::thread::Builder::new()
        .name("rfidesk-checkpoint".into())
        .spawn(move || {
            let page = diesel::sql_query("PRAGMA page_size")
                .get_result::<PageSize>(&mut conn)
                .map_or(4096, |p| p.page_size);
            let _ = conn.batch_execute(&format!("PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}"));
            let mut tried: Option<Instant> = None;
            while let Err(RecvTimeoutError::Timeout) = alive.recv_timeout(bounds.every) {
                let frames = match checkpoint(&mut conn, "PASSIVE") {
                    Ok(o) => i64::from(o.log),
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                        continue;
                    }
                };
                if frames * page <= bounds.wal_bytes
                    || tried.is_some_and(|t| t.elapsed() < bounds.truncate_gap)
                {
                    continue;
                }
                tried = Some(Instant::now());
                match checkpoint(&mut conn, "TRUNCATE") {
                    Ok(o) if o.busy == 0 => {
                        tracing::info!(wal_mb = frames * page >> 20, "WAL truncated")
                    }
                    Ok(_) => tracing::warn!(
                        wal_mb = frames * page >> 20,
                        "WAL over its bound: readers kept it from being truncated"
                    ),
                    Err(e) => tracing::warn!(error = %e, "WAL truncation failed"),
                }
            }
            // A last full checkpoint leaves a small WAL behind.
            let _ = checkpoint(&mut conn, "TRUNCATE");
        })
        .expect("spawn checkpoint thread");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DatabaseUrl, DbConn};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    fn sqlite(url: &DatabaseUrl) -> SqliteConnection {
        match url.connect().unwrap() {
            DbConn::Sqlite(c) => c,
            DbConn::Pg(_) => unreachable!(),
        }
    }

    /// Writes 24 MB in 400 transactions while two readers take turns so
    /// that one is nearly always reading, then, readers still at it, waits
    /// up to 5 s for the WAL file to be under 2 MiB. Returns the WAL's size
    /// after the writes and whether it came under.
    fn wal_under_readers(bounds: Bounds) -> (u64, bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.sqlite3");
        let url = DatabaseUrl::Sqlite(path.clone());
        let mut writer = sqlite(&url);
        writer
            .batch_execute("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB)")
            .unwrap();
        let (alive, rx) = std::sync::mpsc::channel::<()>();
        start(sqlite(&url), rx, bounds);
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let mut conn = sqlite(&url);
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        conn.batch_execute(
                            "BEGIN; SELECT count(*) FROM t; SELECT sum(length(x)) FROM t; COMMIT",
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        let wal = path.with_extension("sqlite3-wal");
        let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
        for _ in 0..400 {
            writer
                .batch_execute(
                    "BEGIN; INSERT INTO t SELECT randomblob(6000) FROM \
                     (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
                      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 \
                      UNION ALL SELECT 9 UNION ALL SELECT 10); COMMIT",
                )
                .unwrap();
        }
        let written = size();
        let deadline = Instant::now() + Duration::from_secs(5);
        let under = loop {
            if size() < 2 << 20 {
                break true;
            }
            if Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().unwrap();
        }
        drop(alive);
        (written, under)
    }

    #[test]
    fn a_wal_past_its_bound_is_truncated_while_readers_keep_coming() {
        let fast = Duration::from_millis(10);
        // PASSIVE checkpoints alone: the readers keep the WAL from starting
        // over, and the file keeps every write.
        let (written, under) = wal_under_readers(Bounds {
            every: fast,
            wal_bytes: i64::MAX,
            truncate_gap: fast,
        });
        assert!(written > 16 << 20, "PASSIVE alone: {written} bytes");
        assert!(!under, "PASSIVE alone emptied the WAL");
        // Bounded: emptied while the readers go on.
        let (_, under) = wal_under_readers(Bounds {
            every: fast,
            wal_bytes: 1 << 20,
            truncate_gap: fast,
        });
        assert!(under, "the WAL stayed over its bound");
    }
}
