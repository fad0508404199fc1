//! SQLite's WAL copied back into the database file, on a thread of its
//! own: done by the committing connection (SQLite's default) checkpoints
//! stall the group commit behind them.
//!
//! A PASSIVE checkpoint copies pages but never waits for readers, and the
//! WAL only starts over from its beginning when no reader is using it. On a
//! busy server some reader always is (job lanes, the index follower,
//! exports), so under a long stream of writes (a campaign rebuild of a
//! million comments) the WAL grew to 52 GB and filled the disk. Once it
//! passes its bound (the connection's `journal_size_limit`, [`WAL_LIMIT`]),
//! a TRUNCATE checkpoint waits (up to [`TRUNCATE_WAIT_MS`]) for the
//! readers of older snapshots to finish, copies the rest and empties the
//! file. While it waits, writers wait too.
//!
//! That alone did not hold the bound: a rebuild writes its chunks back to
//! back, each holding the write lock for seconds, so the truncation never
//! got in (refused as busy every time; 7.8 GB in five minutes). Bulk
//! writers (the job lanes, the rebuild between its chunks) therefore call
//! [`wait_for_room`] first: while the WAL file is past its bound they wait
//! (up to a limit, then go on), the truncation gets the lock, and intake,
//! which never waits here, keeps its short transactions going.

use super::DbConn;
use super::DbError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::SqliteConnection;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a truncation waits for readers of older snapshots (and holds
/// writers back meanwhile).
const TRUNCATE_WAIT_MS: u32 = 1_000;

/// The WAL's bound, set on every connection as `journal_size_limit`: the
/// checkpointer truncates a WAL past it, bulk writers wait while the file
/// is past it, and SQLite itself cuts the file back to it when the WAL
/// starts over (so the file's size is what the WAL holds).
pub const WAL_LIMIT: i64 = 256 << 20;

/// How often a waiting bulk writer looks at the WAL's size.
const ROOM_POLL: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Between two PASSIVE checkpoints.
    pub every: Duration,
    /// After a truncation readers kept from finishing, before the next
    /// try (each try holds writers back up to [`TRUNCATE_WAIT_MS`]). After
    /// one that worked, the next may follow as soon as the WAL is past its
    /// bound again: bulk writers are waiting for it.
    pub refused_gap: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            every: Duration::from_millis(200),
            refused_gap: Duration::from_secs(5),
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

#[derive(Debug, QueryableByName)]
struct SizeLimit {
    #[diesel(sql_type = BigInt)]
    journal_size_limit: i64,
}

#[derive(Debug, QueryableByName)]
struct Attached {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    file: String,
}

/// The connection's WAL bound (none when `journal_size_limit` is off).
fn limit_of(conn: &mut SqliteConnection) -> Option<i64> {
    diesel::sql_query("PRAGMA journal_size_limit")
        .get_result::<SizeLimit>(conn)
        .ok()
        .map(|l| l.journal_size_limit)
        .filter(|&l| l >= 0)
}

/// The path of the connection's WAL file (none in memory).
fn wal_path(conn: &mut SqliteConnection) -> Option<std::path::PathBuf> {
    diesel::sql_query("PRAGMA database_list")
        .load::<Attached>(conn)
        .ok()?
        .into_iter()
        .find(|a| a.name == "main" && !a.file.is_empty())
        .map(|a| std::path::PathBuf::from(format!("{}-wal", a.file)))
}

/// For bulk writers, before each write: while the WAL file is past its
/// bound, waits (at most `most`) for the checkpointer to empty it, then
/// goes on either way, so a checkpoint that cannot finish slows bulk work
/// down but never stops it. Call it
/// outside any transaction: a snapshot held here is what keeps the WAL
/// from being emptied. PostgreSQL: no wait.
pub fn wait_for_room(conn: &mut DbConn, most: Duration) {
    let DbConn::Sqlite(c) = conn else {
        return;
    };
    let (Some(limit), Some(wal)) = (limit_of(c), wal_path(c)) else {
        return;
    };
    let size = || std::fs::metadata(&wal).map_or(0, |m| m.len() as i64);
    let started = Instant::now();
    while size() > limit {
        if started.elapsed() >= most {
            tracing::warn!(
                wal_mb = size() >> 20,
                "WAL still over its bound: a bulk write goes on"
            );
            return;
        }
        std::thread::sleep(ROOM_POLL);
    }
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
            let bound = limit_of(&mut conn).unwrap_or(WAL_LIMIT);
            let _ = conn.batch_execute(&format!("PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}"));
            // When the last truncation was refused.
            let mut refused: Option<Instant> = None;
            while let Err(RecvTimeoutError::Timeout) = alive.recv_timeout(bounds.every) {
                let frames = match checkpoint(&mut conn, "PASSIVE") {
                    Ok(o) => i64::from(o.log),
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                        continue;
                    }
                };
                if frames * page <= bound
                    || refused.is_some_and(|t| t.elapsed() < bounds.refused_gap)
                {
                    continue;
                }
                match checkpoint(&mut conn, "TRUNCATE") {
                    Ok(o) if o.busy == 0 => {
                        refused = None;
                        tracing::debug!(wal_mb = (frames * page) >> 20, "WAL truncated")
                    }
                    Ok(_) => {
                        refused = Some(Instant::now());
                        tracing::warn!(
                            wal_mb = (frames * page) >> 20,
                            "WAL over its bound: readers kept it from being truncated"
                        )
                    }
                    Err(e) => {
                        refused = Some(Instant::now());
                        tracing::warn!(error = %e, "WAL truncation failed")
                    }
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

    /// A connection whose WAL bound is `limit` bytes (-1: none).
    fn sqlite(url: &DatabaseUrl, limit: i64) -> SqliteConnection {
        match url.connect().unwrap() {
            DbConn::Sqlite(mut c) => {
                c.batch_execute(&format!("PRAGMA journal_size_limit = {limit}"))
                    .unwrap();
                c
            }
            DbConn::Pg(_) => unreachable!(),
        }
    }

    /// How a test writes.
    struct Writes {
        /// Transactions, back to back.
        count: usize,
        /// Rows of 6,000 random bytes each adds.
        rows: usize,
        /// Whether each waits for room first, as bulk writers do.
        wait: bool,
    }

    /// What a test saw of the WAL file.
    struct Seen {
        /// Its largest size after a commit.
        most: u64,
        /// Its size after the last.
        written: u64,
        /// Whether, readers still at it, it came under 2 MiB within 5 s.
        under: bool,
    }

    /// Runs `writes` while two readers take turns so that one is nearly
    /// always reading (each reading the whole table: snapshots overlap),
    /// with the checkpointer on a WAL bound of `limit` (-1: none).
    fn wal_under_readers(limit: i64, bounds: Bounds, writes: Writes) -> Seen {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.sqlite3");
        let url = DatabaseUrl::Sqlite(path.clone());
        let mut writer = DbConn::Sqlite(sqlite(&url, limit));
        writer
            .batch_execute("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB)")
            .unwrap();
        let (alive, rx) = std::sync::mpsc::channel::<()>();
        start(sqlite(&url, limit), rx, bounds);
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let mut conn = sqlite(&url, limit);
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
        let insert = format!(
            "BEGIN; INSERT INTO t SELECT randomblob(6000) FROM \
             (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
              SELECT i FROM n); COMMIT",
            writes.rows
        );
        let mut most = 0;
        for _ in 0..writes.count {
            if writes.wait {
                wait_for_room(&mut writer, Duration::from_secs(10));
            }
            writer.batch_execute(&insert).unwrap();
            most = most.max(size());
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
        Seen {
            most,
            written,
            under,
        }
    }

    #[test]
    fn a_wal_past_its_bound_is_truncated_while_readers_keep_coming() {
        let fast = Bounds {
            every: Duration::from_millis(10),
            refused_gap: Duration::from_millis(10),
        };
        let writes = || Writes {
            count: 400,
            rows: 10,
            wait: false,
        };
        // PASSIVE checkpoints alone: the readers keep the WAL from starting
        // over, and the file keeps every write.
        let seen = wal_under_readers(-1, fast, writes());
        assert!(
            seen.written > 16 << 20,
            "PASSIVE alone: {} bytes",
            seen.written
        );
        assert!(!seen.under, "PASSIVE alone emptied the WAL");
        // Bounded: emptied while the readers go on.
        let seen = wal_under_readers(1 << 20, fast, writes());
        assert!(seen.under, "the WAL stayed over its bound");
    }

    /// A rebuild's chunks: each transaction adds 1.2 MB, back to back, so
    /// the writer nearly always holds the lock a truncation needs. Waiting
    /// for room before each keeps the WAL within its bound and a
    /// transaction or two, however many there are.
    #[test]
    fn bulk_writers_that_wait_for_room_keep_the_wal_near_its_bound() {
        let bounds = Bounds {
            every: Duration::from_millis(10),
            refused_gap: Duration::from_millis(200),
        };
        let limit = 2 << 20;
        let seen = wal_under_readers(
            limit,
            bounds,
            Writes {
                count: 60,
                rows: 200,
                wait: true,
            },
        );
        let transaction = 200 * 6_200;
        assert!(
            seen.most <= (limit + 2 * transaction) as u64,
            "the WAL reached {} bytes (bound {limit})",
            seen.most
        );
        assert!(seen.under, "the WAL stayed over its bound");
    }
}
