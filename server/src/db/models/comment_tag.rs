//! The `comment_tags` table: which tags are on which comments, by whom
//! (a person, a bulk operation, a rule), and the passage an excerpt marks.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{comment_tags, tags};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PERSON: &str = "person";
pub const BULK: &str = "bulk";
pub const RULE: &str = "rule";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_tags)]
pub struct CommentTagRow {
    pub id: String,
    pub comment_id: String,
    pub tag_id: String,
    pub source: String,
    /// The bulk operation's or the rule's id; empty for a person.
    pub source_id: String,
    pub coder: String,
    /// Empty for the whole comment.
    pub excerpt_field: String,
    pub excerpt_start: i32,
    pub excerpt_end: i32,
    pub excerpt_text: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A tag on a comment with the tag's current path.
#[derive(Debug, Clone, Queryable)]
pub struct AppliedTag {
    pub row: CommentTagRow,
    pub path: String,
    pub label: String,
}

/// Adds a tag application unless the very same one exists (same tag,
/// source, coder and range; the unique index decides, so two nodes adding
/// it at once add it once). Returns whether it was added.
pub fn insert_once(conn: &mut DbConn, row: &CommentTagRow) -> Result<bool, DbError> {
    let added = match conn {
        DbConn::Pg(c) => diesel::insert_into(comment_tags::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(comment_tags::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(added == 1)
}

/// One tag put on many comments by one source (a bulk operation), on
/// the whole of each. (A rule's tags are rows of `rule_tags`: rule.rs.)
pub struct Application<'a> {
    pub tag_id: &'a str,
    pub source: &'a str,
    pub source_id: &'a str,
    pub coder: &'a str,
    pub at: NaiveDateTime,
}

/// Puts `a` on each of `comments`, as [`insert_once`] would one at a time
/// (an application already there is left); returns how many were added.
/// One statement per 5,000 comments, the comments as a JSON array of
/// `[id, comment]` pairs (`insert_json_chunks`).
pub fn insert_for_comments(
    conn: &mut DbConn,
    a: &Application<'_>,
    comments: &[&str],
) -> Result<usize, DbError> {
    use crate::db::connection::{insert_json_chunks, raw_query};
    use diesel::sql_types::{Text, Timestamp};
    let pairs: Vec<(String, &str)> = comments
        .iter()
        .map(|c| (uuid::Uuid::now_v7().to_string(), *c))
        .collect();
    insert_json_chunks(conn, &pairs, |conn, json| {
        // `WHERE true`: SQLite needs it to read ON CONFLICT after a SELECT.
        let select = match conn {
            DbConn::Pg(_) => {
                "SELECT value ->> 0, value ->> 1, $1, $2, $3, $4, '', 0, 0, NULL, $5 \
                 FROM jsonb_array_elements($6::jsonb) WHERE true ON CONFLICT DO NOTHING"
            }
            DbConn::Sqlite(_) => {
                "SELECT value ->> 0, value ->> 1, ?, ?, ?, ?, '', 0, 0, NULL, ? \
                 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING"
            }
        };
        let query = diesel::sql_query(format!(
            "INSERT INTO comment_tags (id, comment_id, tag_id, source, source_id, coder, \
             excerpt_field, excerpt_start, excerpt_end, excerpt_text, created_at) {select}"
        ))
        .bind::<Text, _>(a.tag_id)
        .bind::<Text, _>(a.source)
        .bind::<Text, _>(a.source_id)
        .bind::<Text, _>(a.coder)
        .bind::<Timestamp, _>(a.at)
        .bind::<Text, _>(json);
        Ok(raw_query!(conn, query.execute))
    })
}

/// What identifies one application for removal.
#[derive(Debug, Clone)]
pub struct Applied<'a> {
    pub comment_id: &'a str,
    pub tag_id: &'a str,
    pub source: &'a str,
    pub source_id: &'a str,
    pub coder: &'a str,
    pub excerpt_field: &'a str,
    pub excerpt_start: i32,
    pub excerpt_end: i32,
}

/// Removes one application; returns the removed row, if there was one.
pub fn delete_one(conn: &mut DbConn, a: &Applied<'_>) -> Result<Option<CommentTagRow>, DbError> {
    let target = comment_tags::table
        .filter(comment_tags::comment_id.eq(a.comment_id))
        .filter(comment_tags::tag_id.eq(a.tag_id))
        .filter(comment_tags::source.eq(a.source))
        .filter(comment_tags::source_id.eq(a.source_id))
        .filter(comment_tags::coder.eq(a.coder))
        .filter(comment_tags::excerpt_field.eq(a.excerpt_field))
        .filter(comment_tags::excerpt_start.eq(a.excerpt_start))
        .filter(comment_tags::excerpt_end.eq(a.excerpt_end));
    let Some(row) = target
        .select(CommentTagRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    diesel::delete(comment_tags::table.find(&row.id)).execute(conn)?;
    Ok(Some(row))
}

/// Every tag on a comment, oldest first: its rows here and its rules'
/// tags (`rule_tags`), the latter as rows of source `rule`.
pub fn for_comment(conn: &mut DbConn, comment_id: &str) -> Result<Vec<AppliedTag>, DbError> {
    let mut all: Vec<AppliedTag> = comment_tags::table
        .inner_join(tags::table)
        .filter(comment_tags::comment_id.eq(comment_id))
        .order((comment_tags::created_at, comment_tags::id))
        .select((CommentTagRow::as_select(), tags::path, tags::label))
        .load(conn)?
        .into_iter()
        .map(|(row, path, label)| AppliedTag { row, path, label })
        .collect();
    for t in crate::db::models::rule::tags_on(conn, comment_id)? {
        all.push(AppliedTag {
            row: CommentTagRow {
                id: String::new(),
                comment_id: t.comment_id,
                tag_id: t.tag_id,
                source: RULE.into(),
                source_id: t.rule_id,
                coder: t.author,
                excerpt_field: String::new(),
                excerpt_start: 0,
                excerpt_end: 0,
                excerpt_text: None,
                created_at: t.created_at,
            },
            path: t.path,
            label: t.label,
        });
    }
    // Stable: each source's own order among equal times.
    all.sort_by_key(|a| a.row.created_at);
    Ok(all)
}

/// The current paths of the tags on these comments, by anyone or any
/// rule: (comment id, path), each pair once, sorted, for the index.
pub fn paths_for_comments(
    conn: &mut DbConn,
    comment_ids: &[String],
) -> Result<Vec<(String, String)>, DbError> {
    let mut pairs: Vec<(String, String)> = comment_tags::table
        .inner_join(tags::table)
        .filter(comment_tags::comment_id.eq_any(comment_ids))
        .select((comment_tags::comment_id, tags::path))
        .distinct()
        .load(conn)?;
    pairs.extend(crate::db::models::rule::paths_for_comments(
        conn,
        comment_ids,
    )?);
    pairs.sort();
    pairs.dedup();
    Ok(pairs)
}

/// (comment id, tag id) of every tag on the comments whose ids lie from
/// `first` to `last`, by anyone or any rule, in id order (a tag put twice
/// comes twice). For a run of a docket's comments read in id order (the
/// comments export): one range walk of each table's comment index, where
/// a list of ids costs a lookup and a temporary index per id.
pub fn tag_ids_between(
    conn: &mut DbConn,
    first: &str,
    last: &str,
) -> Result<Vec<(String, String)>, DbError> {
    let mut pairs: Vec<(String, String)> = comment_tags::table
        .filter(comment_tags::comment_id.between(first, last))
        .select((comment_tags::comment_id, comment_tags::tag_id))
        .order(comment_tags::comment_id)
        .load(conn)?;
    pairs.extend(crate::db::models::rule::tag_ids_between(conn, first, last)?);
    Ok(pairs)
}

/// The comments a tag is on, by anyone or any rule (to re-index them
/// after a rename).
pub fn comments_with_tag(conn: &mut DbConn, tag_id: &str) -> Result<Vec<String>, DbError> {
    let mut ids: Vec<String> = comment_tags::table
        .filter(comment_tags::tag_id.eq(tag_id))
        .select(comment_tags::comment_id)
        .distinct()
        .load(conn)?;
    ids.extend(crate::db::models::rule::comments_with_tag(conn, tag_id)?);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Who put which tag (current path) on which comment of a docket, by
/// hand, among these coders: (coder, comment id, path).
pub fn person_codings(
    conn: &mut DbConn,
    docket: &str,
    coders: &[String],
) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(comment_tags::table
        .inner_join(tags::table)
        .filter(tags::docket_id.eq(docket))
        .filter(comment_tags::source.eq(PERSON))
        .filter(comment_tags::coder.eq_any(coders))
        .select((comment_tags::coder, comment_tags::comment_id, tags::path))
        .distinct()
        .load(conn)?)
}

/// Coded excerpts of a docket, oldest first, among the oldest `limit` of
/// every docket: (tag path, comment id, tracking number, excerpt text).
/// The summary's quotes. Read from the partial index of excerpts first
/// (joined from the docket's comments, the query read every tag row).
pub fn excerpts(
    conn: &mut DbConn,
    docket: &str,
    limit: i64,
) -> Result<Vec<(String, String, String, String)>, DbError> {
    use crate::db::schema::comments;
    let rows: Vec<(String, String, Option<String>)> = comment_tags::table
        .filter(comment_tags::excerpt_text.is_not_null())
        .order((comment_tags::created_at, comment_tags::id))
        .limit(limit)
        .select((
            comment_tags::tag_id,
            comment_tags::comment_id,
            comment_tags::excerpt_text,
        ))
        .load(conn)?;
    let mut tag_ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    tag_ids.sort();
    tag_ids.dedup();
    let mut paths = std::collections::HashMap::new();
    for chunk in tag_ids.chunks(500) {
        for (id, path) in tags::table
            .filter(tags::id.eq_any(chunk))
            .filter(tags::docket_id.eq(docket))
            .select((tags::id, tags::path))
            .load::<(String, String)>(conn)?
        {
            paths.insert(id, path);
        }
    }
    let mut comment_ids: Vec<String> = rows
        .iter()
        .filter(|r| paths.contains_key(&r.0))
        .map(|r| r.1.clone())
        .collect();
    comment_ids.sort();
    comment_ids.dedup();
    let mut tracking = std::collections::HashMap::new();
    for chunk in comment_ids.chunks(500) {
        for (id, tn) in comments::table
            .filter(comments::id.eq_any(chunk))
            .select((comments::id, comments::tracking_number))
            .load::<(String, String)>(conn)?
        {
            tracking.insert(id, tn);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|(tag, comment, text)| {
            Some((
                paths.get(&tag)?.clone(),
                tracking.get(&comment)?.clone(),
                comment,
                text?,
            ))
        })
        .map(|(path, tn, comment, text)| (path, comment, tn, text))
        .collect())
}
