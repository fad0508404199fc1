//! The analyst pages' view models: sign-in, search and a whole comment.
//! Comment text reaches templates as plain strings (escaped by askama);
//! only snippet HTML, which the indexer escapes itself, is marked safe.

use crate::analysis::comment::CommentView;
use crate::analysis::search::{HitView, SearchPage};
use crate::domain::docket::Docket;
use crate::domain::search_params::SearchParams;
use crate::pages::html_response;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;
use std::collections::HashMap;

pub const CSRF_COOKIE: &str = "rfd_csrf";

#[derive(Template)]
#[template(path = "analyst/sign_in.html")]
pub struct SignInPage {
    pub next: String,
    pub csrf: String,
    pub name: String,
    pub error: Option<String>,
}

/// The sign-in form's double-submit token: a cookie the form must echo.
pub fn csrf_cookie(value: &str) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value.to_string())
        .path("/analyst")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

#[derive(Template)]
#[template(path = "analyst/message.html")]
pub struct AnalystMessage<'a> {
    pub heading: &'a str,
    pub text: &'a str,
}

pub fn message_page(status: StatusCode, heading: &str, text: &str) -> HttpResponse {
    html_response(status, AnalystMessage { heading, text }.render())
}

/// The sign-in form with a fresh double-submit token (cookie and field).
pub fn sign_in_page(
    status: StatusCode,
    next: String,
    name: String,
    error: Option<String>,
) -> HttpResponse {
    let csrf = crate::domain::account::Secret::generate("")
        .expose()
        .to_string();
    let page = SignInPage {
        next,
        csrf: csrf.clone(),
        name,
        error,
    };
    let mut res = html_response(status, page.render());
    let _ = res.add_cookie(&csrf_cookie(&csrf));
    res
}

/// Who is signed in, for the header (name, and the sign-out form's token).
pub struct Account {
    pub name: String,
    pub role: String,
    pub csrf: String,
}

pub struct FacetValueView {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub checked: bool,
}

pub struct FacetView {
    pub name: String,
    pub title: &'static str,
    pub values: Vec<FacetValueView>,
}

#[derive(Template)]
#[template(path = "analyst/search.html")]
pub struct SearchView {
    pub account: Account,
    pub q: String,
    pub sort: &'static str,
    pub from: String,
    pub to: String,
    pub error: Option<String>,
    pub total: usize,
    /// Matches with each campaign counted once, and the campaigns.
    pub unique: usize,
    pub campaigns: usize,
    /// Signatories of the matches, and matches some signal concerns.
    pub signatories: u64,
    pub flagged: usize,
    /// One hit per campaign.
    pub collapse: bool,
    pub first: usize,
    pub last: usize,
    pub hits: Vec<HitLine>,
    pub facets: Vec<FacetView>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// "Tag all results", when the search is of one docket.
    pub bulk: Option<BulkForm>,
    /// For staff's "apply to all results" posting form.
    pub withheld_reasons: Vec<(&'static str, &'static str)>,
}

/// The search page's "tag all results" form.
pub struct BulkForm {
    pub docket: String,
    /// The search, as hidden fields.
    pub search: Vec<(String, String)>,
    pub options: Vec<crate::pages::coding::TagOption>,
}

impl BulkForm {
    /// The same search as a query string (the summary of these results).
    pub fn query(&self) -> String {
        serde_urlencoded::to_string(&self.search).unwrap_or_default()
    }

    /// The search page's search, kept for a bulk tag: its words and
    /// filters, not its paging, order or docket (the form's own path).
    pub fn search_of(pairs: &[(String, String)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .filter(|(k, v)| {
                !v.is_empty()
                    && !matches!(
                        k.as_str(),
                        "page" | "per_page" | "sort" | "docket" | "collapse"
                    )
            })
            .cloned()
            .collect()
    }
}

pub struct HitLine {
    pub hit: HitView,
    pub who: String,
    pub category: String,
    pub received: String,
}

impl SearchView {
    pub fn new(
        account: Account,
        params: &SearchParams,
        pairs: &[(String, String)],
        result: Result<SearchPage, String>,
        dockets: &[std::sync::Arc<Docket>],
    ) -> Self {
        let labels = Labels::new(dockets);
        let (page, error) = match result {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e)),
        };
        let total = page.as_ref().map_or(0, |p| p.total);
        let unique = page.as_ref().map_or(0, |p| p.unique);
        // Collapsed, the pages run over one hit per campaign.
        let listed = if params.collapse { unique } else { total };
        let first = (params.page - 1) * params.per_page;
        let mut view = SearchView {
            account,
            q: params.q.clone(),
            sort: match params.sort {
                rfidesk_indexer::Sort::Relevance => "relevance",
                rfidesk_indexer::Sort::Newest => "newest",
                rfidesk_indexer::Sort::Oldest => "oldest",
            },
            from: pair(pairs, "from"),
            to: pair(pairs, "to"),
            error,
            total,
            unique,
            campaigns: page.as_ref().map_or(0, |p| p.campaigns),
            signatories: page.as_ref().map_or(0, |p| p.signatories),
            flagged: page.as_ref().map_or(0, |p| p.flagged),
            collapse: params.collapse,
            first: first + 1,
            last: 0,
            hits: Vec::new(),
            facets: Vec::new(),
            prev_url: (params.page > 1).then(|| page_url(pairs, params.page - 1)),
            next_url: (first + params.per_page < listed).then(|| page_url(pairs, params.page + 1)),
            bulk: None,
            withheld_reasons: crate::domain::posting::reason_options(),
        };
        if let Some(page) = page {
            view.last = first + page.hits.len();
            for (name, title) in FACET_TITLES {
                let Some(counts) = page.facets.get(name) else {
                    continue;
                };
                let chosen = params.keywords.get(name).cloned().unwrap_or_default();
                let mut values: Vec<FacetValueView> = counts
                    .iter()
                    .map(|(v, n)| FacetValueView {
                        label: labels.label(name, v),
                        value: v.clone(),
                        count: *n,
                        checked: chosen.contains(v),
                    })
                    .collect();
                // A chosen value with no matches stays visible, to be unticked.
                for v in chosen {
                    if !counts.contains_key(&v) {
                        values.push(FacetValueView {
                            label: labels.label(name, &v),
                            value: v,
                            count: 0,
                            checked: true,
                        });
                    }
                }
                values.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
                if !values.is_empty() {
                    view.facets.push(FacetView {
                        name: name.to_string(),
                        title,
                        values,
                    });
                }
            }
            view.hits = page
                .hits
                .into_iter()
                .map(|h| HitLine {
                    who: match (&h.submitter.organization, &h.submitter.name) {
                        (Some(o), _) => o.clone(),
                        (None, Some(n)) => n.clone(),
                        (None, None) => "Anonymous".into(),
                    },
                    category: labels.label("category", &h.submitter.category),
                    received: h.received_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    hit: h,
                })
                .collect();
        }
        view
    }
}

const FACET_TITLES: [(&str, &str); 10] = [
    ("docket", "Docket"),
    ("category", "Submitter category"),
    ("org_type", "Organization type"),
    ("question", "Answered"),
    ("country", "Country"),
    ("late", "Late"),
    ("has_attachments", "Attachments"),
    ("business_confidential", "Business confidential"),
    ("tag", "Tag"),
    ("signal", "Signals (not verdicts)"),
];

/// Human labels for keyword values, from the dockets' definitions.
struct Labels(HashMap<(String, String), String>);

impl Labels {
    fn new(dockets: &[std::sync::Arc<Docket>]) -> Self {
        let mut map = HashMap::new();
        for d in dockets {
            map.insert(("docket".into(), d.id.clone()), d.title.clone());
            for c in &d.definition.categories {
                map.insert(("category".into(), c.id.clone()), c.label.clone());
            }
            for q in &d.definition.questions {
                map.insert(("question".into(), q.id.clone()), q.title.clone());
            }
        }
        for (field, value, label) in [
            ("late", "true", "Late"),
            ("late", "false", "On time"),
            ("has_attachments", "true", "With attachments"),
            ("has_attachments", "false", "Without attachments"),
            ("business_confidential", "true", "Marked confidential"),
            ("business_confidential", "false", "Not marked"),
            ("signal", "burst", "A burst of near-identical comments"),
            ("signal", "shared_email", "One email under several names"),
            ("signal", "one_client", "Many from one client"),
            (
                "signal",
                "same_text_many_names",
                "Same text under many names",
            ),
            ("signal", "salutation_only", "Only the salutation differs"),
        ] {
            map.insert((field.into(), value.into()), label.into());
        }
        Labels(map)
    }

    fn label(&self, field: &str, value: &str) -> String {
        self.0
            .get(&(field.to_string(), value.to_string()))
            .cloned()
            .unwrap_or_else(|| value.to_string())
    }
}

fn pair(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn page_url(pairs: &[(String, String)], page: usize) -> String {
    let mut kept: Vec<(String, String)> =
        pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
    kept.push(("page".into(), page.to_string()));
    format!(
        "/analyst/search?{}",
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    )
}

#[derive(Template)]
#[template(path = "analyst/comment.html")]
pub struct CommentPage {
    pub account: Account,
    pub c: CommentView,
    /// The codebook's live tags, for the tag picker.
    pub tag_options: Vec<crate::pages::coding::TagOption>,
    /// Fields an excerpt may mark: (name, title).
    pub excerpt_fields: Vec<(String, String)>,
    pub category: String,
    pub received: String,
    pub similar: Vec<HitView>,
    pub max_text_mib: usize,
    /// Staff's posting review form: the reasons to withhold.
    pub withheld_reasons: Vec<(&'static str, &'static str)>,
    /// The redaction form's fields: (form name, title, public text now).
    pub redaction_fields: Vec<(String, String, String)>,
    pub posting_label: String,
}

impl CommentPage {
    pub fn new(
        account: Account,
        c: CommentView,
        similar: Vec<HitView>,
        dockets: &[std::sync::Arc<Docket>],
        tag_options: Vec<crate::pages::coding::TagOption>,
    ) -> Self {
        let labels = Labels::new(dockets);
        let mut excerpt_fields: Vec<(String, String)> = c
            .answers
            .iter()
            .map(|a| (format!("answer:{}", a.question), a.title.clone()))
            .collect();
        if c.comment.is_some() {
            excerpt_fields.push(("comment".into(), "General comment".into()));
        }
        for a in &c.attachments {
            if a.text.is_some() {
                excerpt_fields.push((format!("attachment:{}", a.position), a.filename.clone()));
            }
        }
        // What the public reads of each field now: the redaction's text
        // where it has one, else the original.
        let redaction = c.redaction.as_ref();
        let mut redaction_fields: Vec<(String, String, String)> = c
            .answers
            .iter()
            .map(|a| {
                let public = redaction
                    .and_then(|r| r.answers.get(&a.question))
                    .unwrap_or(&a.text);
                (
                    format!("answers.{}", a.question),
                    a.title.clone(),
                    public.clone(),
                )
            })
            .collect();
        if let Some(g) = &c.comment {
            let public = redaction.and_then(|r| r.comment.as_ref()).unwrap_or(g);
            redaction_fields.push(("comment".into(), "General comment".into(), public.clone()));
        }
        let posting_label = crate::domain::posting::label(&c.posting_status).to_string();
        CommentPage {
            account,
            tag_options,
            excerpt_fields,
            withheld_reasons: crate::domain::posting::reason_options(),
            redaction_fields,
            posting_label,
            category: labels.label("category", &c.submitter.category),
            received: c.received_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            c,
            similar,
            max_text_mib: rfidesk_indexer::attachment_text::MAX_ATTACHMENT_TEXT_PER_COMMENT >> 20,
        }
    }
}
