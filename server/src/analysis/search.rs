//! One search as the API and the pages run it: the index's answer, plus
//! snippets from attachment text (which only the database keeps).

use super::view::{self, Audience, SubmitterView};
use super::{Analysis, AnalysisError};
use crate::db::models::{attachment, blob_text};
use crate::domain::search_params::SearchParams;
use chrono::{DateTime, Utc};
use rfidesk_indexer::attachment_text::{self, MAX_ATTACHMENT_TEXT_PER_COMMENT};
use rfidesk_indexer::{FacetCounts, Hit};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
pub struct SearchPage {
    pub total: usize,
    /// Matches with each campaign counted once.
    pub unique: usize,
    /// Campaigns among the matches.
    pub campaigns: usize,
    /// Signatories of the matches (a comment without a count is one).
    pub signatories: u64,
    /// Matches some signal concerns; per kind in `facets.signal`.
    pub flagged: usize,
    /// Hits are one per campaign (`collapse=true`).
    pub collapsed: bool,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<HitView>,
    pub facets: FacetCounts,
}

#[derive(Debug, Serialize)]
pub struct HitView {
    pub tracking_number: String,
    pub docket: String,
    pub received_at: DateTime<Utc>,
    pub late: bool,
    /// BM25 relevance; absent when sorted by date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    pub submitter: SubmitterView,
    pub snippets: Vec<SnippetView>,
    /// The form-letter campaign the comment belongs to, and how many of
    /// the matches are in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_matches: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct SnippetView {
    /// `answer.<question id>`, `comment`, `organization`, `name`, or
    /// `attachment` (then `filename` says which).
    pub field: String,
    /// Escaped text; the only markup is `<mark>`.
    pub html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// Runs one search for `audience`, with snippets from attachment text.
pub async fn run(
    analysis: &Analysis,
    params: &SearchParams,
    audience: Audience,
) -> Result<SearchPage, AnalysisError> {
    let index = analysis.index()?;
    let request = params.to_request();
    let results = analysis.blocking(move || index.search(&request)).await??;

    // Attachment snippets, for the hits whose attachment text matched.
    let matched: Vec<String> = results
        .hits
        .iter()
        .filter(|h| h.attachment_match)
        .map(|h| h.id.clone())
        .collect();
    let mut attachment_snippets: HashMap<String, Vec<SnippetView>> = HashMap::new();
    if !matched.is_empty() {
        let highlighter = results.highlighter.clone();
        attachment_snippets = analysis
            .db(move |conn| {
                let files = attachment::for_comments(conn, &matched)?;
                let mut out: HashMap<String, Vec<SnippetView>> = HashMap::new();
                // One comment at a time, each within its bound on
                // attachment text: a page of hits never loads more.
                let mut start = 0;
                while start < files.len() {
                    let comment_id = files[start].comment_id.clone();
                    let end = files[start..]
                        .iter()
                        .position(|f| f.comment_id != comment_id)
                        .map_or(files.len(), |n| start + n);
                    let own: Vec<(&str, &str)> = files[start..end]
                        .iter()
                        .map(|f| (f.filename.as_str(), f.sha256.as_str()))
                        .collect();
                    start = end;
                    let found = file_snippets(conn, &own, &highlighter)?;
                    if !found.is_empty() {
                        out.insert(comment_id, found);
                    }
                }
                Ok(out)
            })
            .await?;
    }

    // Campaign counts come from the facet, which a campaign filter does
    // not narrow (facets show what each value would add): narrowed here.
    let wanted = params.keywords.get("campaign");
    let in_campaign: HashMap<String, u64> = results
        .facets
        .get("campaign")
        .map(|m| {
            m.iter()
                .filter(|(c, n)| **n > 0 && wanted.is_none_or(|w| w.contains(c)))
                .map(|(c, n)| (c.clone(), *n))
                .collect()
        })
        .unwrap_or_default();
    let members: u64 = in_campaign.values().sum();
    let unique = results.total.saturating_sub(members as usize) + in_campaign.len();
    let hits = results
        .hits
        .into_iter()
        .map(|h| {
            let extra = attachment_snippets.remove(&h.id).unwrap_or_default();
            let matches = h
                .campaign
                .as_ref()
                .and_then(|c| in_campaign.get(c).copied());
            let mut v = hit_view(h, extra, audience);
            v.campaign_matches = matches;
            v
        })
        .collect();
    Ok(SearchPage {
        unique,
        campaigns: in_campaign.len(),
        signatories: results.signatories,
        flagged: results.flagged,
        collapsed: params.collapse,
        total: results.total,
        page: params.page,
        per_page: params.per_page,
        hits,
        facets: results.facets,
    })
}

/// Snippets of the query's words in one comment's files (name, hash), read
/// within the comment's bound on attachment text (what the index holds).
pub(crate) fn file_snippets(
    conn: &mut crate::db::DbConn,
    files: &[(&str, &str)],
    highlighter: &rfidesk_indexer::highlight::Highlighter,
) -> Result<Vec<SnippetView>, crate::db::DbError> {
    let shas: Vec<String> = files.iter().map(|(_, sha)| sha.to_string()).collect();
    let texts: HashMap<String, String> =
        blob_text::extracted_prefixes(conn, &shas, MAX_ATTACHMENT_TEXT_PER_COMMENT)?
            .into_iter()
            .collect();
    let shares: Vec<(&str, Option<&str>)> = files
        .iter()
        .map(|(_, sha)| (*sha, texts.get(*sha).map(String::as_str)))
        .collect();
    let mut out = Vec::new();
    for ((name, _), share) in files.iter().zip(attachment_text::bound(&shares)) {
        let Some(text) = share.text else { continue };
        if let Some(html) = highlighter.snippet(text) {
            out.push(SnippetView {
                field: "attachment".into(),
                html,
                filename: Some(name.to_string()),
            });
        }
    }
    Ok(out)
}

pub fn hit_view(h: Hit, extra: Vec<SnippetView>, audience: Audience) -> HitView {
    let submitter = view::hit_submitter(&h, audience);
    let received_at = view::hit_received(&h);
    let mut snippets: Vec<SnippetView> = h
        .snippets
        .into_iter()
        .map(|s| SnippetView {
            field: s.field,
            html: s.html,
            filename: None,
        })
        .collect();
    snippets.extend(extra);
    HitView {
        tracking_number: h.tracking_number,
        docket: h.docket,
        received_at,
        late: h.late,
        score: h.score,
        submitter,
        snippets,
        campaign: h.campaign,
        campaign_matches: None,
    }
}
