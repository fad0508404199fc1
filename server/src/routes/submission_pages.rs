//! The submitter's private page (`/submissions/{tracking_number}/{secret}`,
//! from the receipt): read one's own comment, withdraw it before the
//! deadline. No account: the secret in the address is the credential, so
//! the answers are never cached nor sent on as a referrer.

use crate::admin::self_service::{self, Own};
use crate::http::error::ApiError;
use crate::pages::deadline::local_text;
use crate::pages::{html_response, MessagePage, SubmissionPage};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use std::collections::BTreeMap;

fn private(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    res
}

fn page(state: &AppState, own: &Own, secret: &str, message: &str) -> HttpResponse {
    let d = &own.docket;
    let c = &own.comment;
    let mut answers: BTreeMap<String, String> =
        serde_json::from_str(&c.answers).unwrap_or_default();
    let mut ordered = Vec::new();
    for q in &d.definition.questions {
        if let Some(text) = answers.remove(&q.id) {
            ordered.push((q.title.clone(), text));
        }
    }
    ordered.extend(answers);
    let withdrawn = own.withdrawn();
    let body = SubmissionPage {
        tracking_number: c.tracking_number.clone(),
        docket_id: d.id.clone(),
        docket_title: d.title.clone(),
        received_local: local_text(d, c.received_at.and_utc()),
        status: if withdrawn {
            "Withdrawn".to_string()
        } else {
            crate::domain::posting::label(&c.posting_status).to_string()
        },
        answers: ordered,
        comment: c.general_comment.clone(),
        files: own.files.clone(),
        withdrawn,
        can_withdraw: state.now() <= d.closes_at(),
        closes_local: local_text(d, d.closes_at()),
        withdraw_action: format!("/submissions/{}/{secret}/withdraw", c.tracking_number),
        message: message.to_string(),
    }
    .render();
    private(html_response(StatusCode::OK, body))
}

fn refused(e: ApiError) -> HttpResponse {
    let heading = match e.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Not withdrawn",
        _ => "Something went wrong",
    };
    private(html_response(
        e.status,
        MessagePage {
            heading,
            text: &e.message,
        }
        .render(),
    ))
}

pub async fn show(state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    let (tn, secret) = path.into_inner();
    match self_service::load(&state.coding, &state.keys, &tn, &secret).await {
        Ok(own) => page(&state, &own, &secret, ""),
        Err(e) => refused(e.into()),
    }
}

pub async fn withdraw(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (tn, secret) = path.into_inner();
    match self_service::withdraw(&state.coding, &state.keys, &tn, &secret).await {
        Ok(own) => page(&state, &own, &secret, "Your comment is withdrawn."),
        Err(e) => refused(e.into()),
    }
}
