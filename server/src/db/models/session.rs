//! The `sessions` table: signed-in browsers, by a hash of the cookie.

use crate::db::connection::{DbConn, DbError};
use crate::db::models::user::UserRow;
use crate::db::schema::{sessions, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &SessionRow) -> Result<(), DbError> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A session that has not expired, with its enabled account.
pub fn find_live(
    conn: &mut DbConn,
    id_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(SessionRow, UserRow)>, DbError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::id_hash.eq(id_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled_at.is_null())
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConn, id_hash: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::id_hash.eq(id_hash))).execute(conn)?;
    Ok(())
}

pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)?)
}

/// Ends every session of an account.
pub fn delete_for_user(conn: &mut DbConn, user_id: &str) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}
