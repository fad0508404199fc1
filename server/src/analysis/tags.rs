//! Tags on comments, put there by a person: the whole comment, or an
//! excerpt (a character range of one field, quoted with the tag). Each
//! change goes through the one write path for indexed changes (a tag is a
//! search facet) and into the audit log.

use super::{AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::blob_text::{self, EXTRACTED};
use crate::db::models::comment_tag::{self, Applied, AppliedTag, CommentTagRow, PERSON};
use crate::db::models::{attachment, comment, tag};
use crate::db::{DbConn, DbError};
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Longest passage an excerpt may mark, in characters.
pub const MAX_EXCERPT_CHARS: usize = 10_000;

/// A tag as a request names it, with an optional excerpt.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    pub tag: String,
    #[serde(default)]
    pub excerpt: Option<ExcerptRequest>,
}

/// A character range (Unicode code points, end exclusive) of one field:
/// `comment`, `answer:<question id>` or `attachment:<position>`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExcerptRequest {
    pub field: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Serialize)]
pub struct ExcerptView {
    pub field: String,
    pub start: i32,
    pub end: i32,
    pub text: Option<String>,
}

/// One tag on a comment, with where it came from.
#[derive(Debug, Serialize)]
pub struct AppliedView {
    pub tag: String,
    pub label: String,
    /// `person`, `bulk` or `rule`.
    pub source: String,
    /// The bulk operation or rule, for those sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    pub coder: String,
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<ExcerptView>,
}

pub fn applied_view(a: &AppliedTag) -> AppliedView {
    let r = &a.row;
    AppliedView {
        tag: a.path.clone(),
        label: a.label.clone(),
        source: r.source.clone(),
        source_id: (!r.source_id.is_empty()).then(|| r.source_id.clone()),
        coder: r.coder.clone(),
        at: r.created_at.and_utc(),
        excerpt: (!r.excerpt_field.is_empty()).then(|| ExcerptView {
            field: r.excerpt_field.clone(),
            start: r.excerpt_start,
            end: r.excerpt_end,
            text: r.excerpt_text.clone(),
        }),
    }
}

fn invalid(field: &str, why: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid(BTreeMap::from([(field.to_string(), why.into())]))
}

/// The text of a comment's field, as excerpts count it.
fn field_text(
    conn: &mut DbConn,
    row: &comment::CommentRow,
    field: &str,
) -> Result<Result<String, String>, DbError> {
    if field == "comment" {
        return Ok(row
            .general_comment
            .clone()
            .ok_or_else(|| "the comment has no general comment".to_string()));
    }
    if let Some(question) = field.strip_prefix("answer:") {
        let answers: BTreeMap<String, String> =
            serde_json::from_str(&row.answers).unwrap_or_default();
        return Ok(answers
            .get(question)
            .cloned()
            .ok_or_else(|| format!("the comment does not answer {question:?}")));
    }
    if let Some(position) = field.strip_prefix("attachment:") {
        let Ok(position) = position.parse::<i32>() else {
            return Ok(Err(
                "an attachment is named by its position (attachment:0)".into()
            ));
        };
        let files = attachment::for_comment(conn, &row.id)?;
        let Some(file) = files.iter().find(|f| f.position == position) else {
            return Ok(Err(format!("the comment has no attachment {position}")));
        };
        let texts = blob_text::for_files(conn, std::slice::from_ref(&file.sha256))?;
        return Ok(texts
            .into_iter()
            .find(|t| t.status == EXTRACTED)
            .map(|t| t.content)
            .ok_or_else(|| format!("attachment {position} has no text")));
    }
    Ok(Err(
        "is `comment`, `answer:<question id>` or `attachment:<position>`".into(),
    ))
}

/// The excerpt's text, or why the range does not fit its field.
fn excerpt_text(text: &str, e: &ExcerptRequest) -> Result<String, String> {
    if e.start >= e.end {
        return Err("start must be before end".into());
    }
    if e.end - e.start > MAX_EXCERPT_CHARS {
        return Err(format!(
            "an excerpt is at most {MAX_EXCERPT_CHARS} characters"
        ));
    }
    let total = text.chars().count();
    if e.end > total {
        return Err(format!(
            "the field has {total} characters; the range ends at {}",
            e.end
        ));
    }
    Ok(text.chars().skip(e.start).take(e.end - e.start).collect())
}

/// What a tag request resolves to: the comment, the tag, the range.
struct Resolved {
    comment: comment::CommentRow,
    tag: tag::TagRow,
    field: String,
    start: i32,
    end: i32,
    text: Option<String>,
}

fn resolve(
    conn: &mut DbConn,
    tn: &TrackingNumber,
    req: &TagRequest,
    for_adding: bool,
) -> Result<Result<Resolved, AnalysisError>, DbError> {
    let Some(comment) = comment::find_by_tracking_number(conn, tn.as_str())? else {
        return Ok(Err(AnalysisError::NotFound("comment")));
    };
    let Some(tag) = tag::resolve(conn, &comment.docket_id, req.tag.trim())? else {
        return Ok(Err(invalid("tag", "is not in the docket's codebook")));
    };
    if for_adding && tag.retired_at.is_some() {
        return Ok(Err(invalid("tag", "is retired")));
    }
    let (field, start, end, text) = match &req.excerpt {
        None => (String::new(), 0, 0, None),
        Some(e) => {
            let limit = i32::MAX as usize;
            if e.start > limit || e.end > limit {
                return Ok(Err(invalid("excerpt", "the range is out of bounds")));
            }
            let text = if for_adding {
                let whole = match field_text(conn, &comment, &e.field)? {
                    Ok(t) => t,
                    Err(why) => return Ok(Err(invalid("excerpt.field", why))),
                };
                match excerpt_text(&whole, e) {
                    Ok(t) => Some(t),
                    Err(why) => return Ok(Err(invalid("excerpt", why))),
                }
            } else {
                None
            };
            (e.field.clone(), e.start as i32, e.end as i32, text)
        }
    };
    Ok(Ok(Resolved {
        comment,
        tag,
        field,
        start,
        end,
        text,
    }))
}

fn audit_entry(r: &Resolved, coder: &str, action: &str, at: NaiveDateTime) -> NewEntry {
    let mut detail = json!({"tag": r.tag.path});
    if !r.field.is_empty() {
        detail["excerpt"] = json!({"field": r.field, "start": r.start, "end": r.end});
    }
    NewEntry {
        docket_id: r.comment.docket_id.clone(),
        at,
        actor: coder.to_string(),
        action: action.to_string(),
        subject: r.comment.tracking_number.clone(),
        detail: detail.to_string(),
    }
}

/// Tags a comment for `coder`. Returns the comment's tags and whether this
/// one is new (the same tag, range and coder twice is stored once).
pub async fn add(
    coding: &Coding,
    tracking_number: &str,
    req: TagRequest,
    coder: &str,
) -> Result<(Vec<AppliedView>, bool), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let (coder, now) = (coder.to_string(), coding.now());
    let (tags, added) = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                let r = match resolve(conn, &tn, &req, true)? {
                    Ok(r) => r,
                    Err(e) => return Ok(Err(e)),
                };
                let row = CommentTagRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    comment_id: r.comment.id.clone(),
                    tag_id: r.tag.id.clone(),
                    source: PERSON.into(),
                    source_id: String::new(),
                    coder: coder.clone(),
                    excerpt_field: r.field.clone(),
                    excerpt_start: r.start,
                    excerpt_end: r.end,
                    excerpt_text: r.text.clone(),
                    created_at: now,
                };
                let ids = [r.comment.id.clone()];
                let changed = touched(conn, &ids, now)?;
                let added = indexed::write(conn, Change::Tags, |conn| {
                    if !comment_tag::insert_once(conn, &row)? {
                        return Ok((false, vec![]));
                    }
                    audit::append(conn, &[audit_entry(&r, &coder, "tag.added", now)])?;
                    Ok((true, changed))
                })?;
                Ok(Ok((comment_tag::for_comment(conn, &r.comment.id)?, added)))
            })
        })
        .await??;
    Ok((tags.iter().map(applied_view).collect(), added))
}

/// Removes `coder`'s own tag (the whole-comment one, or the excerpt named).
pub async fn remove(
    coding: &Coding,
    tracking_number: &str,
    req: TagRequest,
    coder: &str,
) -> Result<(), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let (coder, now) = (coder.to_string(), coding.now());
    coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                let r = match resolve(conn, &tn, &req, false)? {
                    Ok(r) => r,
                    Err(e) => return Ok(Err(e)),
                };
                let ids = [r.comment.id.clone()];
                let changed = touched(conn, &ids, now)?;
                let removed = indexed::write(conn, Change::Tags, |conn| {
                    let gone = comment_tag::delete_one(
                        conn,
                        &Applied {
                            comment_id: &r.comment.id,
                            tag_id: &r.tag.id,
                            source: PERSON,
                            source_id: "",
                            coder: &coder,
                            excerpt_field: &r.field,
                            excerpt_start: r.start,
                            excerpt_end: r.end,
                        },
                    )?;
                    if gone.is_none() {
                        return Ok((false, vec![]));
                    }
                    audit::append(conn, &[audit_entry(&r, &coder, "tag.removed", now)])?;
                    Ok((true, changed))
                })?;
                Ok(if removed {
                    Ok(())
                } else {
                    Err(AnalysisError::NotFound("tag on this comment"))
                })
            })
        })
        .await??;
    Ok(())
}

/// The tags on a comment, for its view.
pub fn for_comment(conn: &mut DbConn, comment_id: &str) -> Result<Vec<AppliedView>, DbError> {
    Ok(comment_tag::for_comment(conn, comment_id)?
        .iter()
        .map(applied_view)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: usize, end: usize) -> ExcerptRequest {
        ExcerptRequest {
            field: "comment".into(),
            start,
            end,
        }
    }

    #[test]
    fn excerpts_count_characters_not_bytes() {
        let text = "Zölle für KI-Exporte";
        assert_eq!(excerpt_text(text, &range(0, 5)).unwrap(), "Zölle");
        assert_eq!(excerpt_text(text, &range(10, 20)).unwrap(), "KI-Exporte");
        assert!(excerpt_text(text, &range(10, 21)).is_err());
        assert!(excerpt_text(text, &range(3, 3)).is_err());
        assert!(excerpt_text(text, &range(4, 2)).is_err());
    }
}
