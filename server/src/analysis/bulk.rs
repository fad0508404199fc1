//! Bulk tags: one tag on every comment a search matches now, applied by a
//! leased job in chunks (progress is visible), and undone as a whole: an
//! undo removes exactly the tags the operation added, whoever else tagged
//! the same comments.

use super::{AnalysisError, Coding};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::bulk::{self, BulkRow, APPLYING};
use crate::db::models::job::{self, JobRow};
use crate::db::models::tag;
use crate::domain::search_params::SearchParams;
use crate::jobs::bulk_tag::{APPLY, UNDO};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The most comments one bulk operation may tag: past it, narrow the
/// search (its targets are stored, and applied 2,000 a run).
pub const MAX_TARGETS: usize = 100_000;

#[derive(Debug, Serialize)]
pub struct BulkView {
    pub id: String,
    pub docket: String,
    pub tag: String,
    /// The search, as it was asked: `q` and filters.
    pub search: Value,
    pub coder: String,
    /// `applying`, `applied`, `undoing` or `undone`.
    pub status: String,
    /// Comments the search matched when the operation was asked for.
    pub matched: i32,
    /// Comments tagged so far (while undoing: still tagged).
    pub applied: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: BulkRow, path: String) -> BulkView {
    BulkView {
        search: serde_json::from_str(&row.search).unwrap_or(Value::Null),
        id: row.id,
        docket: row.docket_id,
        tag: path,
        coder: row.coder,
        status: row.status,
        matched: row.matched,
        applied: row.applied,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The tag a bulk operation or a rule puts on comments: in the docket's
/// codebook (by any path it has had) and not retired; else a 422 on `tag`.
pub(super) fn applicable_tag(
    conn: &mut crate::db::DbConn,
    docket: &str,
    name: &str,
) -> Result<Result<tag::TagRow, AnalysisError>, crate::db::DbError> {
    Ok(match tag::resolve(conn, docket, name)? {
        None => Err(invalid("tag", "is not in the docket's codebook")),
        Some(t) if t.retired_at.is_some() => Err(invalid("tag", "is retired")),
        Some(t) => Ok(t),
    })
}

fn invalid(field: &str, why: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid(BTreeMap::from([(field.to_string(), why.into())]))
}

/// The request body: `tag`, `q` and the search API's filters.
pub(super) fn search_of(
    body: &Map<String, Value>,
) -> Result<(String, SearchParams), AnalysisError> {
    let tag = match body.get("tag") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_string(),
        _ => {
            return Err(invalid(
                "tag",
                "is required: a tag of the docket's codebook",
            ))
        }
    };
    let params = SearchParams::from_json(body, &["tag"]).map_err(AnalysisError::Invalid)?;
    Ok((tag, params))
}

/// The ids of the comments of `docket` that `params` matches now, for an
/// operation on all of them (`what` names it in the refusal past
/// [`MAX_TARGETS`]).
pub(crate) async fn targets(
    coding: &Coding,
    docket: &str,
    mut params: SearchParams,
    what: &str,
) -> Result<Vec<String>, AnalysisError> {
    params
        .keywords
        .insert("docket".into(), vec![docket.to_string()]);
    let index = coding.analysis.index()?;
    let request = params.to_request();
    let (total, ids) = coding
        .analysis
        .blocking(move || index.all_ids(&request.q, &request.filters, MAX_TARGETS))
        .await??;
    if total > MAX_TARGETS {
        return Err(invalid(
            "q",
            format!("matches {total} comments; {what} at most {MAX_TARGETS}: narrow the search"),
        ));
    }
    Ok(ids)
}

pub async fn start(
    coding: &Coding,
    docket: &str,
    body: Map<String, Value>,
    coder: &str,
) -> Result<BulkView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let (tag_name, params) = search_of(&body)?;
    let ids = targets(coding, &docket, params, "a bulk tag takes").await?;
    let search = Value::Object(body.into_iter().filter(|(k, _)| k != "tag").collect());
    let (coder, now) = (coder.to_string(), coding.now());
    let (row, path) = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                let tag = match applicable_tag(conn, &docket, &tag_name)? {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(e)),
                };
                let row = BulkRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    docket_id: docket.clone(),
                    tag_id: tag.id.clone(),
                    search: search.to_string(),
                    coder: coder.clone(),
                    status: APPLYING.into(),
                    matched: ids.len() as i32,
                    applied: 0,
                    cursor: String::new(),
                    created_at: now,
                    updated_at: now,
                };
                bulk::insert(conn, &row, &ids)?;
                job::enqueue(conn, &[JobRow::new(APPLY, &row.id, now)])?;
                audit::append(
                    conn,
                    &[NewEntry {
                        docket_id: docket.clone(),
                        at: now,
                        actor: coder.clone(),
                        action: "bulk.applied".into(),
                        subject: row.id.clone(),
                        detail: json!({"tag": tag.path, "search": search, "matched": ids.len()})
                            .to_string(),
                    }],
                )?;
                Ok(Ok((row, tag.path)))
            })
        })
        .await??;
    Ok(view(row, path))
}

pub async fn get(coding: &Coding, docket: &str, id: &str) -> Result<BulkView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let id = id.to_string();
    let found = coding
        .analysis
        .db(move |conn| bulk::find(conn, &id))
        .await?;
    match found {
        Some((row, path)) if row.docket_id == docket => Ok(view(row, path)),
        _ => Err(AnalysisError::NotFound("bulk operation")),
    }
}

/// Undoes an operation (while it applies, or after): its tags go, chunk by
/// chunk; tags others put on the same comments stay.
pub async fn undo(
    coding: &Coding,
    docket: &str,
    id: &str,
    who: &str,
) -> Result<BulkView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let (id, who, now) = (id.to_string(), who.to_string(), coding.now());
    let (row, path) = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                match bulk::find(conn, &id)? {
                    Some((row, _)) if row.docket_id == docket => {
                        if !bulk::start_undo(conn, &id, now)? {
                            return Ok(Err(AnalysisError::Conflict(format!(
                                "the operation is {}",
                                row.status
                            ))));
                        }
                    }
                    _ => return Ok(Err(AnalysisError::NotFound("bulk operation"))),
                }
                job::enqueue(conn, &[JobRow::new(UNDO, &id, now)])?;
                audit::append(
                    conn,
                    &[NewEntry {
                        docket_id: docket.clone(),
                        at: now,
                        actor: who.clone(),
                        action: "bulk.undone".into(),
                        subject: id.clone(),
                        detail: "{}".into(),
                    }],
                )?;
                Ok(Ok(bulk::find(conn, &id)?.expect("just updated")))
            })
        })
        .await??;
    Ok(view(row, path))
}
