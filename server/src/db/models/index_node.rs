//! The `index_nodes` and `feed_horizon` tables: how far each node's index
//! has applied the change feed, and how far the feed has been purged.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{feed_horizon, index_nodes};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Records that `node`'s index has applied the feed through `seq`.
pub fn report(conn: &mut DbConn, node: &str, seq: i64, now: NaiveDateTime) -> Result<(), DbError> {
    let changed = diesel::update(index_nodes::table.filter(index_nodes::node_id.eq(node)))
        .set((
            index_nodes::applied_seq.eq(seq),
            index_nodes::seen_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(index_nodes::table)
            .values((
                index_nodes::node_id.eq(node),
                index_nodes::applied_seq.eq(seq),
                index_nodes::seen_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The least sequence applied by the nodes seen since `since`; `None`
/// when no node was.
pub fn least_applied(conn: &mut DbConn, since: NaiveDateTime) -> Result<Option<i64>, DbError> {
    Ok(index_nodes::table
        .filter(index_nodes::seen_at.ge(since))
        .select(diesel::dsl::min(index_nodes::applied_seq))
        .first::<Option<i64>>(conn)?)
}

/// The highest sequence the purge has removed (0: none).
pub fn purged_through(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(feed_horizon::table
        .select(feed_horizon::purged_through)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0))
}

pub fn set_purged_through(conn: &mut DbConn, seq: i64) -> Result<(), DbError> {
    diesel::update(feed_horizon::table.filter(feed_horizon::id.eq(1)))
        .set(feed_horizon::purged_through.eq(seq))
        .execute(conn)?;
    Ok(())
}
