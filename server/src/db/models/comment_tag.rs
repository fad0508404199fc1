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

impl CommentTagRow {
    /// A rule's tag on a comment (the whole comment; the rule's author
    /// as coder).
    pub fn by_rule(
        comment_id: &str,
        rule: &crate::db::models::rule::RuleRow,
        at: NaiveDateTime,
    ) -> Self {
        CommentTagRow {
            id: uuid::Uuid::now_v7().to_string(),
            comment_id: comment_id.to_string(),
            tag_id: rule.tag_id.clone(),
            source: RULE.into(),
            source_id: rule.id.clone(),
            coder: rule.author.clone(),
            excerpt_field: String::new(),
            excerpt_start: 0,
            excerpt_end: 0,
            excerpt_text: None,
            created_at: at,
        }
    }
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

/// Adds many applications, as [`insert_once`] does each, a few hundred
/// rows to a statement (a rule's window adds thousands). Returns how many
/// were added.
pub fn insert_many_once(conn: &mut DbConn, rows: &[CommentTagRow]) -> Result<usize, DbError> {
    use comment_tags::dsl as t;
    let mut added = 0;
    // 12 columns a row: well under SQLite's 32,766 parameters. Written
    // as column = value (not the row struct) so a missing excerpt is a
    // bound NULL, which SQLite's multi-row VALUES needs (no DEFAULT).
    for chunk in rows.chunks(500) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                (
                    t::id.eq(&r.id),
                    t::comment_id.eq(&r.comment_id),
                    t::tag_id.eq(&r.tag_id),
                    t::source.eq(&r.source),
                    t::source_id.eq(&r.source_id),
                    t::coder.eq(&r.coder),
                    t::excerpt_field.eq(&r.excerpt_field),
                    t::excerpt_start.eq(r.excerpt_start),
                    t::excerpt_end.eq(r.excerpt_end),
                    t::excerpt_text.eq(r.excerpt_text.as_deref()),
                    t::created_at.eq(r.created_at),
                )
            })
            .collect();
        added += match conn {
            DbConn::Pg(c) => diesel::insert_into(comment_tags::table)
                .values(&values)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(comment_tags::table)
                .values(&values)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    Ok(added)
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

/// Every tag on a comment, oldest first.
pub fn for_comment(conn: &mut DbConn, comment_id: &str) -> Result<Vec<AppliedTag>, DbError> {
    Ok(comment_tags::table
        .inner_join(tags::table)
        .filter(comment_tags::comment_id.eq(comment_id))
        .order((comment_tags::created_at, comment_tags::id))
        .select((CommentTagRow::as_select(), tags::path, tags::label))
        .load(conn)?
        .into_iter()
        .map(|(row, path, label)| AppliedTag { row, path, label })
        .collect())
}

/// The current paths of the tags on these comments: (comment id, path),
/// each pair once, for the index.
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
    pairs.sort();
    Ok(pairs)
}

/// The comments a tag is on (to re-index them after a rename).
pub fn comments_with_tag(conn: &mut DbConn, tag_id: &str) -> Result<Vec<String>, DbError> {
    Ok(comment_tags::table
        .filter(comment_tags::tag_id.eq(tag_id))
        .select(comment_tags::comment_id)
        .distinct()
        .load(conn)?)
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
