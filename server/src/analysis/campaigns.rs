//! Campaigns as analysts review them: the list with de-duplicated counts
//! and what detection discounted, one campaign with its template and each
//! member's additions, and analysts' corrections (name and confirm, split
//! off a member, merge two campaigns, tag a whole campaign). Corrections
//! are kept in `campaign_corrections` and applied again by every rebuild.

use super::{transaction, Analysis, AnalysisError, Coding};
use crate::campaigns::{self, assign, rebuild, DocketProfile, StoredSignal};
use crate::db::indexed::{self, Change, Touched};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::campaign::{self, CampaignRow, CorrectionRow};
use crate::db::models::{comment, comment_signal};
use chrono::{DateTime, Utc};
use rfidesk_indexer::campaigns::additions::{Additions, Segment};
use rfidesk_indexer::campaigns::signals::Kind;
use rfidesk_indexer::campaigns::Passage;
use serde::Serialize;
use std::collections::BTreeMap;

/// Campaigns on one page of the list.
pub const PER_PAGE: i64 = 50;
/// Members on one page of a campaign.
pub const MEMBERS_PER_PAGE: i64 = 50;
/// Characters of the template in the list.
const TEMPLATE_PREVIEW: usize = 600;
/// Longest name analysts give a campaign.
pub const MAX_NAME_CHARS: usize = 200;

/// Counts that tell comments from voices: a campaign counts once in
/// `unique`.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub comments: i64,
    pub unique: i64,
    pub campaigns: i64,
    pub in_campaigns: i64,
    pub signatories: i64,
    /// Per kind of signal, the comments it concerns (each once).
    pub signals: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Serialize)]
pub struct CampaignList {
    pub docket: String,
    pub counts: Counts,
    pub page: i64,
    pub per_page: i64,
    pub campaigns: Vec<CampaignSummary>,
    /// What detection discounted as the docket's boilerplate.
    pub boilerplate: Vec<Passage>,
    /// Signals over the whole docket (one email under several names, one
    /// client sending many).
    pub signals: Vec<SignalView>,
    /// When the profile was made, and from how many comments.
    pub profiled_at: Option<DateTime<Utc>>,
    pub profiled_comments: i64,
}

#[derive(Debug, Serialize)]
pub struct CampaignSummary {
    pub id: String,
    pub name: Option<String>,
    pub confirmed: bool,
    pub size: i32,
    pub members: i32,
    pub signatories: i64,
    pub template: String,
    pub template_tracking_number: String,
    pub first_received: DateTime<Utc>,
    pub last_received: DateTime<Utc>,
    pub categories: BTreeMap<String, u64>,
    pub organizations: Vec<(String, u64)>,
    pub signals: Vec<SignalView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignalView {
    pub kind: &'static str,
    pub explanation: String,
    pub comments: usize,
}

#[derive(Debug, Serialize)]
pub struct CampaignDetail {
    #[serde(flatten)]
    pub summary: CampaignSummary,
    pub docket: String,
    pub confirmed_by: Option<String>,
    /// The template's whole text (as detection read it).
    pub template_text: String,
    pub page: i64,
    pub per_page: i64,
    pub member_list: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
pub struct MemberView {
    pub tracking_number: String,
    pub received_at: DateTime<Utc>,
    pub similarity: f64,
    pub template: bool,
    /// What the member adds to the template, stretch by stretch.
    pub additions: Vec<String>,
    /// The member's text against the template: same, added, removed.
    pub segments: Vec<Segment>,
    pub added_words: usize,
    pub removed_words: usize,
}

fn signal_views(json: &str) -> Vec<SignalView> {
    let stored: Vec<StoredSignal> = serde_json::from_str(json).unwrap_or_default();
    views(&stored)
}

fn views(stored: &[StoredSignal]) -> Vec<SignalView> {
    stored
        .iter()
        .map(|s| SignalView {
            kind: s.kind.as_str(),
            explanation: s.explanation.clone(),
            comments: s.comments.len(),
        })
        .collect()
}

fn summary_of(row: CampaignRow, template: String, tracking: String) -> CampaignSummary {
    CampaignSummary {
        confirmed: row.confirmed_at.is_some(),
        members: row.size,
        signals: signal_views(&row.signals),
        categories: serde_json::from_str(&row.categories).unwrap_or_default(),
        organizations: serde_json::from_str(&row.organizations).unwrap_or_default(),
        id: row.id,
        name: row.name,
        size: row.size,
        signatories: row.signatories,
        template,
        template_tracking_number: tracking,
        first_received: row.first_received.and_utc(),
        last_received: row.last_received.and_utc(),
    }
}

fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// A docket's counts: comments, unique, campaigns, signatories.
pub fn counts(
    conn: &mut crate::db::DbConn,
    docket: &str,
    min_size: i32,
) -> Result<Counts, crate::db::DbError> {
    let (comments, signatories) = campaign::docket_totals(conn, docket)?;
    let (campaigns, in_campaigns, _) = campaign::totals(conn, docket, min_size)?;
    // What search filters by: the docket's signals and those of its
    // listed campaigns, a comment once per kind.
    let flagged: BTreeMap<&'static str, usize> = comment_signal::counts(conn, docket)?
        .into_iter()
        .filter_map(|(kind, n)| Some((Kind::parse(&kind)?.as_str(), n as usize)))
        .collect();
    Ok(Counts {
        comments,
        unique: comments - in_campaigns + campaigns,
        campaigns,
        in_campaigns,
        signatories,
        signals: flagged,
    })
}

pub async fn list(
    analysis: &Analysis,
    docket: &str,
    page: i64,
) -> Result<CampaignList, AnalysisError> {
    let d = analysis
        .dockets
        .get(docket)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let min_size = d.definition.campaigns.min_size as i32;
    let page = page.max(1);
    let docket = d.id.clone();
    analysis
        .db(move |conn| {
            let counts = counts(conn, &docket, min_size)?;
            let rows = campaign::list(conn, &docket, min_size, (page - 1) * PER_PAGE, PER_PAGE)?;
            let ids: Vec<String> = rows.iter().map(|r| r.template_id.clone()).collect();
            let mut templates = templates_of(conn, &ids)?;
            let campaigns = rows
                .into_iter()
                .map(|row| {
                    let (text, tracking) = templates.remove(&row.template_id).unwrap_or_default();
                    summary_of(row, clip(&text, TEMPLATE_PREVIEW), tracking)
                })
                .collect();
            let profile = campaign::profile(conn, &docket)?;
            let stored: DocketProfile = profile
                .as_ref()
                .and_then(|p| serde_json::from_str(&p.profile).ok())
                .unwrap_or_default();
            Ok(CampaignList {
                counts,
                page,
                per_page: PER_PAGE,
                campaigns,
                boilerplate: stored.profile.passages,
                signals: views(&stored.signals),
                profiled_at: profile
                    .as_ref()
                    .filter(|p| p.comments > 0)
                    .map(|p| p.built_at.and_utc()),
                profiled_comments: profile.map_or(0, |p| p.comments),
                docket,
            })
        })
        .await
}

/// Template comment id to (its text as detection reads it, its tracking
/// number), in one read.
pub(crate) fn templates_of(
    conn: &mut crate::db::DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (String, String)>, crate::db::DbError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    crate::search::documents::for_each_batch::<crate::db::DbError>(
        conn,
        ids,
        |docs| {
            for d in docs {
                let text = crate::campaigns::text_of(&d);
                out.insert(d.id, (text, d.tracking_number));
            }
            Ok(())
        },
        |_| {},
    )?;
    Ok(out)
}

pub async fn get(
    analysis: &Analysis,
    id: &str,
    page: i64,
) -> Result<CampaignDetail, AnalysisError> {
    let id = id.to_string();
    let page = page.max(1);
    let found = analysis
        .db(move |conn| {
            let Some(row) = campaign::find(conn, &id)? else {
                return Ok(None);
            };
            let (template, tracking) = templates_of(conn, std::slice::from_ref(&row.template_id))?
                .remove(&row.template_id)
                .unwrap_or_default();
            let members =
                campaign::members(conn, &id, (page - 1) * MEMBERS_PER_PAGE, MEMBERS_PER_PAGE)?;
            let ids: Vec<String> = members
                .iter()
                .map(|(m, _, _)| m.comment_id.clone())
                .collect();
            let mut texts = std::collections::HashMap::new();
            rebuild::read_texts(conn, &ids, |cid, t| {
                texts.insert(cid, t);
            })?;
            Ok(Some((row, template, tracking, members, texts)))
        })
        .await?;
    let Some((row, template, tracking, members, mut texts)) = found else {
        return Err(AnalysisError::NotFound("campaign"));
    };
    // Diffs are CPU work: off the async workers.
    let template_id = row.template_id.clone();
    let template_text = template.clone();
    let member_list = analysis
        .blocking(move || {
            members
                .into_iter()
                .map(|(m, tracking_number, received)| {
                    let text = texts.remove(&m.comment_id).unwrap_or_default();
                    let a = Additions::of(&template_text, &text);
                    MemberView {
                        tracking_number,
                        received_at: received.and_utc(),
                        similarity: m.similarity,
                        template: m.comment_id == template_id,
                        additions: a.added().into_iter().map(str::to_string).collect(),
                        added_words: a.added_words,
                        removed_words: a.removed_words,
                        segments: a.segments,
                    }
                })
                .collect()
        })
        .await?;
    Ok(CampaignDetail {
        docket: row.docket_id.clone(),
        confirmed_by: row.confirmed_by.clone(),
        summary: summary_of(row, template.clone(), tracking),
        template_text: template,
        page,
        per_page: MEMBERS_PER_PAGE,
        member_list,
    })
}

/// What analysts may change of a campaign's own row.
#[derive(Debug, Clone, Default)]
pub struct Naming {
    /// `Some("")` clears the name.
    pub name: Option<String>,
    pub confirmed: Option<bool>,
}

pub async fn rename(
    coding: &Coding,
    id: &str,
    naming: Naming,
    actor: &str,
) -> Result<(), AnalysisError> {
    if let Some(n) = &naming.name {
        if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) {
            return Err(invalid(
                "name",
                format!("must be at most {MAX_NAME_CHARS} characters, with no control characters"),
            ));
        }
    }
    let (id, actor, now) = (id.to_string(), actor.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(mut row) = campaign::find(conn, &id)? else {
                    return Ok(Err(AnalysisError::NotFound("campaign")));
                };
                if let Some(n) = &naming.name {
                    let n = n.trim();
                    row.name = (!n.is_empty()).then(|| n.to_string());
                }
                match naming.confirmed {
                    Some(true) if row.confirmed_at.is_none() => {
                        row.confirmed_at = Some(now);
                        row.confirmed_by = Some(actor.clone());
                    }
                    Some(false) => {
                        row.confirmed_at = None;
                        row.confirmed_by = None;
                    }
                    _ => {}
                }
                row.updated_at = now;
                campaign::save(conn, &row)?;
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &row.docket_id,
                        &actor,
                        "campaign.named",
                        &row.id,
                        serde_json::json!({"name": row.name, "confirmed": row.confirmed_at.is_some()}),
                        now,
                    )],
                )?;
                Ok(Ok(()))
            })
        })
        .await?
}

/// Takes one member (by tracking number) out of a campaign, for good: the
/// correction is kept, and rebuilds leave it out too.
pub async fn split(
    coding: &Coding,
    id: &str,
    tracking_number: &str,
    actor: &str,
) -> Result<(), AnalysisError> {
    let keys = coding.analysis.keys.clone();
    let min_size = min_size_of(coding, id).await?;
    let (id, tn, actor, now) = (
        id.to_string(),
        tracking_number.to_string(),
        actor.to_string(),
        coding.now(),
    );
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(mut row) = campaign::find(conn, &id)? else {
                    return Ok(Err(AnalysisError::NotFound("campaign")));
                };
                let found = comment::find_by_tracking_number(conn, &tn)?
                    .filter(|c| c.docket_id == row.docket_id)
                    .map(|c| c.id);
                let member = match found {
                    Some(cid) => campaign::campaigns_of(conn, std::slice::from_ref(&cid))?
                        .into_iter()
                        .find(|(_, c)| *c == id)
                        .map(|(cid, _)| cid),
                    None => None,
                };
                let Some(member) = member else {
                    return Ok(Err(invalid(
                        "tracking_number",
                        "is not a member of this campaign",
                    )));
                };
                let split = correction(&row.docket_id, campaign::SPLIT, &member, None, &actor, now);
                campaign::add_correction(conn, &split)?;
                let docket = row.docket_id.clone();
                let remaining = {
                    campaign::remove_member(conn, &member)?;
                    campaign::member_ids(conn, &id)?
                };
                let mut touched = vec![member.clone()];
                if remaining.len() < 2 {
                    touched.extend(remaining.iter().cloned());
                    touched.extend(campaigns::delete(conn, &docket, &id)?);
                } else {
                    if row.template_id == member {
                        row.template_id = remaining[0].clone();
                    }
                    assign::refresh(conn, &mut row, &[], &keys, now)?;
                    touched.extend(campaigns::save(conn, &row, min_size)?);
                }
                changed(conn, &docket, touched, now)?;
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &docket,
                        &actor,
                        "campaign.split",
                        &id,
                        serde_json::json!({"tracking_number": tn}),
                        now,
                    )],
                )?;
                Ok(Ok(()))
            })
        })
        .await?
}

/// Merges `other` into `id`: one campaign, `id`'s, with every member of
/// both; kept across rebuilds.
pub async fn merge(
    coding: &Coding,
    id: &str,
    other: &str,
    actor: &str,
) -> Result<(), AnalysisError> {
    if id == other {
        return Err(invalid("other", "is this campaign"));
    }
    let keys = coding.analysis.keys.clone();
    let min_size = min_size_of(coding, id).await?;
    let (id, other, actor, now) = (
        id.to_string(),
        other.to_string(),
        actor.to_string(),
        coding.now(),
    );
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(mut row) = campaign::find(conn, &id)? else {
                    return Ok(Err(AnalysisError::NotFound("campaign")));
                };
                let Some(gone) =
                    campaign::find(conn, &other)?.filter(|o| o.docket_id == row.docket_id)
                else {
                    return Ok(Err(invalid("other", "is not a campaign of this docket")));
                };
                let (a, b) = (&row.template_id, Some(gone.template_id.clone()));
                let merge = correction(&row.docket_id, campaign::MERGE, a, b, &actor, now);
                campaign::add_correction(conn, &merge)?;
                let docket = row.docket_id.clone();
                let mut moved = campaign::member_ids(conn, &other)?;
                campaign::move_members(conn, &other, &id)?;
                moved.extend(campaigns::delete(conn, &docket, &other)?);
                if row.name.is_none() {
                    row.name = gone.name.clone();
                }
                assign::refresh(conn, &mut row, &[], &keys, now)?;
                moved.extend(campaigns::save(conn, &row, min_size)?);
                moved.sort();
                moved.dedup();
                changed(conn, &docket, moved, now)?;
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &docket,
                        &actor,
                        "campaign.merged",
                        &id,
                        serde_json::json!({"merged": other}),
                        now,
                    )],
                )?;
                Ok(Ok(()))
            })
        })
        .await?
}

fn correction(
    docket: &str,
    kind: &str,
    comment: &str,
    other: Option<String>,
    actor: &str,
    at: chrono::NaiveDateTime,
) -> CorrectionRow {
    CorrectionRow {
        id: uuid::Uuid::now_v7().to_string(),
        docket_id: docket.to_string(),
        kind: kind.to_string(),
        comment_id: comment.to_string(),
        other_id: other,
        actor: actor.to_string(),
        created_at: at,
    }
}

/// Re-indexes comments whose campaign changed.
fn changed(
    conn: &mut crate::db::DbConn,
    docket: &str,
    ids: Vec<String>,
    at: chrono::NaiveDateTime,
) -> Result<(), crate::db::DbError> {
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    indexed::write(conn, Change::Campaign, |_| {
        let touched = ids
            .into_iter()
            .map(|comment_id| Touched {
                comment_id,
                docket_id: docket.to_string(),
                at,
            })
            .collect();
        Ok(((), touched))
    })
}

async fn find_row(coding: &Coding, id: &str) -> Result<CampaignRow, AnalysisError> {
    let cid = id.to_string();
    coding
        .analysis
        .db(move |conn| campaign::find(conn, &cid))
        .await?
        .ok_or(AnalysisError::NotFound("campaign"))
}

/// The smallest listed campaign of the docket campaign `id` is in.
async fn min_size_of(coding: &Coding, id: &str) -> Result<usize, AnalysisError> {
    let row = find_row(coding, id).await?;
    let docket = coding
        .analysis
        .dockets
        .get(&row.docket_id)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    Ok(docket.definition.campaigns.min_size)
}

/// Tags every member of a campaign, as a bulk tag of the search
/// `campaign=ID` (undone like any bulk tag).
pub async fn tag(
    coding: &Coding,
    id: &str,
    tag: &str,
    coder: &str,
) -> Result<super::bulk::BulkView, AnalysisError> {
    let row = find_row(coding, id).await?;
    let mut body = serde_json::Map::new();
    body.insert("tag".into(), tag.into());
    body.insert("campaign".into(), id.into());
    super::bulk::start(coding, &row.docket_id, body, coder).await
}

fn invalid(field: &str, why: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid(BTreeMap::from([(field.to_string(), why.into())]))
}
