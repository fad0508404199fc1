//! The database's side of `rfidesk backup` and `restore`: a consistent copy
//! of a live SQLite database, and whether a database is empty enough to
//! restore into. (PostgreSQL's copy is pg_dump's, run by `backup.rs`.)

use super::{DbConn, DbError};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::path::Path;

/// Writes a consistent copy of the SQLite database to `path` (which must
/// not exist), while writers go on: `VACUUM INTO` reads one snapshot, and
/// the copy is compact and has no WAL of its own.
pub fn sqlite_copy(conn: &mut DbConn, path: &Path) -> Result<(), DbError> {
    let DbConn::Sqlite(c) = conn else {
        return Err(DbError::Config("not a SQLite database"));
    };
    let path = path
        .to_str()
        .ok_or(DbError::Config("the backup path is not UTF-8"))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(path)
        .execute(c)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Tables in the database (PostgreSQL: in its public schema): a restore
/// goes only into a database that has none.
pub fn table_count(conn: &mut DbConn) -> Result<i64, DbError> {
    let count = match conn {
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .get_result::<Count>(c)?,
        DbConn::Sqlite(c) => {
            diesel::sql_query("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
                .get_result::<Count>(c)?
        }
    };
    Ok(count.n)
}
