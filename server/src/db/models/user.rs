//! The `users` table.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::users;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &UserRow) -> Result<(), DbError> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .filter(users::name.eq(name))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_password(conn: &mut DbConn, id: &str, hash: &str) -> Result<(), DbError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut DbConn) -> Result<Vec<UserRow>, DbError> {
    Ok(users::table
        .order(users::name)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Disables (`Some(now)`) or enables (`None`) an account; returns whether
/// it exists.
pub fn set_disabled(
    conn: &mut DbConn,
    id: &str,
    disabled_at: Option<NaiveDateTime>,
) -> Result<bool, DbError> {
    Ok(diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::disabled_at.eq(disabled_at))
        .execute(conn)?
        == 1)
}
