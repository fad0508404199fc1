//! `organization_groups`: analysts' corrections of how a docket's
//! organization spellings are grouped in summaries.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::organization_groups;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organization_groups)]
pub struct GroupRow {
    pub docket_id: String,
    /// As written (trimmed).
    pub spelling: String,
    pub group_key: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

/// Puts a spelling in a group (replacing an earlier correction).
pub fn put(conn: &mut DbConn, row: &GroupRow) -> Result<(), DbError> {
    remove(conn, &row.docket_id, &row.spelling)?;
    diesel::insert_into(organization_groups::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Takes a spelling's correction away; whether there was one.
pub fn remove(conn: &mut DbConn, docket: &str, spelling: &str) -> Result<bool, DbError> {
    Ok(diesel::delete(
        organization_groups::table
            .filter(organization_groups::docket_id.eq(docket))
            .filter(organization_groups::spelling.eq(spelling)),
    )
    .execute(conn)?
        > 0)
}

/// (spelling, group key) of every correction of a docket.
pub fn for_docket(conn: &mut DbConn, docket: &str) -> Result<Vec<(String, String)>, DbError> {
    Ok(organization_groups::table
        .filter(organization_groups::docket_id.eq(docket))
        .select((
            organization_groups::spelling,
            organization_groups::group_key,
        ))
        .load(conn)?)
}
