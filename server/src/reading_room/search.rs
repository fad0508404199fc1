//! The reading room's search: the public index only, one docket, the
//! public's filters. Hits are checked against the database before they
//! are shown, so a comment withheld a moment ago (before the index
//! followed) is not.

use super::public::Publics;
use crate::analysis::search::{file_snippets, SnippetView};
use crate::analysis::{Analysis, AnalysisError};
use crate::db::models::{attachment, comment};
use crate::domain::posting::is_public;
use crate::domain::search_params::SearchParams;
use chrono::{DateTime, Utc};
use rfidesk_indexer::FacetCounts;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The filters the public may use, and the only facets it is shown.
pub const PUBLIC_FACETS: [&str; 4] = ["category", "org_type", "country", "question"];
/// Every parameter of a public search.
const PARAMS: [&str; 10] = [
    "q", "category", "org_type", "country", "question", "from", "to", "sort", "page", "per_page",
];
/// Most values one parameter may be given.
pub const MAX_VALUES: usize = 20;
/// Most hits on one public page.
pub const MAX_PER_PAGE: usize = 50;

/// A public search, parsed at the edge.
#[derive(Debug, Clone)]
pub struct PublicQuery {
    pub docket: String,
    pub params: SearchParams,
}

impl PublicQuery {
    /// The query string's pairs; anything but the public's parameters is
    /// refused by name.
    pub fn parse(
        docket: &str,
        pairs: &[(String, String)],
    ) -> Result<Self, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (key, _) in pairs {
            if !PARAMS.contains(&key.as_str()) {
                errors.insert(
                    key.clone(),
                    "is not a parameter of the public search".into(),
                );
            }
            *counts.entry(key.as_str()).or_default() += 1;
        }
        // A filter's values are ORed: a few make sense, thousands only cost.
        for (key, n) in counts {
            if n > MAX_VALUES {
                errors.insert(
                    key.to_string(),
                    format!("is given {n} times; at most {MAX_VALUES}"),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut params = SearchParams::parse(pairs)?;
        params.per_page = params.per_page.min(MAX_PER_PAGE);
        params
            .keywords
            .insert("docket".into(), vec![docket.to_string()]);
        Ok(PublicQuery {
            docket: docket.to_string(),
            params,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct PublicPage {
    pub docket: String,
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<PublicHit>,
    /// Counts over the matches, for [`PUBLIC_FACETS`] only.
    pub facets: FacetCounts,
}

#[derive(Debug, Serialize)]
pub struct PublicHit {
    pub tracking_number: String,
    pub received_at: DateTime<Utc>,
    pub submitter: super::comment::PublicSubmitter,
    /// Escaped text; the only markup is `<mark>`.
    pub snippets: Vec<SnippetView>,
    /// Where to read it.
    pub url: String,
}

pub async fn run(analysis: &Analysis, query: &PublicQuery) -> Result<PublicPage, AnalysisError> {
    let index = analysis
        .search
        .public_index()
        .ok_or(AnalysisError::IndexUnavailable)?;
    let request = query.params.to_request();
    let results = analysis.blocking(move || index.search(&request)).await??;

    // Which hits are public now, and snippets from public files' text for
    // those whose attachment text matched.
    let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
    let matched: HashSet<String> = results
        .hits
        .iter()
        .filter(|h| h.attachment_match)
        .map(|h| h.id.clone())
        .collect();
    let highlighter = results.highlighter.clone();
    let (public_now, mut file_snippets) = analysis
        .db(move |conn| {
            let rows = comment::by_ids(conn, &ids)?;
            let rows: Vec<&comment::CommentRow> = rows
                .iter()
                .filter(|r| is_public(&r.posting_status))
                .collect();
            let public_now: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
            let with_files: Vec<&comment::CommentRow> = rows
                .iter()
                .copied()
                .filter(|r| matched.contains(&r.id))
                .collect();
            let mut snippets: HashMap<String, Vec<SnippetView>> = HashMap::new();
            if with_files.is_empty() {
                return Ok((public_now, snippets));
            }
            let ids: Vec<String> = with_files.iter().map(|r| r.id.clone()).collect();
            let all = attachment::for_comments(conn, &ids)?;
            let all: Vec<&attachment::AttachmentRow> = all.iter().collect();
            let publics = Publics::load(conn, &with_files, &all)?;
            for row in with_files {
                let own: Vec<&attachment::AttachmentRow> = all
                    .iter()
                    .copied()
                    .filter(|a| a.comment_id == row.id)
                    .collect();
                let files = publics.files(row, &own);
                let named: Vec<(&str, &str)> = files
                    .iter()
                    .map(|f| (f.filename.as_str(), f.sha256.as_str()))
                    .collect();
                let found = file_snippets(conn, &named, &highlighter)?;
                if !found.is_empty() {
                    snippets.insert(row.id.clone(), found);
                }
            }
            Ok((public_now, snippets))
        })
        .await?;

    let hits = results
        .hits
        .into_iter()
        .filter(|h| public_now.contains(&h.id))
        .map(|h| {
            let mut snippets: Vec<SnippetView> = h
                .snippets
                .into_iter()
                .map(|s| SnippetView {
                    field: s.field,
                    html: s.html,
                    filename: None,
                })
                .collect();
            snippets.extend(file_snippets.remove(&h.id).unwrap_or_default());
            PublicHit {
                url: format!("/dockets/{}/comments/{}", h.docket, h.tracking_number),
                received_at: DateTime::from_timestamp_millis(h.received_at_ms).unwrap_or_default(),
                submitter: super::comment::PublicSubmitter {
                    name: h.name,
                    organization: h.organization,
                    organization_type: h.org_type,
                    category: h.category,
                    country: h.country,
                },
                tracking_number: h.tracking_number,
                snippets,
            }
        })
        .collect();
    let facets = results
        .facets
        .into_iter()
        .filter(|(field, _)| PUBLIC_FACETS.contains(&field.as_str()))
        .collect();
    Ok(PublicPage {
        docket: query.docket.clone(),
        total: results.total,
        page: query.params.page,
        per_page: query.params.per_page,
        hits,
        facets,
    })
}
