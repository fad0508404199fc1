//! Staff's docket administration pages (session cookie): posting review of
//! one comment (decide, redact, redacted files, remove the redaction),
//! posting review of every result of a search, the administration page
//! (the review queue's counts, the comment period, reports of false
//! attribution) and its forms. Plain forms with the session's CSRF token;
//! a refused change answers with a page that says why and changes nothing.

use super::analyst_pages::{account, see_other};
use super::coding_pages::{checked_form, refused, search_of_form, take};
use crate::admin::attribution::{self, Resolution};
use crate::admin::deadlines::{self, DeadlineRequest};
use crate::admin::posting::{self, PostingRequest};
use crate::admin::redaction::{self, RedactionRequest};
use crate::analysis::{self, view::Audience};
use crate::domain::posting::{label, reason_options, PENDING_REVIEW, POSTED, REDACTED, WITHHELD};
use crate::domain::search_params::SearchParams;
use crate::http::auth::{check_form_csrf, Staff};
use crate::http::error::ApiError;
use crate::pages::admin::AdministrationPage;
use crate::pages::analyst::message_page;
use crate::pages::deadline::local_text;
use crate::pages::html_response;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use std::collections::BTreeMap;

fn optional(v: String) -> Option<String> {
    (!v.trim().is_empty()).then_some(v)
}

/// `POST /analyst/comments/{tn}/posting`: `status`, `reason`, `note`.
pub async fn decide(
    Staff(who): Staff,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let request = PostingRequest {
        status: take(&mut form, "status"),
        reason: optional(take(&mut form, "reason")),
        note: optional(take(&mut form, "note")),
    };
    match posting::decide(&state.coding, &path, request, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/comments/{path}#posting"))),
        Err(e) => refused(e),
    }
}

/// `POST /analyst/comments/{tn}/redaction`: the public text of each field
/// (`answers.<id>`, `comment`) and a `note`. A field sent as submitted is
/// left out of the redaction (public as submitted).
pub async fn redact(
    Staff(who): Staff,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let note = optional(take(&mut form, "note"));
    let original = match analysis::comment::load(&state.analysis, &path, Audience::Staff).await {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    let mut answers = BTreeMap::new();
    let mut comment = None;
    for (name, text) in form {
        // Browsers send CRLF line ends; the stored text has LF.
        let text = text.replace("\r\n", "\n");
        if let Some(q) = name.strip_prefix("answers.") {
            let same = original
                .answers
                .iter()
                .any(|a| a.question == q && a.text == text);
            if !same {
                answers.insert(q.to_string(), text);
            }
        } else if name == "comment" {
            if original.comment.as_deref() != Some(text.as_str()) {
                comment = Some(text);
            }
        } else {
            return Ok(message_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "That was not done",
                &format!("The form has a field it should not: {name}."),
            ));
        }
    }
    let request = RedactionRequest {
        answers,
        comment,
        note,
    };
    match redaction::put(&state.coding, &path, request, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/comments/{path}#posting"))),
        Err(e) => refused(e),
    }
}

/// `POST /analyst/comments/{tn}/redaction/remove`
pub async fn unredact(
    Staff(who): Staff,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    checked_form(&req, &who, payload, &state).await?;
    match redaction::remove(&state.coding, &path, &who.name).await {
        Ok(_) => Ok(see_other(&format!("/analyst/comments/{path}#posting"))),
        Err(e) => refused(e),
    }
}

/// `POST /analyst/comments/{tn}/attachments/{position}/redaction`,
/// multipart: `csrf`, the file in `attachments`, an optional `note`.
pub async fn redacted_file(
    Staff(who): Staff,
    path: web::Path<(String, i32)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (tracking_number, position) = path.into_inner();
    let (comment_id, docket_id) =
        match redaction::comment_for_file(&state.coding, &tracking_number).await {
            Ok(found) => found,
            Err(e) => return refused(e),
        };
    let docket = state.docket(&docket_id).await?;
    let mut parts =
        crate::http::multipart::read(&req, payload, &docket, &state.blobs, state.body_timing)
            .await?;
    check_form_csrf(&req, &who, parts.text("csrf").unwrap_or(""))?;
    let note = parts.text("note").map(str::to_string);
    if parts.files.len() != 1 {
        return Ok(message_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That was not done",
            "Choose one file: the redacted version of this attachment.",
        ));
    }
    let file = parts.files.pop().expect("one file");
    match redaction::put_file(
        &state.coding,
        &state.blobs,
        &comment_id,
        position,
        file,
        note,
        &who.name,
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/analyst/comments/{tracking_number}#posting"
        ))),
        Err(e) => refused(e),
    }
}

/// `POST /analyst/dockets/{docket}/posting`: the search's `q` and filters,
/// and `status`, `reason`, `note`: a decision for every result.
pub async fn bulk(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = checked_form(&req, &who, payload, &state).await?;
    let request = search_of_form(form);
    match posting::start_bulk(&state.coding, &docket, request, &who.name).await {
        Ok(op) => Ok(message_page(
            StatusCode::ACCEPTED,
            "Applying the decision to every result",
            &format!(
                "{} comments are being set to \"{}\" (operation {}); business-confidential ones \
                 are not posted as submitted. The administration page counts them as it goes.",
                op.matched,
                label(&op.status),
                op.id
            ),
        )),
        Err(e) => refused(e),
    }
}

/// `GET /analyst/dockets/{docket}/administration`
pub async fn page(
    Staff(who): Staff,
    docket: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let docket = state.docket(&docket).await?;
    let params = SearchParams::parse(&[
        ("docket".to_string(), docket.id.clone()),
        ("per_page".to_string(), "1".to_string()),
    ])
    .map_err(ApiError::invalid)?;
    let counts = analysis::search::run(&state.analysis, &params, Audience::Staff)
        .await?
        .facets
        .remove("posting")
        .unwrap_or_default();
    let posting = [PENDING_REVIEW, POSTED, REDACTED, WITHHELD]
        .into_iter()
        .map(|status| {
            let url = format!(
                "/analyst/search?{}",
                serde_urlencoded::to_string([("docket", docket.id.as_str()), ("posting", status)])
                    .unwrap_or_default()
            );
            (
                label(status).to_string(),
                counts.get(status).copied().unwrap_or(0),
                url,
            )
        })
        .collect();
    let mut reports = attribution::list(&state.coding, &docket.id, None).await?;
    // Open ones first, each group oldest first.
    reports.sort_by_key(|r| r.status != "open");
    let body = AdministrationPage {
        account: account(&who),
        docket_id: docket.id.clone(),
        docket_title: docket.title.clone(),
        posting,
        closes_local: local_text(&docket, docket.closes_at()),
        deadline_changes: docket
            .deadline_changes
            .iter()
            .map(|c| {
                (
                    local_text(&docket, c.closes_before),
                    local_text(&docket, c.closes_at),
                    c.notice.clone(),
                    local_text(&docket, c.at),
                )
            })
            .collect(),
        reports,
        withheld_reasons: reason_options(),
    }
    .render();
    Ok(html_response(StatusCode::OK, body))
}

/// `POST /analyst/dockets/{docket}/deadline`: `closes_at`, `notice`.
pub async fn deadline(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let request = DeadlineRequest {
        closes_at: take(&mut form, "closes_at"),
        notice: take(&mut form, "notice").replace("\r\n", "\n"),
    };
    match deadlines::change(&state.coding, &docket, request, &who.name).await {
        Ok(_) => Ok(see_other(&format!(
            "/analyst/dockets/{docket}/administration#deadline-h"
        ))),
        Err(e) => refused(e),
    }
}

/// `POST /analyst/attribution-reports/{id}`: `status`, `note`.
pub async fn resolve_report(
    Staff(who): Staff,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let resolution = Resolution {
        status: take(&mut form, "status"),
        note: optional(take(&mut form, "note")),
    };
    match attribution::resolve(&state.coding, &id, resolution, &who.name).await {
        Ok(report) => Ok(see_other(&format!(
            "/analyst/dockets/{}/administration#reports-h",
            report.docket
        ))),
        Err(e) => refused(e),
    }
}
