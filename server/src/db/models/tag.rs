//! The `tags` and `tag_names` tables: each docket's codebook, and every
//! name each tag has had.

use crate::db::connection::{raw_query, DbConn, DbError};
use crate::db::schema::{tag_names, tags};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: String,
    pub docket_id: String,
    pub path: String,
    pub label: String,
    pub instructions: String,
    pub retired_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = tag_names)]
struct TagName {
    docket_id: String,
    name: String,
    tag_id: String,
    named_at: NaiveDateTime,
}

/// The docket's codebook, in path order (parents before children).
pub fn for_docket(conn: &mut DbConn, docket: &str) -> Result<Vec<TagRow>, DbError> {
    Ok(tags::table
        .filter(tags::docket_id.eq(docket))
        .order(tags::path)
        .select(TagRow::as_select())
        .load(conn)?)
}

/// The tag a name means, current or former.
pub fn resolve(conn: &mut DbConn, docket: &str, name: &str) -> Result<Option<TagRow>, DbError> {
    Ok(tag_names::table
        .inner_join(tags::table)
        .filter(tag_names::docket_id.eq(docket))
        .filter(tag_names::name.eq(name))
        .select(TagRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> Result<Vec<TagRow>, DbError> {
    Ok(tags::table
        .filter(tags::id.eq_any(ids))
        .select(TagRow::as_select())
        .load(conn)?)
}

/// Whether a name was ever given to a tag of the docket.
pub fn name_used(conn: &mut DbConn, docket: &str, name: &str) -> Result<bool, DbError> {
    let n: i64 = tag_names::table
        .filter(tag_names::docket_id.eq(docket))
        .filter(tag_names::name.eq(name))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Adds a tag under its first name.
pub fn insert(conn: &mut DbConn, row: &TagRow) -> Result<(), DbError> {
    diesel::insert_into(tags::table).values(row).execute(conn)?;
    diesel::insert_into(tag_names::table)
        .values(TagName {
            docket_id: row.docket_id.clone(),
            name: row.path.clone(),
            tag_id: row.id.clone(),
            named_at: row.created_at,
        })
        .execute(conn)?;
    Ok(())
}

/// Gives a tag a new path; the old one keeps resolving to it.
pub fn rename(
    conn: &mut DbConn,
    tag: &TagRow,
    path: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(tags::table.find(&tag.id))
        .set((tags::path.eq(path), tags::updated_at.eq(now)))
        .execute(conn)?;
    diesel::insert_into(tag_names::table)
        .values(TagName {
            docket_id: tag.docket_id.clone(),
            name: path.to_string(),
            tag_id: tag.id.clone(),
            named_at: now,
        })
        .execute(conn)?;
    Ok(())
}

pub fn set_text(
    conn: &mut DbConn,
    id: &str,
    label: &str,
    instructions: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(tags::table.find(id))
        .set((
            tags::label.eq(label),
            tags::instructions.eq(instructions),
            tags::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Retires a tag (`Some(time)`) or brings it back (`None`).
pub fn set_retired(
    conn: &mut DbConn,
    id: &str,
    retired_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(tags::table.find(id))
        .set((tags::retired_at.eq(retired_at), tags::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Comments each tag of the docket is on (tag id, distinct comments), by
/// the tag itself only, from people's, bulk operations' and rules' tags
/// alike; the codebook adds up subtrees from the same rows.
pub fn comment_counts(conn: &mut DbConn, docket: &str) -> Result<Vec<(String, i64)>, DbError> {
    use diesel::sql_types::Text;
    // UNION, not UNION ALL: a comment a person and a rule both tagged
    // counts once.
    let (a, b) = match conn {
        DbConn::Pg(_) => ("$1", "$2"),
        DbConn::Sqlite(_) => ("?", "?"),
    };
    let sql = format!(
        "SELECT tag_id, count(*) AS comments FROM (\
           SELECT c.tag_id, c.comment_id FROM comment_tags c JOIN tags t ON t.id = c.tag_id \
           WHERE t.docket_id = {a} \
           UNION \
           SELECT r.tag_id, r.comment_id FROM rule_tags r JOIN tags t ON t.id = r.tag_id \
           WHERE t.docket_id = {b}) u GROUP BY tag_id"
    );
    let q = diesel::sql_query(sql)
        .bind::<Text, _>(docket)
        .bind::<Text, _>(docket);
    let rows: Vec<TagCount> = raw_query!(conn, q.load);
    Ok(rows.into_iter().map(|r| (r.tag_id, r.comments)).collect())
}

#[derive(QueryableByName)]
struct TagCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tag_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    comments: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Distinct comments carrying any of these tags (a subtree), by anyone
/// or any rule.
pub fn comments_with_any(conn: &mut DbConn, tag_ids: &[String]) -> Result<i64, DbError> {
    use diesel::sql_types::Text;
    let json = serde_json::to_string(tag_ids).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let (a, b) = match conn {
        DbConn::Pg(_) => (
            "SELECT jsonb_array_elements_text($1::jsonb)",
            "SELECT jsonb_array_elements_text($2::jsonb)",
        ),
        DbConn::Sqlite(_) => (
            "SELECT value FROM json_each(?)",
            "SELECT value FROM json_each(?)",
        ),
    };
    let sql = format!(
        "SELECT count(*) AS n FROM (\
           SELECT comment_id FROM comment_tags WHERE tag_id IN ({a}) \
           UNION \
           SELECT comment_id FROM rule_tags WHERE tag_id IN ({b})) u"
    );
    let q = diesel::sql_query(sql)
        .bind::<Text, _>(&json)
        .bind::<Text, _>(&json);
    let row: Count = raw_query!(conn, q.get_result);
    Ok(row.n)
}
