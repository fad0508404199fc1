//! The reading room's pages: a docket's posted comments, searchable, and
//! one posted comment. What they show comes from `reading_room` only.

use crate::domain::docket::Docket;
use crate::reading_room::comment::PublicComment;
use crate::reading_room::search::{PublicHit, PublicPage};
use askama::Template;

/// A facet's values: (label, count, the address with it as a filter).
pub type FacetValues = Vec<(String, u64, String)>;

#[derive(Template)]
#[template(path = "reading_room/list.html")]
pub struct ListPage {
    pub docket_id: String,
    pub docket_title: String,
    pub q: String,
    pub total: usize,
    pub first: usize,
    pub last: usize,
    pub hits: Vec<HitLine>,
    /// (heading, its values).
    pub facets: Vec<(String, FacetValues)>,
    /// Filters in use, each with the address without it: (label, url).
    pub active: Vec<(String, String)>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// Why the search could not be run (bad parameters).
    pub problem: Option<String>,
}

pub struct HitLine {
    pub hit: PublicHit,
    pub received_local: String,
    pub who: String,
    pub category: String,
}

#[derive(Template)]
#[template(path = "reading_room/comment.html")]
pub struct CommentPage {
    pub docket_id: String,
    pub docket_title: String,
    pub comment: PublicComment,
    pub received_local: String,
    pub who: String,
    pub category: String,
}

fn local(docket: &Docket, at: chrono::DateTime<chrono::Utc>) -> String {
    docket
        .local(at)
        .format("%B %-d, %Y %-I:%M %p %Z")
        .to_string()
}

fn who(name: &Option<String>, organization: &Option<String>) -> String {
    match (name, organization) {
        (Some(n), Some(o)) => format!("{n}, {o}"),
        (Some(n), None) => n.clone(),
        (None, Some(o)) => o.clone(),
        (None, None) => "Anonymous".into(),
    }
}

fn category_label(docket: &Docket, id: &str) -> String {
    docket
        .category(id)
        .map(|c| c.label.clone())
        .unwrap_or_else(|| id.to_string())
}

/// `pairs`: the request's own parameters (to build the other pages' and
/// the filters' addresses from).
pub fn list_page(
    docket: &Docket,
    pairs: &[(String, String)],
    page: Result<PublicPage, String>,
) -> ListPage {
    let base = format!("/dockets/{}/comments", docket.id);
    let with = |drop: &[&str], add: &[(&str, String)]| -> String {
        let mut kept: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, v)| !drop.contains(&k.as_str()) && !v.is_empty())
            .cloned()
            .collect();
        for (k, v) in add {
            kept.push((k.to_string(), v.clone()));
        }
        if kept.is_empty() {
            base.clone()
        } else {
            format!(
                "{base}?{}",
                serde_urlencoded::to_string(&kept).unwrap_or_default()
            )
        }
    };
    let q = pairs
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut active = Vec::new();
    for (k, v) in pairs {
        if matches!(k.as_str(), "category" | "country" | "org_type" | "question") && !v.is_empty() {
            let label = match k.as_str() {
                "category" => category_label(docket, v),
                "question" => docket
                    .question(v)
                    .map(|q| q.title.clone())
                    .unwrap_or_else(|| v.clone()),
                _ => v.clone(),
            };
            let rest: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k2, v2)| !(k2 == k && v2 == v) && k2 != "page")
                .cloned()
                .collect();
            let url = if rest.is_empty() {
                base.clone()
            } else {
                format!(
                    "{base}?{}",
                    serde_urlencoded::to_string(&rest).unwrap_or_default()
                )
            };
            active.push((label, url));
        }
    }
    let mut out = ListPage {
        docket_id: docket.id.clone(),
        docket_title: docket.title.clone(),
        q,
        total: 0,
        first: 0,
        last: 0,
        hits: Vec::new(),
        facets: Vec::new(),
        active,
        prev_url: None,
        next_url: None,
        problem: None,
    };
    let page = match page {
        Ok(p) => p,
        Err(why) => {
            out.problem = Some(why);
            return out;
        }
    };
    out.total = page.total;
    out.first = (page.page - 1) * page.per_page + 1;
    out.last = ((page.page - 1) * page.per_page + page.hits.len()).max(out.first - 1);
    if page.page > 1 {
        out.prev_url = Some(with(&["page"], &[("page", (page.page - 1).to_string())]));
    }
    if page.page * page.per_page < page.total {
        out.next_url = Some(with(&["page"], &[("page", (page.page + 1).to_string())]));
    }
    for (field, heading) in [("category", "Submitter category"), ("country", "Country")] {
        let Some(counts) = page.facets.get(field) else {
            continue;
        };
        let mut values: Vec<(String, u64, String)> = counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(v, n)| {
                let label = if field == "category" {
                    category_label(docket, v)
                } else {
                    v.clone()
                };
                (label, *n, with(&["page", field], &[(field, v.clone())]))
            })
            .collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        values.truncate(15);
        if !values.is_empty() {
            out.facets.push((heading.to_string(), values));
        }
    }
    out.hits = page
        .hits
        .into_iter()
        .map(|hit| HitLine {
            received_local: local(docket, hit.received_at),
            who: who(&hit.submitter.name, &hit.submitter.organization),
            category: category_label(docket, &hit.submitter.category),
            hit,
        })
        .collect();
    out
}

pub fn comment_page(docket: &Docket, comment: PublicComment) -> CommentPage {
    CommentPage {
        docket_id: docket.id.clone(),
        docket_title: docket.title.clone(),
        received_local: local(docket, comment.received_at),
        who: who(&comment.submitter.name, &comment.submitter.organization),
        category: category_label(docket, &comment.submitter.category),
        comment,
    }
}

/// The false-attribution report form, blank or with what was sent and why
/// it was refused.
#[derive(Template)]
#[template(path = "reading_room/report.html")]
pub struct ReportPage {
    pub docket_id: String,
    pub docket_title: String,
    pub tracking_number: String,
    pub name: String,
    pub email: String,
    pub statement: String,
    pub errors: Vec<(String, String)>,
}
