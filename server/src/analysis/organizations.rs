//! Organizations as summaries group them, and analysts' corrections: a
//! spelling put in another group (kept, audited, applied by every
//! summary), or given back to its key's.

use super::summary::OrganizationCount;
use super::{transaction, Analysis, AnalysisError, Coding};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::organization_group::{self, GroupRow};
use rfidesk_indexer::organizations;
use rfidesk_indexer::Filters;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const PER_PAGE: usize = 50;
/// Longest spelling or group name taken (characters).
pub const MAX_NAME: usize = 300;

#[derive(Debug, Serialize)]
pub struct OrganizationList {
    pub docket: String,
    /// Groups matching the filter, before paging.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub groups: Vec<OrganizationCount>,
    /// Spellings analysts placed, and the group of each.
    pub corrections: BTreeMap<String, String>,
}

/// A docket's organization groups, largest first, `PER_PAGE` a page;
/// `filter` keeps the groups whose key or a spelling holds it (any case).
pub async fn list(
    analysis: &Analysis,
    docket: &str,
    filter: &str,
    page: usize,
) -> Result<OrganizationList, AnalysisError> {
    let docket = analysis.docket_id(docket).await?;
    let index = analysis.index()?;
    let filters = Filters {
        keywords: BTreeMap::from([("docket".to_string(), vec![docket.clone()])]),
        ..Filters::default()
    };
    let spellings = analysis
        .blocking(move || index.organizations(&filters))
        .await??;
    let d = docket.clone();
    let corrections: HashMap<String, String> = analysis
        .db(move |conn| organization_group::for_docket(conn, &d))
        .await?
        .into_iter()
        .collect();
    let wanted = filter.trim().to_lowercase();
    let all: Vec<OrganizationCount> = groups(&spellings, &corrections)
        .into_iter()
        .filter(|g| {
            wanted.is_empty()
                || g.key.contains(&wanted)
                || g.spellings
                    .iter()
                    .any(|(s, _)| s.to_lowercase().contains(&wanted))
        })
        .collect();
    let page = page.max(1);
    Ok(OrganizationList {
        docket,
        total: all.len(),
        page,
        per_page: PER_PAGE,
        groups: all
            .into_iter()
            .skip((page - 1) * PER_PAGE)
            .take(PER_PAGE)
            .collect(),
        corrections: corrections.into_iter().collect(),
    })
}

/// Puts `spelling` in the group named `group` (its key: "Microsoft" is
/// the group of "Microsoft Corp."), or, without `group`, gives it back to
/// its own key's group.
pub async fn regroup(
    coding: &Coding,
    docket: &str,
    spelling: &str,
    group: Option<&str>,
    actor: &str,
) -> Result<(), AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let spelling = spelling.trim().to_string();
    let mut errors = BTreeMap::new();
    if spelling.is_empty() || spelling.chars().count() > MAX_NAME {
        errors.insert(
            "spelling".to_string(),
            format!("must be an organization as written, 1 to {MAX_NAME} characters"),
        );
    }
    let key = match group.map(str::trim) {
        None => None,
        Some(g) if g.chars().count() > MAX_NAME || organizations::key(g).is_empty() => {
            errors.insert(
                "group".to_string(),
                format!(
                    "must name an organization (letters or digits), at most {MAX_NAME} characters"
                ),
            );
            None
        }
        Some(g) => Some(organizations::key(g)),
    };
    if !errors.is_empty() {
        return Err(AnalysisError::Invalid(errors));
    }
    let now = coding.now();
    let actor = actor.to_string();
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let (action, detail) = match &key {
                    Some(k) => {
                        organization_group::put(
                            conn,
                            &GroupRow {
                                docket_id: docket.clone(),
                                spelling: spelling.clone(),
                                group_key: k.clone(),
                                actor: actor.clone(),
                                created_at: now,
                            },
                        )?;
                        ("organization.grouped", serde_json::json!({"group": k}))
                    }
                    None => {
                        if !organization_group::remove(conn, &docket, &spelling)? {
                            return Ok(Err(AnalysisError::NotFound("correction")));
                        }
                        ("organization.ungrouped", serde_json::json!({}))
                    }
                };
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &docket, &actor, action, &spelling, detail, now,
                    )],
                )?;
                Ok(Ok(()))
            })
        })
        .await?
}

/// Spellings grouped (by analysts' corrections, else by key), the
/// largest groups first. (A summary's organizations are grouped by the
/// index: `rfidesk_indexer::organization_counts`.)
pub fn groups(
    spellings: &BTreeMap<String, u64>,
    corrections: &HashMap<String, String>,
) -> Vec<OrganizationCount> {
    let mut groups: BTreeMap<String, OrganizationCount> = BTreeMap::new();
    for (name, n) in spellings {
        let key = corrections
            .get(name)
            .cloned()
            .unwrap_or_else(|| organizations::key(name));
        if key.is_empty() {
            continue;
        }
        let g = groups
            .entry(key.clone())
            .or_insert_with(|| OrganizationCount {
                name: String::new(),
                key,
                comments: 0,
                unique: 0,
                spellings: Vec::new(),
            });
        g.comments += n;
        g.spellings.push((name.clone(), *n));
    }
    let mut out: Vec<OrganizationCount> = groups
        .into_values()
        .map(|mut g| {
            g.spellings
                .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            g.name = g.spellings[0].0.clone();
            // Campaigns are not told apart here.
            g.unique = g.comments;
            g
        })
        .collect();
    out.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.key.cmp(&b.key)));
    out
}
