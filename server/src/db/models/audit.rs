//! The `audit_log` table: every change to a codebook and to tags, in
//! order, with who made it. Appended in the transaction of the change.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::audit_log;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewEntry {
    pub docket_id: String,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// JSON.
    pub detail: String,
}

impl NewEntry {
    pub fn new(
        docket: &str,
        actor: &str,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
        at: NaiveDateTime,
    ) -> Self {
        NewEntry {
            docket_id: docket.to_string(),
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            detail: detail.to_string(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: i64,
    pub docket_id: String,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

pub fn append(conn: &mut DbConn, entries: &[NewEntry]) -> Result<(), DbError> {
    crate::db::connection::insert_rows!(conn, audit_log::table, entries);
    Ok(())
}

/// What to list: one docket's entries after `after`, optionally of one
/// subject (a tracking number, a tag path) or one actor.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub after: i64,
    pub subject: Option<String>,
    pub actor: Option<String>,
}

/// Up to `limit` entries, oldest first.
pub fn page(
    conn: &mut DbConn,
    docket: &str,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, DbError> {
    let mut q = audit_log::table
        .filter(audit_log::docket_id.eq(docket))
        .filter(audit_log::id.gt(filter.after))
        .into_boxed();
    if let Some(s) = &filter.subject {
        q = q.filter(audit_log::subject.eq(s.clone()));
    }
    if let Some(a) = &filter.actor {
        q = q.filter(audit_log::actor.eq(a.clone()));
    }
    Ok(q.order(audit_log::id)
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}
