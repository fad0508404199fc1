//! The `deadline_changes` table: each change of a docket's closing time,
//! with its public notice.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::deadline_changes;
use crate::domain::docket::DeadlineChange;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deadline_changes)]
pub struct DeadlineChangeRow {
    pub id: String,
    pub docket_id: String,
    pub closes_before: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub notice: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

impl DeadlineChangeRow {
    pub fn into_change(self) -> DeadlineChange {
        DeadlineChange {
            closes_before: self.closes_before.and_utc(),
            closes_at: self.closes_at.and_utc(),
            notice: self.notice,
            at: self.created_at.and_utc(),
        }
    }
}

pub fn insert(conn: &mut DbConn, row: &DeadlineChangeRow) -> Result<(), DbError> {
    diesel::insert_into(deadline_changes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A docket's changes, oldest first.
pub fn for_docket(conn: &mut DbConn, docket: &str) -> Result<Vec<DeadlineChange>, DbError> {
    Ok(deadline_changes::table
        .filter(deadline_changes::docket_id.eq(docket))
        .order((deadline_changes::created_at, deadline_changes::id))
        .select(DeadlineChangeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(DeadlineChangeRow::into_change)
        .collect())
}
