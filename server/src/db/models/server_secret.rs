//! The `server_secrets` table: keys every node of a deployment must share
//! (so two nodes hash one client address alike), made once.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::server_secrets;
use diesel::prelude::*;

/// The secret called `name`, made with `make` by whichever node asks first.
pub fn get_or_create(
    conn: &mut DbConn,
    name: &str,
    make: impl FnOnce() -> String,
) -> Result<String, DbError> {
    let existing = server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .first::<String>(conn)
        .optional()?;
    if let Some(v) = existing {
        return Ok(v);
    }
    // Two nodes starting together: one insert wins, both read it.
    let insert = diesel::insert_into(server_secrets::table)
        .values((
            server_secrets::name.eq(name),
            server_secrets::value.eq(make()),
        ))
        .on_conflict_do_nothing();
    match conn {
        DbConn::Pg(c) => insert.execute(c)?,
        DbConn::Sqlite(c) => insert.execute(c)?,
    };
    Ok(server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .first::<String>(conn)?)
}
