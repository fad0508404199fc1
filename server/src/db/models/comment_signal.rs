//! `comment_signals`: which signals concern each comment, and where they
//! were found (a campaign's id, or [`DOCKET`] for the docket-wide ones).
//! Search filters and counts by them; the explanations stay with their
//! source.

use crate::db::connection::{insert_rows, raw_query, DbConn, DbError};
use crate::db::schema::comment_signals;
use diesel::prelude::*;
use std::collections::{BTreeSet, HashSet};

/// The source of signals found over a whole docket.
pub const DOCKET: &str = "docket";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_signals)]
pub struct SignalRow {
    pub source: String,
    pub comment_id: String,
    pub kind: String,
    pub docket_id: String,
}

/// Makes `source`'s rows in `docket` exactly `rows` (comment id, kind).
/// Returns the comments whose rows changed, for re-indexing.
pub fn replace_source(
    conn: &mut DbConn,
    docket: &str,
    source: &str,
    rows: &[(String, String)],
) -> Result<Vec<String>, DbError> {
    let old: Vec<SignalRow> = comment_signals::table
        .filter(comment_signals::source.eq(source))
        .select(SignalRow::as_select())
        .load(conn)?;
    let new = rows.iter().map(|(c, k)| SignalRow {
        source: source.to_string(),
        comment_id: c.clone(),
        kind: k.clone(),
        docket_id: docket.to_string(),
    });
    apply_diff(conn, old, new.collect())
}

/// Makes every row of `docket` exactly `rows` (a rebuild). Returns the
/// comments whose rows changed.
pub fn replace_docket(
    conn: &mut DbConn,
    docket: &str,
    rows: Vec<SignalRow>,
) -> Result<Vec<String>, DbError> {
    let old: Vec<SignalRow> = comment_signals::table
        .filter(comment_signals::docket_id.eq(docket))
        .select(SignalRow::as_select())
        .load(conn)?;
    apply_diff(conn, old, rows)
}

/// Deletes what is in `old` only and inserts what is in `new` only: a
/// campaign whose signals stay as they were writes nothing.
fn apply_diff(
    conn: &mut DbConn,
    old: Vec<SignalRow>,
    new: Vec<SignalRow>,
) -> Result<Vec<String>, DbError> {
    let old: BTreeSet<SignalRow> = old.into_iter().collect();
    let new: BTreeSet<SignalRow> = new.into_iter().collect();
    let gone: Vec<&SignalRow> = old.difference(&new).collect();
    let added: Vec<&SignalRow> = new.difference(&old).collect();
    for r in &gone {
        diesel::delete(
            comment_signals::table
                .filter(comment_signals::source.eq(&r.source))
                .filter(comment_signals::comment_id.eq(&r.comment_id))
                .filter(comment_signals::kind.eq(&r.kind)),
        )
        .execute(conn)?;
    }
    for chunk in added.chunks(500) {
        let rows: Vec<SignalRow> = chunk.iter().map(|r| (*r).clone()).collect();
        insert_rows!(conn, comment_signals::table, &rows);
    }
    let mut changed: Vec<String> = gone
        .iter()
        .chain(added.iter())
        .map(|r| r.comment_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    changed.sort();
    Ok(changed)
}

/// (comment id, kind) for these comments, each kind once: what the index
/// holds.
pub fn kinds_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<(String, String)>, DbError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            comment_signals::table
                .filter(comment_signals::comment_id.eq_any(chunk))
                .select((comment_signals::comment_id, comment_signals::kind))
                .distinct()
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// One comment's (source, kind) rows.
pub fn of_comment(conn: &mut DbConn, id: &str) -> Result<Vec<(String, String)>, DbError> {
    Ok(comment_signals::table
        .filter(comment_signals::comment_id.eq(id))
        .order((comment_signals::source, comment_signals::kind))
        .select((comment_signals::source, comment_signals::kind))
        .load(conn)?)
}

/// Per kind, the comments of `docket` it concerns (each comment once).
pub fn counts(conn: &mut DbConn, docket: &str) -> Result<Vec<(String, i64)>, DbError> {
    let q = diesel::sql_query(
        "SELECT kind, CAST(COUNT(DISTINCT comment_id) AS BIGINT) AS n \
         FROM comment_signals WHERE docket_id = $1 GROUP BY kind",
    )
    .bind::<diesel::sql_types::Text, _>(docket);
    let rows: Vec<KindCount> = raw_query!(conn, q.load);
    Ok(rows.into_iter().map(|r| (r.kind, r.n)).collect())
}

#[derive(QueryableByName)]
struct KindCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
