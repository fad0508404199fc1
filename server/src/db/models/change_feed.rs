//! The `change_feed` table: every write search must see, in order.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::change_feed;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = change_feed)]
pub struct NewChange {
    pub kind: String,
    pub comment_id: String,
    pub docket_id: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = change_feed)]
pub struct Change {
    pub seq: i64,
    pub kind: String,
    pub comment_id: String,
    pub docket_id: String,
    pub created_at: NaiveDateTime,
}

pub const COMMENT_CREATED: &str = "comment_created";

pub fn append(conn: &mut DbConn, rows: &[NewChange]) -> Result<(), DbError> {
    crate::db::connection::insert_rows!(conn, change_feed::table, rows);
    Ok(())
}

pub fn after(conn: &mut DbConn, seq: i64, limit: i64) -> Result<Vec<Change>, DbError> {
    Ok(change_feed::table
        .filter(change_feed::seq.gt(seq))
        .order(change_feed::seq)
        .limit(limit)
        .select(Change::as_select())
        .load(conn)?)
}
