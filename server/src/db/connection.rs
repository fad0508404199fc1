//! Which database, how to open it, and the pool readers share.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One connection type for both backends: queries are written once.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `DATABASE_URL` when set (postgres://, postgresql://, sqlite://PATH or
    /// a plain path), else a SQLite file in the data directory.
    pub fn from_env_value(value: Option<&str>, data_dir: &Path) -> Self {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) if v.starts_with("postgres://") || v.starts_with("postgresql://") => {
                DatabaseUrl::Postgres(v.to_string())
            }
            Some(v) => DatabaseUrl::Sqlite(PathBuf::from(v.strip_prefix("sqlite://").unwrap_or(v))),
            None => DatabaseUrl::Sqlite(data_dir.join("rfidesk.sqlite3")),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    pub fn connect(&self) -> Result<DbConn, DbError> {
        match self {
            DatabaseUrl::Postgres(url) => Ok(DbConn::Pg(PgConnection::establish(url)?)),
            DatabaseUrl::Sqlite(path) => {
                let path = path
                    .to_str()
                    .ok_or(DbError::Config("the SQLite path is not UTF-8"))?;
                let mut conn = SqliteConnection::establish(path)?;
                // The busy timeout first: even switching to WAL needs a lock
                // another process (the CLI, a restarting server) may hold.
                // WAL lets readers run beside the one writer; synchronous=FULL
                // makes every commit reach the disk before we answer 201.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;",
                )?;
                // The WAL's bound (db/checkpoint.rs), kept on the connection
                // so that every part of the process reads the same one.
                conn.batch_execute(&format!(
                    "PRAGMA journal_size_limit = {}",
                    super::checkpoint::WAL_LIMIT
                ))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Settings for a session that loads many rows in large transactions (an
/// import), which stay on this connection only. Its commits need not reach
/// the disk one by one: a crash loses whole batches, which running the
/// import again writes (SQLite `synchronous = NORMAL`, PostgreSQL
/// `synchronous_commit = off`); the WAL is checkpointed every 64 MB rather
/// than every 4 MB, so the pages every batch touches (index interiors) are
/// copied back to the database less often. Everything acknowledged to a
/// submitter keeps the server's own connections' settings.
pub fn for_bulk_load(conn: &mut DbConn) -> Result<(), DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16384;")?
        }
        DbConn::Pg(c) => c.batch_execute("SET synchronous_commit = off")?,
    }
    Ok(())
}

/// Brings PostgreSQL's statistics of a table up to date. A bulk load
/// grows tables from nothing: with the statistics of an empty table the
/// planner scans them whole for each lookup by a unique key, and a lookup
/// per batch gets slower with every batch. SQLite's planner uses the index
/// whatever the size, so there it does nothing.
pub fn refresh_statistics(conn: &mut DbConn, table: &str) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        // The name is one of ours (no input reaches it): quoted all the same.
        c.batch_execute(&format!("ANALYZE \"{}\"", table.replace('"', "")))?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Config(&'static str),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// One failure reported to a second waiter (errors do not clone).
    #[error("{0}")]
    Repeated(String),
}

pub fn run_migrations(conn: &mut DbConn) -> Result<(), DbError> {
    let result = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| DbError::Migration(e.to_string()))
}

pub struct Manager(DatabaseUrl);

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;

pub fn pool(url: &DatabaseUrl, size: u32) -> Result<Pool, DbError> {
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager(url.clone()))?)
}

/// A transaction that writes. On SQLite it starts with `BEGIN IMMEDIATE`:
/// a deferred transaction that reads first and writes later fails at once
/// with SQLITE_BUSY when another connection (the receipt worker, the CLI)
/// wrote in between, whatever the busy timeout. Taking the write lock up
/// front makes the busy timeout apply instead.
///
/// Inside a transaction already open (the writer runs background writes
/// inside its group commit) it is a savepoint: its failure undoes only its
/// own writes.
pub fn write_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, DbError>,
) -> Result<T, DbError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if matches!(conn, DbConn::Pg(_)) || transaction_open(conn)? {
        return conn.transaction(f);
    }
    let DbConn::Sqlite(inner) = conn else {
        unreachable!("SQLite")
    };
    // Begun through diesel's transaction manager, so that diesel knows a
    // transaction is open and nests its own (in batch inserts) as savepoints.
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConn::Sqlite(inner) = conn else {
        unreachable!("still SQLite")
    };
    match result {
        Ok(v) => match AnsiTransactionManager::commit_transaction(inner) {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(inner);
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = AnsiTransactionManager::rollback_transaction(inner);
            Err(e)
        }
    }
}

/// Runs `f` in the transaction already open, or in a new one.
pub fn in_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, DbError>,
) -> Result<T, DbError> {
    if transaction_open(conn)? {
        f(conn)
    } else {
        write_transaction(conn, f)
    }
}

fn transaction_open(conn: &mut DbConn) -> Result<bool, DbError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = match conn {
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?
        }
        DbConn::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?
        }
    };
    Ok(depth.is_some())
}

/// Rows one statement built from a JSON array adds at most (a comment id
/// is about 40 bytes of JSON, a pair of ids about 80).
const JSON_ROWS_A_STATEMENT: usize = 5_000;

/// Hands `items` to `insert` as JSON arrays of at most 5,000 items, and
/// sums what it returns (rows added): a set of rows in one statement, read
/// back in SQL by `json_each` (SQLite) or `jsonb_array_elements`
/// (PostgreSQL). Rules and bulk tags add thousands of rows a write; a
/// statement per row spent a third of the writer's time in diesel building
/// and binding them.
pub(crate) fn insert_json_chunks<T: serde::Serialize>(
    conn: &mut DbConn,
    items: &[T],
    mut insert: impl FnMut(&mut DbConn, &str) -> Result<usize, DbError>,
) -> Result<usize, DbError> {
    let mut added = 0;
    for part in items.chunks(JSON_ROWS_A_STATEMENT) {
        let json = serde_json::to_string(part).map_err(|e| DbError::Corrupt(e.to_string()))?;
        added += insert(conn, &json)?;
    }
    Ok(added)
}

/// Runs a raw `sql_query` (`query.execute`, `query.load`, ...) on
/// whichever backend `conn` is.
macro_rules! raw_query {
    ($conn:expr, $query:ident . $method:ident) => {
        match $conn {
            $crate::db::DbConn::Pg(c) => $query.$method(c)?,
            $crate::db::DbConn::Sqlite(c) => $query.$method(c)?,
        }
    };
}
pub(crate) use raw_query;

/// Inserts rows the cheapest way each backend has. PostgreSQL: one
/// multi-row INSERT (one round trip). SQLite: one prepared statement run per
/// row; diesel's SQLite batch insert wraps rows in savepoints, whose
/// sub-journal costs more than the statements.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match $conn {
                $crate::db::DbConn::Pg(c) => {
                    diesel::insert_into($table).values(rows).execute(c)?;
                }
                $crate::db::DbConn::Sqlite(c) => {
                    for row in rows {
                        diesel::insert_into($table).values(row).execute(c)?;
                    }
                }
            }
        }
    }};
}
pub(crate) use insert_rows;
