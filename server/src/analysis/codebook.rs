//! A docket's codebook: listing it with counts, and staff's changes to it
//! (add, rename with its subtree, relabel, retire). Every change is
//! audited; a rename re-indexes the comments its tags are on, since the
//! index holds tag paths.

use super::{Analysis, AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::{comment_tag, tag, tag::TagRow};
use crate::db::{DbConn, DbError};
use crate::domain::codebook::{self, RawTag, TagSpec};
use crate::domain::tag_path::TagPath;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Serialize)]
pub struct TagView {
    pub path: String,
    pub label: String,
    pub instructions: String,
    /// Its parent's path (`None` at the top).
    pub parent: Option<String>,
    pub retired: bool,
    /// Comments tagged with it, or with a tag below it.
    pub comments: i64,
    /// Comments tagged with exactly it.
    pub comments_direct: i64,
}

#[derive(Debug, Serialize)]
pub struct CodebookView {
    pub docket: String,
    pub tags: Vec<TagView>,
}

fn view(row: &TagRow, direct: i64, total: i64) -> TagView {
    TagView {
        path: row.path.clone(),
        label: row.label.clone(),
        instructions: row.instructions.clone(),
        parent: TagPath::parse(&row.path)
            .ok()
            .and_then(|p| p.parent())
            .map(|p| p.to_string()),
        retired: row.retired_at.is_some(),
        comments: total,
        comments_direct: direct,
    }
}

/// The tags at or below `path`.
fn subtree<'a>(rows: &'a [TagRow], path: &str) -> Vec<&'a TagRow> {
    let prefix = format!("{path}/");
    rows.iter()
        .filter(|r| r.path == path || r.path.starts_with(&prefix))
        .collect()
}

pub async fn list(analysis: &Analysis, docket: &str) -> Result<CodebookView, AnalysisError> {
    let docket = analysis.docket_id(docket).await?;
    let id = docket.clone();
    let (rows, direct, totals) = analysis
        .db(move |conn| {
            let rows = tag::for_docket(conn, &id)?;
            let direct: HashMap<String, i64> =
                tag::comment_counts(conn, &id)?.into_iter().collect();
            // A parent's comments are counted distinct over its subtree
            // (a comment tagged with two children counts once).
            let mut totals = HashMap::new();
            for row in &rows {
                let below = subtree(&rows, &row.path);
                let total = if below.len() == 1 {
                    direct.get(&row.id).copied().unwrap_or(0)
                } else {
                    let ids: Vec<String> = below.iter().map(|r| r.id.clone()).collect();
                    tag::comments_with_any(conn, &ids)?
                };
                totals.insert(row.id.clone(), total);
            }
            Ok((rows, direct, totals))
        })
        .await?;
    Ok(CodebookView {
        docket,
        tags: rows
            .iter()
            .map(|r| {
                view(
                    r,
                    direct.get(&r.id).copied().unwrap_or(0),
                    totals.get(&r.id).copied().unwrap_or(0),
                )
            })
            .collect(),
    })
}

/// A problem with a change to the codebook, by field.
fn invalid(field: &str, why: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid(BTreeMap::from([(field.to_string(), why.into())]))
}

fn entry(
    docket: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
    at: NaiveDateTime,
) -> NewEntry {
    NewEntry::new(docket, actor, action, subject, detail, at)
}

/// Adds one tag: its path never used in the docket, its parent present.
/// Runs inside the caller's transaction.
fn add_in(
    conn: &mut DbConn,
    docket: &str,
    spec: &TagSpec,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Result<TagRow, AnalysisError>, DbError> {
    let path = spec.path.as_str();
    if tag::name_used(conn, docket, path)? {
        return Ok(Err(AnalysisError::Conflict(format!(
            "the path {path} is, or was, the name of a tag of this docket"
        ))));
    }
    if let Some(parent) = spec.path.parent() {
        match tag::resolve(conn, docket, parent.as_str())? {
            Some(p) if p.path == parent.as_str() => {}
            _ => {
                return Ok(Err(invalid(
                    "path",
                    format!("its parent {parent} is not in the codebook"),
                )))
            }
        }
    }
    let row = TagRow {
        id: uuid::Uuid::now_v7().to_string(),
        docket_id: docket.to_string(),
        path: path.to_string(),
        label: spec.label.clone(),
        instructions: spec.instructions.clone(),
        retired_at: None,
        created_at: now,
        updated_at: now,
    };
    tag::insert(conn, &row)?;
    audit::append(
        conn,
        &[entry(
            docket,
            actor,
            "codebook.added",
            path,
            json!({"label": spec.label}),
            now,
        )],
    )?;
    Ok(Ok(row))
}

pub async fn add(
    coding: &Coding,
    docket: &str,
    raw: RawTag,
    actor: &str,
) -> Result<TagView, AnalysisError> {
    let spec = raw.parse().map_err(|errors| {
        AnalysisError::Invalid(
            errors
                .into_iter()
                .map(|(f, e)| (f.to_string(), e))
                .collect(),
        )
    })?;
    let docket = coding.analysis.docket_id(docket).await?;
    let (actor, now) = (actor.to_string(), coding.now());
    let row = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                let count = tag::for_docket(conn, &docket)?.len();
                if count >= codebook::MAX_TAGS {
                    return Ok(Err(invalid(
                        "path",
                        format!("the codebook holds its most tags ({})", codebook::MAX_TAGS),
                    )));
                }
                add_in(conn, &docket, &spec, &actor, now)
            })
        })
        .await??;
    Ok(view(&row, 0, 0))
}

/// A change to one tag; absent fields stay as they are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagChange {
    pub path: Option<String>,
    pub label: Option<String>,
    pub instructions: Option<String>,
    pub retired: Option<bool>,
}

pub async fn change(
    coding: &Coding,
    docket: &str,
    name: &str,
    change: TagChange,
    actor: &str,
) -> Result<TagView, AnalysisError> {
    let mut errors = BTreeMap::new();
    let new_path = match change.path.as_deref().map(TagPath::parse) {
        Some(Err(e)) => {
            errors.insert("path".to_string(), e);
            None
        }
        Some(Ok(p)) => Some(p),
        None => None,
    };
    let label = match change.label.as_deref().map(codebook::label) {
        Some(Err(e)) => {
            errors.insert("label".to_string(), e);
            None
        }
        Some(Ok(l)) => Some(l),
        None => None,
    };
    let instructions = match change.instructions.as_deref().map(codebook::instructions) {
        Some(Err(e)) => {
            errors.insert("instructions".to_string(), e);
            None
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AnalysisError::Invalid(errors));
    }
    let docket = coding.analysis.docket_id(docket).await?;
    let (name, actor, now) = (name.to_string(), actor.to_string(), coding.now());
    let retired = change.retired;
    let row = coding
        .write(move |conn| {
            super::transaction(conn, |conn| {
                let Some(tag) = tag::resolve(conn, &docket, &name)? else {
                    return Ok(Err(AnalysisError::NotFound("tag")));
                };
                if label.is_some() || instructions.is_some() {
                    let l = label.clone().unwrap_or_else(|| tag.label.clone());
                    let i = instructions
                        .clone()
                        .unwrap_or_else(|| tag.instructions.clone());
                    tag::set_text(conn, &tag.id, &l, &i, now)?;
                    audit::append(
                        conn,
                        &[entry(
                            &docket,
                            &actor,
                            "codebook.edited",
                            &tag.path,
                            json!({"label": l, "instructions": i}),
                            now,
                        )],
                    )?;
                }
                if let Some(r) = retired {
                    if r != tag.retired_at.is_some() {
                        tag::set_retired(conn, &tag.id, r.then_some(now), now)?;
                        let action = if r {
                            "codebook.retired"
                        } else {
                            "codebook.restored"
                        };
                        audit::append(
                            conn,
                            &[entry(&docket, &actor, action, &tag.path, json!({}), now)],
                        )?;
                    }
                }
                if let Some(to) = &new_path {
                    if to.as_str() != tag.path {
                        if let Err(e) = rename_in(conn, &docket, &tag, to, &actor, now)? {
                            return Ok(Err(e));
                        }
                    }
                }
                let id = tag.id.clone();
                let row = tag::by_ids(conn, &[id])?
                    .pop()
                    .expect("the tag just changed");
                let rows = tag::for_docket(conn, &docket)?;
                let below: Vec<String> = subtree(&rows, &row.path)
                    .iter()
                    .map(|r| r.id.clone())
                    .collect();
                let direct = tag::comments_with_any(conn, std::slice::from_ref(&row.id))?;
                let total = tag::comments_with_any(conn, &below)?;
                Ok(Ok((row, direct, total)))
            })
        })
        .await??;
    let (row, direct, total) = row;
    Ok(view(&row, direct, total))
}

/// Renames a tag and every tag below it (`region` to `regions` makes
/// `region/asean` `regions/asean`); old paths keep resolving. The comments
/// any of them is on are re-indexed.
fn rename_in(
    conn: &mut DbConn,
    docket: &str,
    tag: &TagRow,
    to: &TagPath,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Result<(), AnalysisError>, DbError> {
    let from = tag.path.clone();
    if to.as_str().starts_with(&format!("{from}/")) {
        return Ok(Err(invalid("path", "a tag cannot move below itself")));
    }
    if let Some(parent) = to.parent() {
        match tag::resolve(conn, docket, parent.as_str())? {
            Some(p) if p.path == parent.as_str() => {}
            _ => {
                return Ok(Err(invalid(
                    "path",
                    format!("its parent {parent} is not in the codebook"),
                )))
            }
        }
    }
    let rows = tag::for_docket(conn, docket)?;
    let moving: Vec<TagRow> = subtree(&rows, &from).into_iter().cloned().collect();
    let mut renames = Vec::with_capacity(moving.len());
    for t in &moving {
        let new = format!("{}{}", to.as_str(), &t.path[from.len()..]);
        if TagPath::parse(&new).is_err() {
            return Ok(Err(invalid(
                "path",
                format!("{new} would be too long or too deep"),
            )));
        }
        if tag::name_used(conn, docket, &new)? {
            return Ok(Err(AnalysisError::Conflict(format!(
                "the path {new} is, or was, the name of a tag of this docket"
            ))));
        }
        renames.push((t, new));
    }
    let mut comment_ids: HashSet<String> = HashSet::new();
    for (t, _) in &renames {
        comment_ids.extend(comment_tag::comments_with_tag(conn, &t.id)?);
    }
    let ids: Vec<String> = comment_ids.into_iter().collect();
    let touched = touched(conn, &ids, now)?;
    indexed::write(conn, Change::Tags, |conn| {
        for (t, new) in &renames {
            tag::rename(conn, t, new, now)?;
            audit::append(
                conn,
                &[entry(
                    docket,
                    actor,
                    "codebook.renamed",
                    new,
                    json!({"from": t.path}),
                    now,
                )],
            )?;
        }
        Ok(((), touched))
    })?;
    Ok(Ok(()))
}

/// What loading a codebook file did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Loads a codebook file: new tags are added, labels and instructions of
/// existing ones updated; nothing is renamed, retired or removed (those
/// are staff's decisions, kept across restarts).
pub fn load_file(
    conn: &mut DbConn,
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(String, Loaded)> {
    let probe: codebook::CodebookFile = toml::from_str(text)?;
    let docket = probe.docket;
    if crate::db::models::docket::find(conn, &docket)?.is_none() {
        anyhow::bail!("docket {docket:?} is not loaded");
    }
    let now = now.naive_utc();
    let existing: HashMap<String, TagRow> = tag::for_docket(conn, &docket)?
        .into_iter()
        .map(|r| (r.path.clone(), r))
        .collect();
    let known: HashSet<String> = existing.keys().cloned().collect();
    let (_, specs) = codebook::CodebookFile::from_toml(text, &known)?;
    let loaded = super::transaction(conn, |conn| {
        let mut loaded = Loaded::default();
        for spec in &specs {
            match existing.get(spec.path.as_str()) {
                Some(row) if row.label == spec.label && row.instructions == spec.instructions => {
                    loaded.unchanged += 1
                }
                Some(row) => {
                    tag::set_text(conn, &row.id, &spec.label, &spec.instructions, now)?;
                    let detail = json!({"label": spec.label});
                    let e = entry(
                        &docket,
                        FILE_ACTOR,
                        "codebook.edited",
                        &row.path,
                        detail,
                        now,
                    );
                    audit::append(conn, &[e])?;
                    loaded.updated += 1;
                }
                None => match add_in(conn, &docket, spec, FILE_ACTOR, now)? {
                    Ok(_) => loaded.added += 1,
                    // A former name of a renamed tag: the file is older
                    // than staff's rename, which wins.
                    Err(AnalysisError::Conflict(_)) => loaded.unchanged += 1,
                    Err(e) => return Ok(Err(e)),
                },
            }
        }
        Ok(Ok(loaded))
    })?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((docket, loaded))
}

/// Who the audit log says loaded a file.
const FILE_ACTOR: &str = "codebook file";
