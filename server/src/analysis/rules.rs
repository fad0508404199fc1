//! Rule tags: a saved search whose every match carries a tag, the comments
//! of today and those that arrive tomorrow. Saving, editing and deleting
//! are recorded here; the `tag_rules` job does the tagging (leased,
//! in windows, with progress). An analyst may reject a rule's tag on one
//! comment, and the rule never puts it back there.

use super::bulk::applicable_tag;
use super::search::{self, HitView};
use super::view::Audience;
use super::{AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment;
use crate::db::models::rule::{self, Rejection, RuleRow, APPLYING, DELETED, DELETING};
use crate::db::DbConn;
use crate::domain::search_params::SearchParams;
use crate::domain::tracking_number::TrackingNumber;
use crate::jobs::tag_rules::filters_of;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Most rules a docket may have: each is checked against every new comment.
pub const MAX_RULES: usize = 200;
/// Comments a preview shows.
const SAMPLE: usize = 10;

#[derive(Debug, Serialize)]
pub struct RuleView {
    pub id: String,
    pub docket: String,
    pub tag: String,
    /// The search, as saved: `q` and filters.
    pub search: Value,
    pub author: String,
    /// `applying` (to the existing comments), `active`, `deleting`.
    pub status: String,
    pub version: i32,
    /// Comments that carry the rule's tag now.
    pub tagged: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Preview {
    pub tag: String,
    /// Comments the search matches now.
    pub matched: usize,
    /// The first of them, newest first.
    pub sample: Vec<HitView>,
}

fn view(row: RuleRow, path: String) -> RuleView {
    RuleView {
        search: serde_json::from_str(&row.search).unwrap_or(Value::Null),
        id: row.id,
        docket: row.docket_id,
        tag: path,
        author: row.author,
        status: row.status,
        version: row.version,
        tagged: row.tagged,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The tag and the search of a request body; the search is checked
/// against the index (an unreadable query is a 400).
async fn parse(
    coding: &Coding,
    body: &Map<String, Value>,
) -> Result<(String, SearchParams, Value), AnalysisError> {
    // `tag` names the rule's own tag, so no tag filter can be given: a
    // rule is checked when a comment changes, not when its tags do.
    let (tag, params) = super::bulk::search_of(body)?;
    let search = Value::Object(
        body.iter()
            .filter(|(k, _)| k.as_str() != "tag")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    );
    let index = coding.analysis.index()?;
    let q = params.q.clone();
    coding
        .analysis
        .blocking(move || index.parse(&q).map(|_| ()))
        .await?
        .map_err(AnalysisError::InvalidQuery)?;
    Ok((tag, params, search))
}

/// What a rule would tag now: how many comments, and the newest few.
pub async fn preview(
    coding: &Coding,
    docket: &str,
    body: Map<String, Value>,
) -> Result<Preview, AnalysisError> {
    let docket_id = coding.analysis.docket_id(docket).await?;
    let (tag_name, mut params, _) = parse(coding, &body).await?;
    let tag_name2 = tag_name.clone();
    let d = docket_id.clone();
    let tag = coding
        .analysis
        .db(move |conn| applicable_tag(conn, &d, &tag_name2))
        .await??;
    params.keywords.insert("docket".into(), vec![docket_id]);
    params.per_page = SAMPLE;
    params.page = 1;
    let page = search::run(&coding.analysis, &params, Audience::Analyst).await?;
    Ok(Preview {
        tag: tag.path,
        matched: page.total,
        sample: page.hits,
    })
}

fn audit_entry(
    docket: &str,
    who: &str,
    action: &str,
    id: &str,
    detail: Value,
    at: NaiveDateTime,
) -> NewEntry {
    NewEntry::new(docket, who, action, id, detail, at)
}

/// Saves a rule; the job applies it to the existing comments next.
pub async fn create(
    coding: &Coding,
    docket: &str,
    body: Map<String, Value>,
    author: &str,
) -> Result<RuleView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let (tag_name, _, search) = parse(coding, &body).await?;
    let (author, now) = (author.to_string(), coding.now());
    let (row, path) = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                let tag = match applicable_tag(conn, &docket, &tag_name)? {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(e)),
                };
                let existing = rule::list(conn, &docket)?;
                let same = search.to_string();
                if existing
                    .iter()
                    .any(|(r, _)| r.tag_id == tag.id && r.search == same && r.status != DELETING)
                {
                    return Ok(Err(AnalysisError::Conflict(
                        "the docket has this rule already".into(),
                    )));
                }
                if existing.len() >= MAX_RULES {
                    return Ok(Err(AnalysisError::Conflict(format!(
                        "the docket has {MAX_RULES} rules, the most it may have"
                    ))));
                }
                let row = RuleRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    docket_id: docket.clone(),
                    tag_id: tag.id.clone(),
                    search: search.to_string(),
                    author: author.clone(),
                    status: APPLYING.into(),
                    version: 1,
                    cursor: String::new(),
                    apply_seq: 0,
                    checked_seq: 0,
                    tagged: 0,
                    created_at: now,
                    updated_at: now,
                };
                rule::insert(conn, &row)?;
                audit::append(
                    conn,
                    &[audit_entry(
                        &docket,
                        &author,
                        "rule.added",
                        &row.id,
                        json!({"tag": tag.path, "search": search}),
                        now,
                    )],
                )?;
                Ok(Ok((row, tag.path)))
            })
        })
        .await??;
    Ok(view(row, path))
}

/// A docket's rules with how many comments each has tagged.
pub async fn list(coding: &Coding, docket: &str) -> Result<Vec<RuleView>, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    coding
        .analysis
        .db(move |conn| {
            Ok(rule::list(conn, &docket)?
                .into_iter()
                .map(|(r, path)| view(r, path))
                .collect())
        })
        .await
}

/// One rule of the docket (a deleted one too: its history stays).
pub async fn get(coding: &Coding, docket: &str, id: &str) -> Result<RuleView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let id = id.to_string();
    coding
        .analysis
        .db(move |conn| {
            Ok(match rule::find(conn, &id)? {
                Some((r, path)) if r.docket_id == docket => Some(view(r, path)),
                _ => None,
            })
        })
        .await?
        .ok_or(AnalysisError::NotFound("rule"))
}

/// The rule as the docket has it, or why not.
fn own_rule(
    conn: &mut DbConn,
    docket: &str,
    id: &str,
) -> Result<Result<RuleRow, AnalysisError>, crate::db::DbError> {
    Ok(match rule::find(conn, id)? {
        Some((r, _)) if r.docket_id == docket && r.status != DELETED => Ok(r),
        _ => Err(AnalysisError::NotFound("rule")),
    })
}

/// Changes a rule's tag or search (the body names both, as when saving):
/// its tags are made to match again, rejections kept.
pub async fn edit(
    coding: &Coding,
    docket: &str,
    id: &str,
    body: Map<String, Value>,
    who: &str,
) -> Result<RuleView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let (tag_name, _, search) = parse(coding, &body).await?;
    let (id, who, now) = (id.to_string(), who.to_string(), coding.now());
    let (row, path) = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                if let Err(e) = own_rule(conn, &docket, &id)? {
                    return Ok(Err(e));
                }
                let tag = match applicable_tag(conn, &docket, &tag_name)? {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(e)),
                };
                if !rule::edit(conn, &id, &tag.id, &search.to_string(), now)? {
                    return Ok(Err(AnalysisError::Conflict(
                        "the rule is being deleted".into(),
                    )));
                }
                audit::append(
                    conn,
                    &[audit_entry(
                        &docket,
                        &who,
                        "rule.edited",
                        &id,
                        json!({"tag": tag.path, "search": search}),
                        now,
                    )],
                )?;
                Ok(Ok(rule::find(conn, &id)?.expect("just edited")))
            })
        })
        .await??;
    Ok(view(row, path))
}

/// Deletes a rule: the job takes its tags off, then it is gone from the
/// list (its audit entries stay).
pub async fn delete(
    coding: &Coding,
    docket: &str,
    id: &str,
    who: &str,
) -> Result<RuleView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let (id, who, now) = (id.to_string(), who.to_string(), coding.now());
    let (row, path) = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                if let Err(e) = own_rule(conn, &docket, &id)? {
                    return Ok(Err(e));
                }
                if !rule::start_delete(conn, &id, now)? {
                    return Ok(Err(AnalysisError::Conflict(
                        "the rule is already being deleted".into(),
                    )));
                }
                audit::append(
                    conn,
                    &[audit_entry(
                        &docket,
                        &who,
                        "rule.deleted",
                        &id,
                        json!({}),
                        now,
                    )],
                )?;
                Ok(Ok(rule::find(conn, &id)?.expect("just updated")))
            })
        })
        .await??;
    Ok(view(row, path))
}

/// Rejects a rule's tag on one comment: the tag goes now and never comes
/// back from this rule.
pub async fn reject(
    coding: &Coding,
    docket: &str,
    id: &str,
    tracking_number: &str,
    who: &str,
) -> Result<(), AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let (id, who, now) = (id.to_string(), who.to_string(), coding.now());
    coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                if let Err(e) = own_rule(conn, &docket, &id)? {
                    return Ok(Err(e));
                }
                let Some(c) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                    return Ok(Err(AnalysisError::NotFound("comment")));
                };
                if c.docket_id != docket {
                    return Ok(Err(AnalysisError::NotFound("comment")));
                }
                let new = rule::reject(
                    conn,
                    &Rejection {
                        rule_id: &id,
                        comment_id: &c.id,
                        rejected_by: &who,
                        rejected_at: now,
                    },
                )?;
                if !new {
                    return Ok(Ok(()));
                }
                let ids = [c.id.clone()];
                let changed = touched(conn, &ids, now)?;
                indexed::write(conn, Change::Tags, |conn| {
                    let n = rule::untag(conn, &id, &ids)?;
                    rule::count_tags(conn, &id, -(n as i64))?;
                    audit::append(
                        conn,
                        &[audit_entry(
                            &docket,
                            &who,
                            "rule.rejected",
                            tn.as_str(),
                            json!({"rule": id}),
                            now,
                        )],
                    )?;
                    Ok(((), if n > 0 { changed } else { vec![] }))
                })?;
                Ok(Ok(()))
            })
        })
        .await??;
    Ok(())
}

/// Lifts a rejection: the rule tags the comment again if it matches now.
pub async fn unreject(
    coding: &Coding,
    docket: &str,
    id: &str,
    tracking_number: &str,
    who: &str,
) -> Result<(), AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let (rule_id, tn_s) = (id.to_string(), tn.as_str().to_string());
    let d = docket.clone();
    let found = coding
        .analysis
        .db(move |conn| {
            let r = rule::find(conn, &rule_id)?;
            let c = comment::find_by_tracking_number(conn, &tn_s)?;
            Ok((r, c))
        })
        .await?;
    let (r, c) = match found {
        (Some((r, _)), Some(c)) if r.docket_id == d && c.docket_id == d && r.status != DELETED => {
            (r, c)
        }
        (_, None) => return Err(AnalysisError::NotFound("comment")),
        _ => return Err(AnalysisError::NotFound("rule")),
    };
    let (q, filters) = filters_of(&r).map_err(AnalysisError::Search)?;
    let index = coding.analysis.index()?;
    let among = vec![c.id.clone()];
    let matches = coding
        .analysis
        .blocking(move || index.matching(&[(q, filters)], &among))
        .await??
        .iter()
        .any(|m| m.contains(&c.id));
    let (who, now) = (who.to_string(), coding.now());
    coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                if !rule::unreject(conn, &r.id, &c.id)? {
                    return Ok(Err(AnalysisError::NotFound("rejection")));
                }
                let ids = [c.id.clone()];
                let changed = touched(conn, &ids, now)?;
                indexed::write(conn, Change::Tags, |conn| {
                    // A rule still being applied tags it when its window
                    // comes; one past it (or done) does it here.
                    let added = matches
                        && (r.status == crate::db::models::rule::ACTIVE || c.id <= r.cursor)
                        && rule::tag_comments(conn, &r, &[c.id.as_str()], now)? == 1;
                    if added {
                        rule::count_tags(conn, &r.id, 1)?;
                    }
                    audit::append(
                        conn,
                        &[audit_entry(
                            &docket,
                            &who,
                            "rule.unrejected",
                            &c.tracking_number,
                            json!({"rule": r.id}),
                            now,
                        )],
                    )?;
                    Ok(((), if added { changed } else { vec![] }))
                })?;
                Ok(Ok(()))
            })
        })
        .await??;
    Ok(())
}
