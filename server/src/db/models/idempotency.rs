//! The `idempotency_keys` table: the first answer to a retried request.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::idempotency_keys;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub docket_id: String,
    pub idem_key: String,
    pub request_hash: String,
    /// The JSON body of the first 201.
    pub response: String,
    pub created_at: NaiveDateTime,
}

pub fn find(
    conn: &mut DbConn,
    docket_id: &str,
    key: &str,
) -> Result<Option<IdempotencyRow>, DbError> {
    Ok(idempotency_keys::table
        .find((docket_id, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &IdempotencyRow) -> Result<(), DbError> {
    diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, docket_id: &str, key: &str) -> Result<(), DbError> {
    diesel::delete(idempotency_keys::table.find((docket_id, key))).execute(conn)?;
    Ok(())
}

/// Removes keys recorded before `before`; returns how many.
pub fn delete_before(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, DbError> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}
