//! The `api_tokens` table: hashes of the bearer tokens accounts use.

use crate::db::connection::{DbConn, DbError};
use crate::db::models::user::UserRow;
use crate::db::schema::{api_tokens, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ApiTokenRow) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The enabled account a live token (not revoked, not expired) belongs to.
pub fn user_for(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<UserRow>, DbError> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .filter(users::disabled_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// An account's tokens, newest first.
pub fn for_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<ApiTokenRow>, DbError> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)?)
}

/// Revokes the account's live tokens whose hash starts with `hash_prefix`
/// (all of them for an empty prefix); returns how many.
pub fn revoke(
    conn: &mut DbConn,
    user_id: &str,
    hash_prefix: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::token_hash.like(format!("{hash_prefix}%")))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?)
}
