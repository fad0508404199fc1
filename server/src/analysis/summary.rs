//! What the public said, at a glance: a docket's summary, or any search's
//! (the same `q` and filters as the search API). Counted by the index in
//! one pass (`rfidesk_indexer::summary`); labels, days in the docket's time
//! zone, campaign names and organizations grouped by their key are added
//! here.

use super::distinguishing::{self, TermGroupView};
use super::{Analysis, AnalysisError};
use crate::db::models::{campaign, comment_tag, organization_group, tag};
use crate::domain::docket::Docket;
use crate::domain::search_params::SearchParams;
use crate::domain::submission::ORGANIZATION_TYPES;
use chrono::NaiveDate;
use rfidesk_indexer::{OrganizationsWanted, SearchError, SummaryCounts};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Summaries made at once. Each walks every match twice on the two cores
/// (counts, and the postings of distinguishing terms) and holds a term
/// table; more at once would only share the cores and multiply the memory.
/// Others wait for a permit, up to [`PERMIT_WAIT`], then get a 503.
pub const CONCURRENT: usize = 2;
const PERMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Campaigns and organizations listed.
const LARGEST_CAMPAIGNS: usize = 10;
const TOP_ORGANIZATIONS: usize = 20;
/// Quotes per tag, for the tags with the most comments.
const QUOTES: usize = 3;
const QUOTED_TAGS: usize = 40;
/// Coded excerpts read for quotes (the oldest first).
const EXCERPTS_READ: i64 = 20_000;
/// Characters of a comment quoted when no word of the search marks it.
const QUOTE_CHARS: usize = 300;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub docket: String,
    pub title: String,
    /// The search summarized (`*`: the whole docket) and its filters.
    pub q: String,
    pub filters: BTreeMap<String, Vec<String>>,
    pub totals: Totals,
    pub by_category: Vec<Breakdown>,
    pub by_org_type: Vec<Breakdown>,
    pub by_country: Vec<Breakdown>,
    pub by_question: Vec<Breakdown>,
    /// Where the comments' review for public posting stands.
    pub by_posting: Vec<Breakdown>,
    pub by_tag: Vec<Breakdown>,
    pub crosstab: Crosstab,
    /// Days in the docket's time zone, the first to the last with any.
    pub per_day: Vec<DayCount>,
    pub largest_campaigns: Vec<CampaignCount>,
    pub top_organizations: Vec<OrganizationCount>,
    /// For the 40 tags with the most comments: up to 3 quotes each,
    /// analysts' coded excerpts first, then the best matches of the search.
    pub quotes: BTreeMap<String, Vec<Quote>>,
    /// Per category, organization type and tag: the words and phrases
    /// that set its comments apart from the other matches.
    pub distinguishing_terms: Vec<TermGroupView>,
    /// The comments distinguishing terms were counted from: every match,
    /// or an evenly spaced sample of a larger search.
    pub distinguishing_terms_read: u64,
}

#[derive(Debug, Serialize, Clone)]
pub struct Quote {
    pub tracking_number: String,
    /// Escaped text; the only markup is `<mark>` around the search's words.
    pub html: String,
    /// `excerpt` (coded by an analyst) or `match` (a comment with the tag
    /// that the search ranks high).
    pub source: &'static str,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Totals {
    pub comments: u64,
    /// A campaign counts once.
    pub unique: u64,
    pub campaigns: u64,
    pub signatories: u64,
    pub late: u64,
    pub with_attachments: u64,
    pub business_confidential: u64,
    /// Comments some signal concerns.
    pub flagged: u64,
}

#[derive(Debug, Serialize, Clone)]
pub struct Breakdown {
    pub value: String,
    pub label: String,
    pub comments: u64,
    pub unique: u64,
    /// This value's unique comments over all unique comments.
    pub share_of_unique: f64,
}

#[derive(Debug, Serialize)]
pub struct Crosstab {
    /// Column order: categories by comments.
    pub categories: Vec<Labelled>,
    pub rows: Vec<CrossRow>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Labelled {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct CrossRow {
    pub tag: String,
    pub label: String,
    /// Comments with the tag, per category in `categories`' order.
    pub counts: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub comments: u64,
}

#[derive(Debug, Serialize)]
pub struct CampaignCount {
    pub id: String,
    pub name: Option<String>,
    /// Its members among the summarized comments.
    pub comments: u64,
    pub size: i32,
}

#[derive(Debug, Serialize)]
pub struct OrganizationCount {
    /// The spelling most of its comments use.
    pub name: String,
    /// What its spellings share (`rfidesk_indexer::organizations::key`).
    pub key: String,
    pub comments: u64,
    /// A campaign counts once.
    pub unique: u64,
    /// Each spelling and its comments, most used first.
    pub spellings: Vec<(String, u64)>,
}

impl Summary {
    /// The groups some term sets apart, under a heading per field (none
    /// when no group's terms stand out).
    pub fn term_sections(&self) -> Vec<(&'static str, Vec<&TermGroupView>)> {
        [
            ("category", "By submitter category"),
            ("org_type", "By organization type"),
            ("tag", "By tag"),
        ]
        .into_iter()
        .map(|(field, title)| {
            let groups = self
                .distinguishing_terms
                .iter()
                .filter(|g| g.field == field && !g.terms.is_empty())
                .collect::<Vec<_>>();
            (title, groups)
        })
        .filter(|(_, groups)| !groups.is_empty())
        .collect()
    }
}

/// Summarizes the comments of `docket` that `params` matches.
pub async fn summarize(
    analysis: &Analysis,
    docket: &str,
    params: &SearchParams,
) -> Result<Summary, AnalysisError> {
    summarize_parts(analysis, docket, params, Parts::All).await
}

/// The counts of a summary only, without quotes and distinguishing terms
/// (for the `tags` and `crosstab` exports, which print neither: the
/// terms alone are a second pass over a sample of the matches).
pub async fn counts(
    analysis: &Analysis,
    docket: &str,
    params: &SearchParams,
) -> Result<Summary, AnalysisError> {
    summarize_parts(analysis, docket, params, Parts::Counts).await
}

#[derive(Clone, Copy, PartialEq)]
enum Parts {
    All,
    Counts,
}

async fn summarize_parts(
    analysis: &Analysis,
    docket: &str,
    params: &SearchParams,
    parts: Parts,
) -> Result<Summary, AnalysisError> {
    let d = analysis
        .dockets
        .get(docket)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let index = analysis.index()?;
    let _permit = tokio::time::timeout(PERMIT_WAIT, analysis.summaries.clone().acquire_owned())
        .await
        .map_err(|_| AnalysisError::Busy("summaries"))?
        .map_err(|_| AnalysisError::Busy("summaries"))?;
    let mut request = params.to_request();
    request
        .filters
        .keywords
        .insert("docket".into(), vec![d.id.clone()]);
    let docket_id = d.id.clone();
    let organizations = OrganizationsWanted {
        corrections: analysis
            .db(move |conn| organization_group::for_docket(conn, &docket_id))
            .await?
            .into_iter()
            .collect(),
        top: TOP_ORGANIZATIONS,
    };
    // Two passes over the matches at once: the counts (then labels and
    // quotes, which need them), and beside them the stored text of (a
    // sample of) the matches for the distinguishing terms, the longer pass.
    let terms_index = index.clone();
    let terms_request = request.clone();
    let started = std::time::Instant::now();
    let counted = async {
        let counts = analysis
            .blocking(move || index.summarize(&request.q, &request.filters, &organizations))
            .await??;
        let counted_at = started.elapsed();
        let docket_id = d.id.clone();
        let campaign_ids: Vec<(String, u64)> = largest(counts.comments.get("campaign"));
        let (tags, campaigns) = analysis
            .db(move |conn| {
                let tags: HashMap<String, String> = tag::for_docket(conn, &docket_id)?
                    .into_iter()
                    .map(|t| (t.path, t.label))
                    .collect();
                let mut campaigns = Vec::new();
                for (id, n) in campaign_ids.into_iter().take(LARGEST_CAMPAIGNS) {
                    if let Some(row) = campaign::find(conn, &id)? {
                        campaigns.push(CampaignCount {
                            id: row.id,
                            name: row.name,
                            comments: n,
                            size: row.size,
                        });
                    }
                }
                Ok((tags, campaigns))
            })
            .await?;
        let mut summary = assemble(&d, params, &counts, &tags, campaigns);
        let labelled_at = started.elapsed();
        if parts == Parts::All {
            summary.quotes = quotes(analysis, &d.id, params, &summary.by_tag).await?;
        }
        // Where a summary's time goes (no text, no names: durations only).
        tracing::debug!(
            counts_ms = counted_at.as_millis() as u64,
            labels_ms = (labelled_at - counted_at).as_millis() as u64,
            quotes_ms = (started.elapsed() - labelled_at).as_millis() as u64,
            "summary counted"
        );
        Ok::<Summary, AnalysisError>(summary)
    };
    let terms = async {
        if parts == Parts::Counts {
            return Ok(None);
        }
        let terms = analysis
            .blocking(move || {
                terms_index.distinguishing_terms(
                    &terms_request.q,
                    &terms_request.filters,
                    distinguishing::PER_GROUP,
                )
            })
            .await??;
        tracing::debug!(
            terms_ms = started.elapsed().as_millis() as u64,
            "summary terms"
        );
        Ok::<_, AnalysisError>(Some(terms))
    };
    let (mut summary, terms) = tokio::try_join!(counted, terms)?;
    tracing::debug!(
        total_ms = started.elapsed().as_millis() as u64,
        "summary made"
    );
    if let Some(terms) = terms {
        summary.distinguishing_terms_read = terms.read;
        summary.distinguishing_terms = distinguishing::labelled(terms.groups, &summary);
    }
    Ok(summary)
}

/// Up to [`QUOTES`] quotes for each of the [`QUOTED_TAGS`] largest tags:
/// coded excerpts of the tag or a tag under it (of comments the search
/// matches), then the search's best matches carrying the tag, each
/// comment quoted once per tag.
async fn quotes(
    analysis: &Analysis,
    docket: &str,
    params: &SearchParams,
    by_tag: &[Breakdown],
) -> Result<BTreeMap<String, Vec<Quote>>, AnalysisError> {
    let mut largest: Vec<&Breakdown> = by_tag.iter().collect();
    largest.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.value.cmp(&b.value)));
    let tags: Vec<String> = largest
        .into_iter()
        .take(QUOTED_TAGS)
        .map(|b| b.value.clone())
        .collect();
    if tags.is_empty() {
        return Ok(BTreeMap::new());
    }
    let d = docket.to_string();
    let excerpts = analysis
        .db(move |conn| comment_tag::excerpts(conn, &d, EXCERPTS_READ))
        .await?;
    let index = analysis.index()?;
    let mut request = params.to_request();
    request
        .filters
        .keywords
        .insert("docket".into(), vec![docket.to_string()]);
    let whole_docket = is_whole_docket(params);
    let wanted = tags.clone();
    type Found = (
        Vec<(String, String, String, String)>,
        std::collections::HashSet<String>,
        HashMap<String, Vec<rfidesk_indexer::Hit>>,
    );
    let (excerpts, matching, matches): Found = analysis
        .blocking(move || -> Result<Found, SearchError> {
            // Which excerpts' comments the search matches.
            let mut among: Vec<String> = excerpts.iter().map(|e| e.1.clone()).collect();
            among.sort();
            among.dedup();
            let matching: std::collections::HashSet<String> = if whole_docket {
                among.into_iter().collect()
            } else {
                index
                    .matching(&[(request.q.clone(), request.filters.clone())], &among)?
                    .into_iter()
                    .flatten()
                    .collect()
            };
            // The search's best matches per tag, for the tags short of quotes.
            let mut matches: HashMap<String, Vec<rfidesk_indexer::Hit>> = HashMap::new();
            for tag in &wanted {
                let have = excerpts
                    .iter()
                    .filter(|e| under(&e.0, tag) && matching.contains(&e.1))
                    .count();
                if have >= QUOTES {
                    continue;
                }
                let mut r = request.clone();
                r.filters.keywords.insert("tag".into(), vec![tag.clone()]);
                r.limit = QUOTES * 2;
                matches.insert(tag.clone(), index.best(&r)?);
            }
            Ok((excerpts, matching, matches))
        })
        .await??;
    // Matches with no marked snippet (no words to mark): quoted from
    // their text.
    let plain: Vec<String> = matches
        .values()
        .flatten()
        .filter(|h| h.snippets.is_empty())
        .map(|h| h.id.clone())
        .collect();
    let texts: HashMap<String, String> = analysis
        .db(move |conn| {
            Ok(crate::db::models::comment::by_ids(conn, &plain)?
                .into_iter()
                .map(|c| {
                    let answers: BTreeMap<String, String> =
                        serde_json::from_str(&c.answers).unwrap_or_default();
                    let text = c
                        .general_comment
                        .filter(|t| !t.trim().is_empty())
                        .or_else(|| answers.into_values().find(|t| !t.trim().is_empty()))
                        .unwrap_or_default();
                    (c.id, text)
                })
                .collect())
        })
        .await?;
    let mut out: BTreeMap<String, Vec<Quote>> = BTreeMap::new();
    for tag in &tags {
        let mut quoted: Vec<Quote> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (path, comment_id, tracking, text) in &excerpts {
            if quoted.len() >= QUOTES {
                break;
            }
            if under(path, tag) && matching.contains(comment_id) && seen.insert(comment_id) {
                quoted.push(Quote {
                    tracking_number: tracking.clone(),
                    html: escaped(text),
                    source: "excerpt",
                });
            }
        }
        for h in matches.get(tag).into_iter().flatten() {
            if quoted.len() >= QUOTES {
                break;
            }
            if !seen.insert(&h.id) {
                continue;
            }
            let html = match h.snippets.first() {
                Some(s) => s.html.clone(),
                None => escaped(&clip(texts.get(&h.id).map_or("", String::as_str))),
            };
            if html.trim().is_empty() {
                continue;
            }
            quoted.push(Quote {
                tracking_number: h.tracking_number.clone(),
                html,
                source: "match",
            });
        }
        if !quoted.is_empty() {
            out.insert(tag.clone(), quoted);
        }
    }
    Ok(out)
}

/// Whether `path` is `tag` or a tag under it.
fn under(path: &str, tag: &str) -> bool {
    path == tag
        || path
            .strip_prefix(tag)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn is_whole_docket(params: &SearchParams) -> bool {
    (params.q.trim().is_empty() || params.q.trim() == "*")
        && params.keywords.keys().all(|k| k == "docket")
        && params.from.is_none()
        && params.to.is_none()
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    rfidesk_indexer::highlight::escape_into(&mut out, text);
    out
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The summary from the index's counts and the labels.
pub fn assemble(
    d: &Docket,
    params: &SearchParams,
    counts: &SummaryCounts,
    tag_labels: &HashMap<String, String>,
    largest_campaigns: Vec<CampaignCount>,
) -> Summary {
    let of = |field: &str, value: &str| -> u64 {
        counts
            .comments
            .get(field)
            .and_then(|m| m.get(value))
            .copied()
            .unwrap_or(0)
    };
    let in_campaigns = counts.comments.get("campaign");
    let members: u64 = in_campaigns.map_or(0, |m| m.values().sum());
    let campaigns = in_campaigns.map_or(0, |m| m.values().filter(|n| **n > 0).count()) as u64;
    let unique = counts.total - members.min(counts.total) + campaigns;
    let totals = Totals {
        comments: counts.total,
        unique,
        campaigns,
        signatories: counts.signatories,
        late: of("late", "true"),
        with_attachments: of("has_attachments", "true"),
        business_confidential: of("business_confidential", "true"),
        flagged: counts.flagged,
    };
    let categories: HashMap<&str, &str> = d
        .definition
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.label.as_str()))
        .collect();
    let questions: HashMap<&str, &str> = d
        .definition
        .questions
        .iter()
        .map(|q| (q.id.as_str(), q.title.as_str()))
        .collect();
    let org_types: HashMap<&str, &str> = ORGANIZATION_TYPES.iter().copied().collect();
    let breakdown = |field: &str, label: &dyn Fn(&str) -> String| -> Vec<Breakdown> {
        let mut rows: Vec<Breakdown> = counts
            .comments
            .get(field)
            .into_iter()
            .flatten()
            .filter(|(_, n)| **n > 0)
            .map(|(value, n)| {
                let u = counts
                    .unique
                    .get(field)
                    .and_then(|m| m.get(value))
                    .copied()
                    .unwrap_or(*n);
                Breakdown {
                    label: label(value),
                    value: value.clone(),
                    comments: *n,
                    unique: u,
                    share_of_unique: if unique == 0 {
                        0.0
                    } else {
                        u as f64 / unique as f64
                    },
                }
            })
            .collect();
        rows.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.label.cmp(&b.label)));
        rows
    };
    let by_category = breakdown("category", &|v| {
        categories.get(v).map_or(v.to_string(), |l| l.to_string())
    });
    let by_org_type = breakdown("org_type", &|v| {
        org_types.get(v).map_or(v.to_string(), |l| l.to_string())
    });
    let by_country = breakdown("country", &|v| {
        isocountry::CountryCode::for_alpha2(v).map_or(v.to_string(), |c| c.name().to_string())
    });
    let mut by_question = breakdown("question", &|v| {
        questions.get(v).map_or(v.to_string(), |l| l.to_string())
    });
    // Questions in the docket's order, as the form asks them.
    by_question.sort_by_key(|b| {
        d.definition
            .questions
            .iter()
            .position(|q| q.id == b.value)
            .unwrap_or(usize::MAX)
    });
    let by_posting = breakdown("posting", &|v| crate::domain::posting::label(v).to_string());
    let tag_label = |v: &str| tag_labels.get(v).cloned().unwrap_or_else(|| v.to_string());
    let mut by_tag = breakdown("tag", &tag_label);
    // The codebook's order: paths sorted put each tag under its parent.
    by_tag.sort_by(|a, b| a.value.cmp(&b.value));

    let columns: Vec<Labelled> = by_category
        .iter()
        .map(|b| Labelled {
            value: b.value.clone(),
            label: b.label.clone(),
        })
        .collect();
    let crosstab = Crosstab {
        rows: by_tag
            .iter()
            .map(|t| CrossRow {
                tag: t.value.clone(),
                label: t.label.clone(),
                counts: columns
                    .iter()
                    .map(|c| {
                        counts
                            .crosstab
                            .get(&t.value)
                            .and_then(|m| m.get(&c.value))
                            .copied()
                            .unwrap_or(0)
                    })
                    .collect(),
            })
            .collect(),
        categories: columns,
    };

    Summary {
        docket: d.id.clone(),
        title: d.title.clone(),
        q: params.q.clone(),
        filters: params.keywords.clone(),
        totals,
        by_category,
        by_org_type,
        by_country,
        by_question,
        by_posting,
        by_tag,
        crosstab,
        per_day: per_day(&counts.hours, d.time_zone),
        largest_campaigns,
        quotes: BTreeMap::new(),
        distinguishing_terms: Vec::new(),
        distinguishing_terms_read: 0,
        top_organizations: counts
            .organizations
            .iter()
            .map(|g| OrganizationCount {
                name: g.spellings.first().map(|s| s.0.clone()).unwrap_or_default(),
                key: g.key.clone(),
                comments: g.comments,
                unique: g.unique,
                spellings: g.spellings.clone(),
            })
            .collect(),
    }
}

/// Values by count, largest first.
fn largest(m: Option<&BTreeMap<String, u64>>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m
        .into_iter()
        .flatten()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Hours (UTC) folded into days of the docket's time zone, every day from
/// the first to the last present (a day without comments shows as 0).
pub fn per_day(hours: &BTreeMap<i64, u64>, tz: chrono_tz::Tz) -> Vec<DayCount> {
    let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for (h, n) in hours {
        let Some(t) = chrono::DateTime::from_timestamp(h * 3600, 0) else {
            continue;
        };
        *days.entry(t.with_timezone(&tz).date_naive()).or_default() += n;
    }
    let (Some(first), Some(last)) = (
        days.keys().next().copied(),
        days.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| DayCount {
            date,
            comments: days.get(&date).copied().unwrap_or(0),
        })
        .collect()
}
