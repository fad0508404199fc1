//! The one write path for what search must see. A write that changes a
//! comment's indexed document (the comment itself, its attachments' text,
//! and next its tags, campaign and posting status) runs through [`write`],
//! which appends a change-feed row for each comment it touched in the same
//! transaction: the follower re-indexes exactly those comments, and a
//! write that fails leaves no change behind (nor a change without its write).

use crate::db::connection::{DbConn, DbError};
use crate::db::models::change_feed::{self, NewChange};
use chrono::NaiveDateTime;

/// What changed about a comment's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    CommentCreated,
    /// An attachment of the comment got its text (or failed to).
    AttachmentText,
    /// A tag was put on the comment, taken off, or renamed.
    Tags,
    /// The comment joined or left a campaign, or the signals that
    /// concern it changed.
    Campaign,
    /// Staff changed its posting status.
    Posting,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::CommentCreated => "comment_created",
            Change::AttachmentText => "attachment_text",
            Change::Tags => "tags",
            Change::Campaign => "campaign",
            Change::Posting => "posting",
        }
    }
}

/// A comment whose indexed document a write changed, and when.
#[derive(Debug, Clone)]
pub struct Touched {
    pub comment_id: String,
    pub docket_id: String,
    pub at: NaiveDateTime,
}

/// The changes of these comments (by id), in chunks of 1,000 ids.
pub fn touched(
    conn: &mut DbConn,
    ids: &[String],
    at: NaiveDateTime,
) -> Result<Vec<Touched>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        for (comment_id, docket_id) in crate::db::models::comment::dockets_of(conn, chunk)? {
            out.push(Touched {
                comment_id,
                docket_id,
                at,
            });
        }
    }
    Ok(out)
}

/// Runs `write`, which returns what it produced and the comments whose
/// documents it changed, and appends their changes, all in one
/// transaction: the caller's when one is open (the writer's group commit;
/// an error must then abort it, as `?` does), else its own. No savepoint
/// of its own: on SQLite each costs a statement journal on the hot path.
pub fn write<T>(
    conn: &mut DbConn,
    change: Change,
    write: impl FnOnce(&mut DbConn) -> Result<(T, Vec<Touched>), DbError>,
) -> Result<T, DbError> {
    crate::db::connection::in_transaction(conn, |conn| {
        let (out, touched) = write(conn)?;
        let rows: Vec<NewChange> = touched
            .into_iter()
            .map(|t| NewChange {
                kind: change.as_str().into(),
                comment_id: t.comment_id,
                docket_id: t.docket_id,
                created_at: t.at,
            })
            .collect();
        change_feed::append(conn, &rows)?;
        Ok(out)
    })
}
