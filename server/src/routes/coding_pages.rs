//! The coding pages (session cookie): tagging a comment (whole or an
//! excerpt) and removing one's tag, rejecting a rule's tag, the codebook,
//! the rules (preview, save, delete) and tagging every result of a
//! search. Each change is a plain form that works without JavaScript and
//! carries the session's CSRF token; a refused change answers with a page
//! that says why, and changes nothing.

use super::analyst_pages::{account, see_other};
use crate::analysis::codebook::TagChange;
use crate::analysis::{self, tags::ExcerptRequest, tags::TagRequest, AnalysisError};
use crate::domain::codebook::RawTag;
use crate::http::auth::{check_form_csrf, Analyst, Staff};
use crate::http::body::read_limited;
use crate::http::error::ApiError;
use crate::pages::analyst::message_page;
use crate::pages::coding::{tag_options, CodebookPage, RuleLine, RulesPage};
use crate::pages::html_response;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::{Map, Value};

/// Why a change was refused, in a sentence or two (field by field), or
/// the error itself when the failure is ours.
fn refusal(e: AnalysisError) -> Result<(StatusCode, String), ApiError> {
    let e = ApiError::from(e);
    if !e.status.is_client_error() {
        return Err(e);
    }
    let mut text = e.message.clone();
    for (field, why) in &e.fields {
        text.push_str(&format!(" {field}: {why}."));
    }
    Ok((e.status, text))
}

/// A refused change as a page; a failure of ours stays an error.
pub(super) fn refused(e: AnalysisError) -> Result<HttpResponse, ApiError> {
    let (status, text) = refusal(e)?;
    Ok(message_page(status, "That was not done", &text))
}

/// A coding form's body: a tag, a search, a rule.
const FORM_LIMIT: usize = 64 * 1024;

/// A form's fields as pairs (repeated keys kept), read bounded in size and
/// time like every body (413, 408), once its CSRF token (`csrf`) and
/// origin pass; an unreadable form is a 400.
pub(super) async fn checked_form(
    req: &HttpRequest,
    who: &crate::http::auth::Principal,
    payload: web::Payload,
    state: &AppState,
) -> Result<Vec<(String, String)>, ApiError> {
    let body = read_limited(req, payload, FORM_LIMIT, state.body_timing).await?;
    let mut form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_form",
            "the form could not be read",
        )
    })?;
    check_form_csrf(req, who, &take(&mut form, "csrf"))?;
    Ok(form)
}

/// A search page form's fields as a saved search's JSON (`q`, filters,
/// and the form's own fields; a repeated key is a list), without the
/// page's paging, order and docket.
pub(super) fn search_of_form(form: Vec<(String, String)>) -> Map<String, Value> {
    let mut request = Map::new();
    for (k, v) in form {
        if matches!(k.as_str(), "page" | "per_page" | "sort" | "docket") || v.is_empty() {
            continue;
        }
        match request.get_mut(&k) {
            None => {
                request.insert(k, Value::String(v));
            }
            Some(Value::String(first)) => {
                let first = std::mem::take(first);
                request.insert(k, Value::Array(vec![first.into(), v.into()]));
            }
            Some(Value::Array(items)) => items.push(v.into()),
            Some(_) => {}
        }
    }
    request
}

pub(super) fn take(pairs: &mut Vec<(String, String)>, key: &str) -> String {
    match pairs.iter().position(|(k, _)| k == key) {
        Some(i) => pairs.remove(i).1,
        None => String::new(),
    }
}

/// The tag form: `tag`, and an excerpt when `field` is given.
fn tag_request(mut form: Vec<(String, String)>) -> Result<TagRequest, HttpResponse> {
    let tag = take(&mut form, "tag");
    let field = take(&mut form, "field");
    let (start, end) = (take(&mut form, "start"), take(&mut form, "end"));
    let excerpt = if field.is_empty() {
        None
    } else {
        match (start.trim().parse(), end.trim().parse()) {
            (Ok(start), Ok(end)) => Some(ExcerptRequest { field, start, end }),
            _ => {
                return Err(message_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "That was not done",
                    "An excerpt needs its first and last character as whole numbers.",
                ))
            }
        }
    };
    Ok(TagRequest { tag, excerpt })
}

pub async fn tag_comment(
    Analyst(who): Analyst,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = checked_form(&req, &who, payload, &state).await?;
    let request = match tag_request(form) {
        Ok(r) => r,
        Err(page) => return Ok(page),
    };
    match analysis::tags::add(&state.coding, &path, request, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/comments/{path}#tags"))),
        Err(e) => refused(e),
    }
}

pub async fn untag_comment(
    Analyst(who): Analyst,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = checked_form(&req, &who, payload, &state).await?;
    let request = match tag_request(form) {
        Ok(r) => r,
        Err(page) => return Ok(page),
    };
    match analysis::tags::remove(&state.coding, &path, request, &who.name).await {
        Ok(()) => Ok(see_other(&format!("/analyst/comments/{path}#tags"))),
        Err(e) => refused(e),
    }
}

pub async fn reject_rule_tag(
    Analyst(who): Analyst,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let (docket, rule) = path.into_inner();
    let tn = take(&mut form, "tracking_number");
    match analysis::rules::reject(&state.coding, &docket, &rule, &tn, &who.name).await {
        Ok(()) => Ok(see_other(&format!("/analyst/comments/{tn}#tags"))),
        Err(e) => refused(e),
    }
}

pub async fn codebook_page(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match analysis::codebook::list(&state.analysis, &docket).await {
        Ok(codebook) => Ok(html_response(
            StatusCode::OK,
            CodebookPage::new(account(&who), codebook).render(),
        )),
        Err(e) => refused(e),
    }
}

/// The rules page, with what the form holds and a preview or an error.
async fn rules_page(
    state: &AppState,
    who: &crate::http::auth::Principal,
    docket: &str,
    form: (String, String),
    outcome: Result<Option<analysis::rules::Preview>, String>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let codebook = match analysis::codebook::list(&state.analysis, docket).await {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    let rules = analysis::rules::list(&state.coding, docket)
        .await
        .map_err(ApiError::from)?;
    let (preview, error) = match outcome {
        Ok(p) => (p, None),
        Err(e) => (None, Some(e)),
    };
    let page = RulesPage {
        account: account(who),
        docket: codebook.docket.clone(),
        options: tag_options(&codebook),
        rules: rules.into_iter().map(RuleLine::new).collect(),
        tag: form.0,
        q: form.1,
        preview,
        error,
    };
    Ok(html_response(status, page.render()))
}

pub async fn rules(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    rules_page(
        &state,
        &who,
        &docket,
        (String::new(), String::new()),
        Ok(None),
        StatusCode::OK,
    )
    .await
}

/// `tag`, `q`, `action` (`preview` or `save`).
pub async fn save_rule(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let action = take(&mut form, "action");
    let (tag, q) = (take(&mut form, "tag"), take(&mut form, "q"));
    let mut rule = Map::new();
    rule.insert("tag".into(), Value::String(tag.clone()));
    rule.insert("q".into(), Value::String(q.clone()));
    let outcome = if action == "save" {
        analysis::rules::create(&state.coding, &docket, rule, &who.name)
            .await
            .map(|_| None)
    } else {
        analysis::rules::preview(&state.coding, &docket, rule)
            .await
            .map(Some)
    };
    match outcome {
        Ok(None) => Ok(see_other(&format!("/analyst/dockets/{docket}/rules"))),
        Ok(Some(p)) => {
            rules_page(&state, &who, &docket, (tag, q), Ok(Some(p)), StatusCode::OK).await
        }
        Err(AnalysisError::NotFound(what)) => refused(AnalysisError::NotFound(what)),
        Err(e) => {
            let (status, text) = refusal(e)?;
            rules_page(&state, &who, &docket, (tag, q), Err(text), status).await
        }
    }
}

pub async fn delete_rule(
    Analyst(who): Analyst,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    checked_form(&req, &who, payload, &state).await?;
    let (docket, id) = path.into_inner();
    match analysis::rules::delete(&state.coding, &docket, &id, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/dockets/{docket}/rules"))),
        Err(e) => refused(e),
    }
}

/// "Tag all results": `tag`, the search's `q` and filters as the search
/// page had them (paging and order are dropped).
pub async fn bulk_tag(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = checked_form(&req, &who, payload, &state).await?;
    let request = search_of_form(form);
    match analysis::bulk::start(&state.coding, &docket, request, &who.name).await {
        Ok(op) => Ok(message_page(
            StatusCode::ACCEPTED,
            "Tagging every result",
            &format!(
                "{} comments are being tagged {} (operation {}). The search shows them with the tag within seconds; the operation can be undone through the API.",
                op.matched, op.tag, op.id
            ),
        )),
        Err(e) => refused(e),
    }
}

/// Staff: a new tag (`path`, `label`, `instructions`).
pub async fn add_codebook_tag(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let raw = RawTag {
        path: take(&mut form, "path"),
        label: take(&mut form, "label"),
        instructions: take(&mut form, "instructions"),
    };
    match analysis::codebook::add(&state.coding, &docket, raw, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/dockets/{docket}/codebook"))),
        Err(e) => refused(e),
    }
}

/// Staff: rename, relabel, retire or restore `tag`. A field left as it
/// was is not a change.
pub async fn change_codebook_tag(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let tag = take(&mut form, "tag");
    let (path, label) = (take(&mut form, "path"), take(&mut form, "label"));
    let change = TagChange {
        path: (!path.is_empty() && path != tag).then_some(path),
        label: (!label.is_empty()).then_some(label),
        instructions: None,
        retired: match take(&mut form, "retired").as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    };
    match analysis::codebook::change(&state.coding, &docket, &tag, change, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/dockets/{docket}/codebook"))),
        Err(e) => refused(e),
    }
}
