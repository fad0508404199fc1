//! The `tag_rules`, `rule_tags` and `rule_rejections` tables: saved
//! searches whose matches carry a tag, the comments each has tagged, and
//! the comments where analysts said no.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{rule_rejections, rule_tags, tag_rules, tags};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const APPLYING: &str = "applying";
pub const ACTIVE: &str = "active";
pub const DELETING: &str = "deleting";
pub const DELETED: &str = "deleted";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tag_rules)]
pub struct RuleRow {
    pub id: String,
    pub docket_id: String,
    pub tag_id: String,
    pub search: String,
    pub author: String,
    pub status: String,
    pub version: i32,
    pub cursor: String,
    pub apply_seq: i64,
    pub checked_seq: i64,
    /// Its tags on comments now.
    pub tagged: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &RuleRow) -> Result<(), DbError> {
    diesel::insert_into(tag_rules::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A rule and its tag's current path.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<(RuleRow, String)>, DbError> {
    Ok(tag_rules::table
        .inner_join(tags::table)
        .filter(tag_rules::id.eq(id))
        .select((RuleRow::as_select(), tags::path))
        .first(conn)
        .optional()?)
}

/// A docket's rules that are not deleted, oldest first, with their tag's
/// path.
pub fn list(conn: &mut DbConn, docket: &str) -> Result<Vec<(RuleRow, String)>, DbError> {
    Ok(tag_rules::table
        .inner_join(tags::table)
        .filter(tag_rules::docket_id.eq(docket))
        .filter(tag_rules::status.ne(DELETED))
        .order((tag_rules::created_at, tag_rules::id))
        .select((RuleRow::as_select(), tags::path))
        .load(conn)?)
}

/// Every rule the job has work for or watches: all but the deleted.
pub fn live(conn: &mut DbConn) -> Result<Vec<RuleRow>, DbError> {
    Ok(tag_rules::table
        .filter(tag_rules::status.ne(DELETED))
        .order((tag_rules::created_at, tag_rules::id))
        .select(RuleRow::as_select())
        .load(conn)?)
}

/// The lowest change-feed position a rule still has to check from: an
/// active rule's `checked_seq`, or where a rule part-way applied read
/// its matches. The purge keeps every change after it.
pub fn least_unchecked(conn: &mut DbConn) -> Result<Option<i64>, DbError> {
    let active = tag_rules::table
        .filter(tag_rules::status.eq(ACTIVE))
        .select(diesel::dsl::min(tag_rules::checked_seq))
        .first::<Option<i64>>(conn)?;
    let applying = tag_rules::table
        .filter(tag_rules::status.eq(APPLYING))
        .filter(tag_rules::cursor.ne(""))
        .select(diesel::dsl::min(tag_rules::apply_seq))
        .first::<Option<i64>>(conn)?;
    Ok(match (active, applying) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Keeps a rule's count of tags: `delta` more (or fewer).
pub fn count_tags(conn: &mut DbConn, id: &str, delta: i64) -> Result<(), DbError> {
    if delta != 0 {
        diesel::update(tag_rules::table.filter(tag_rules::id.eq(id)))
            .set(tag_rules::tagged.eq(tag_rules::tagged + delta))
            .execute(conn)?;
    }
    Ok(())
}

/// The comments (with the tag) a rule has tagged after `cursor`, in id
/// order, up to `limit`.
pub fn tagged_after(
    conn: &mut DbConn,
    rule: &str,
    cursor: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(rule_tags::table
        .filter(rule_tags::rule_id.eq(rule))
        .filter(rule_tags::comment_id.gt(cursor))
        .order(rule_tags::comment_id)
        .limit(limit)
        .select((rule_tags::comment_id, rule_tags::tag_id))
        .load(conn)?)
}

/// Which comments of a window a rule has tagged (with the tag).
pub fn tagged_in(
    conn: &mut DbConn,
    rule: &str,
    window: &Window<'_>,
) -> Result<Vec<(String, String)>, DbError> {
    let mut q = rule_tags::table
        .filter(rule_tags::rule_id.eq(rule))
        .select((rule_tags::comment_id, rule_tags::tag_id))
        .into_boxed();
    match window {
        Window::Range { after, through } => {
            q = q.filter(rule_tags::comment_id.gt(*after));
            if let Some(through) = through {
                q = q.filter(rule_tags::comment_id.le(*through));
            }
        }
        Window::Ids(ids) => q = q.filter(rule_tags::comment_id.eq_any(*ids)),
    }
    Ok(q.load(conn)?)
}

/// Which comments of a window analysts rejected the rule on.
pub fn rejected_in(
    conn: &mut DbConn,
    rule: &str,
    window: &Window<'_>,
) -> Result<Vec<String>, DbError> {
    let mut q = rule_rejections::table
        .filter(rule_rejections::rule_id.eq(rule))
        .select(rule_rejections::comment_id)
        .into_boxed();
    match window {
        Window::Range { after, through } => {
            q = q.filter(rule_rejections::comment_id.gt(*after));
            if let Some(through) = through {
                q = q.filter(rule_rejections::comment_id.le(*through));
            }
        }
        Window::Ids(ids) => q = q.filter(rule_rejections::comment_id.eq_any(*ids)),
    }
    Ok(q.load(conn)?)
}

/// The comments one reconciling write looks at.
#[derive(Debug, Clone, Copy)]
pub enum Window<'a> {
    /// Comment ids after `after`, through `through` (to the end if `None`).
    Range {
        after: &'a str,
        through: Option<&'a str>,
    },
    /// These comments (just changed).
    Ids(&'a [String]),
}

/// Takes the rule's tag off these comments.
pub fn untag(conn: &mut DbConn, rule: &str, comment_ids: &[String]) -> Result<usize, DbError> {
    let mut n = 0;
    for chunk in comment_ids.chunks(1_000) {
        n += diesel::delete(
            rule_tags::table
                .filter(rule_tags::rule_id.eq(rule))
                .filter(rule_tags::comment_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(n)
}

/// Puts the rule's tag on each of `comments` (one it is already on is
/// left); returns how many were added. One statement per 5,000 comments,
/// the comments as a JSON array (`insert_json_chunks`).
pub fn tag_comments(
    conn: &mut DbConn,
    rule: &RuleRow,
    comments: &[&str],
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    use crate::db::connection::{insert_json_chunks, raw_query};
    use diesel::sql_types::{Text, Timestamp};
    insert_json_chunks(conn, comments, |conn, json| {
        // `WHERE true`: SQLite needs it to read ON CONFLICT after a SELECT.
        let sql = match conn {
            DbConn::Pg(_) => {
                "INSERT INTO rule_tags (rule_id, comment_id, tag_id, created_at) \
                 SELECT $1, value, $2, $3 FROM jsonb_array_elements_text($4::jsonb) \
                 WHERE true ON CONFLICT DO NOTHING"
            }
            DbConn::Sqlite(_) => {
                "INSERT INTO rule_tags (rule_id, comment_id, tag_id, created_at) \
                 SELECT ?, value, ?, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING"
            }
        };
        let query = diesel::sql_query(sql)
            .bind::<Text, _>(&rule.id)
            .bind::<Text, _>(&rule.tag_id)
            .bind::<Timestamp, _>(at)
            .bind::<Text, _>(json);
        Ok(raw_query!(conn, query.execute))
    })
}

/// A rule's tag on one comment, as the comment's tags list it.
#[derive(Debug, Clone)]
pub struct RuleTag {
    pub rule_id: String,
    pub comment_id: String,
    pub tag_id: String,
    /// The rule's author.
    pub author: String,
    pub created_at: NaiveDateTime,
    pub path: String,
    pub label: String,
}

/// The rule tags on a comment, oldest first.
pub fn tags_on(conn: &mut DbConn, comment_id: &str) -> Result<Vec<RuleTag>, DbError> {
    let rows: Vec<(
        String,
        String,
        String,
        NaiveDateTime,
        String,
        String,
        String,
    )> = rule_tags::table
        .inner_join(tags::table)
        .inner_join(tag_rules::table)
        .filter(rule_tags::comment_id.eq(comment_id))
        .order((rule_tags::created_at, rule_tags::rule_id))
        .select((
            rule_tags::rule_id,
            rule_tags::comment_id,
            rule_tags::tag_id,
            rule_tags::created_at,
            tag_rules::author,
            tags::path,
            tags::label,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(rule_id, comment_id, tag_id, created_at, author, path, label)| RuleTag {
                rule_id,
                comment_id,
                tag_id,
                author,
                created_at,
                path,
                label,
            },
        )
        .collect())
}

/// The current paths of the rule tags on these comments: (comment id,
/// path), for the index.
pub fn paths_for_comments(
    conn: &mut DbConn,
    comment_ids: &[String],
) -> Result<Vec<(String, String)>, DbError> {
    Ok(rule_tags::table
        .inner_join(tags::table)
        .filter(rule_tags::comment_id.eq_any(comment_ids))
        .select((rule_tags::comment_id, tags::path))
        .distinct()
        .load(conn)?)
}

/// (comment id, tag id) that rules put on the comments from `first` to
/// `last` (see `comment_tag::tag_ids_between`).
pub fn tag_ids_between(
    conn: &mut DbConn,
    first: &str,
    last: &str,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(rule_tags::table
        .filter(rule_tags::comment_id.between(first, last))
        .select((rule_tags::comment_id, rule_tags::tag_id))
        .order(rule_tags::comment_id)
        .load(conn)?)
}

/// The comments rules put a tag on (to re-index them after a rename).
pub fn comments_with_tag(conn: &mut DbConn, tag_id: &str) -> Result<Vec<String>, DbError> {
    Ok(rule_tags::table
        .filter(rule_tags::tag_id.eq(tag_id))
        .select(rule_tags::comment_id)
        .distinct()
        .load(conn)?)
}

/// Where a rule's job stands; written only if the rule is still at the
/// version and cursor the run began from (an edit meanwhile wins).
pub struct Progress<'a> {
    pub version: i32,
    pub from_cursor: &'a str,
    pub status: &'a str,
    pub cursor: &'a str,
    pub apply_seq: i64,
    pub checked_seq: i64,
}

/// Records progress; returns whether the rule was still where the run
/// began.
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    p: &Progress<'_>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        tag_rules::table
            .filter(tag_rules::id.eq(id))
            .filter(tag_rules::version.eq(p.version))
            .filter(tag_rules::cursor.eq(p.from_cursor)),
    )
    .set((
        tag_rules::status.eq(p.status),
        tag_rules::cursor.eq(p.cursor),
        tag_rules::apply_seq.eq(p.apply_seq),
        tag_rules::checked_seq.eq(p.checked_seq),
        tag_rules::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Changes a rule's tag or search: it is applied again from the start.
pub fn edit(
    conn: &mut DbConn,
    id: &str,
    tag_id: &str,
    search: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        tag_rules::table
            .filter(tag_rules::id.eq(id))
            .filter(tag_rules::status.eq_any([APPLYING, ACTIVE])),
    )
    .set((
        tag_rules::tag_id.eq(tag_id),
        tag_rules::search.eq(search),
        tag_rules::status.eq(APPLYING),
        tag_rules::version.eq(tag_rules::version + 1),
        tag_rules::cursor.eq(""),
        tag_rules::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Starts deleting a rule: its tags go, a window at a time.
pub fn start_delete(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        tag_rules::table
            .filter(tag_rules::id.eq(id))
            .filter(tag_rules::status.eq_any([APPLYING, ACTIVE])),
    )
    .set((
        tag_rules::status.eq(DELETING),
        tag_rules::version.eq(tag_rules::version + 1),
        tag_rules::cursor.eq(""),
        tag_rules::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rule_rejections)]
pub struct Rejection<'a> {
    pub rule_id: &'a str,
    pub comment_id: &'a str,
    pub rejected_by: &'a str,
    pub rejected_at: NaiveDateTime,
}

/// Records a rejection; returns whether it is new.
pub fn reject(conn: &mut DbConn, r: &Rejection<'_>) -> Result<bool, DbError> {
    let n = match conn {
        DbConn::Pg(c) => diesel::insert_into(rule_rejections::table)
            .values(r)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(rule_rejections::table)
            .values(r)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(n == 1)
}

/// Lifts a rejection; returns whether there was one.
pub fn unreject(conn: &mut DbConn, rule: &str, comment: &str) -> Result<bool, DbError> {
    let n = diesel::delete(
        rule_rejections::table
            .filter(rule_rejections::rule_id.eq(rule))
            .filter(rule_rejections::comment_id.eq(comment)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// The comments a rule was rejected on (tracking numbers come from the
/// caller's join), newest first.
pub fn rejections(
    conn: &mut DbConn,
    rule: &str,
    limit: i64,
) -> Result<Vec<(String, String, NaiveDateTime)>, DbError> {
    Ok(rule_rejections::table
        .filter(rule_rejections::rule_id.eq(rule))
        .order(rule_rejections::rejected_at.desc())
        .limit(limit)
        .select((
            rule_rejections::comment_id,
            rule_rejections::rejected_by,
            rule_rejections::rejected_at,
        ))
        .load(conn)?)
}
