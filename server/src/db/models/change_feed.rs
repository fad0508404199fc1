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

/// Any number: the key of the PostgreSQL advisory lock that orders appends.
const FEED_LOCK: i64 = 0x7266_6465_736b;

/// Appends changes; only `db::indexed::write` calls it, last in its
/// transaction.
///
/// On PostgreSQL, BIGSERIAL numbers are drawn at insert but become visible
/// at commit, so two transactions can commit out of order and a follower
/// that read seq 11 before seq 10 committed would skip 10 for good. A
/// transaction-scoped advisory lock, taken before the numbers are drawn and
/// released by the commit, makes sequence order the commit order. Writes
/// are group commits, so this serialises batches, not comments. SQLite has
/// one writer and needs nothing.
pub(in crate::db) fn append(conn: &mut DbConn, rows: &[NewChange]) -> Result<(), DbError> {
    if rows.is_empty() {
        return Ok(());
    }
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({FEED_LOCK})")).execute(pg)?;
    }
    crate::db::connection::insert_rows!(conn, change_feed::table, rows);
    Ok(())
}

/// The last sequence number written, 0 for an empty feed.
pub fn head(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(change_feed::table
        .select(diesel::dsl::max(change_feed::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

pub fn after(conn: &mut DbConn, seq: i64, limit: i64) -> Result<Vec<Change>, DbError> {
    Ok(change_feed::table
        .filter(change_feed::seq.gt(seq))
        .order(change_feed::seq)
        .limit(limit)
        .select(Change::as_select())
        .load(conn)?)
}

/// Removes changes up to and including `seq` that were written before
/// `before`; returns the highest sequence removed, if any.
pub fn delete_through(
    conn: &mut DbConn,
    seq: i64,
    before: NaiveDateTime,
) -> Result<Option<i64>, DbError> {
    let target = change_feed::table
        .filter(change_feed::seq.le(seq))
        .filter(change_feed::created_at.lt(before));
    let highest = target
        .select(diesel::dsl::max(change_feed::seq))
        .first::<Option<i64>>(conn)?;
    if highest.is_some() {
        diesel::delete(target).execute(conn)?;
    }
    Ok(highest)
}
