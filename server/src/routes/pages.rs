use crate::db::models::comment;
use crate::db::models::receipt::{self, ReceiptStatus};
use crate::domain::tracking_number::TrackingNumber;
use crate::http::body::{media_type, read_limited};
use crate::http::error::ApiError;
use crate::http::multipart;
use crate::intake::{self, IntakeError, Submitted};
use crate::pages::deadline::local_text;
use crate::pages::form::FormView;
use crate::pages::{
    html_response, DocketLink, DocketPage, IndexPage, MessagePage, PeriodState, ReceiptPage,
};
use crate::routes::api_comments::intake_error;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

fn html(status: StatusCode, page: impl Template) -> HttpResponse {
    html_response(status, page.render())
}

/// An error as a page, for people rather than programs.
pub(super) fn error_page(e: &ApiError) -> HttpResponse {
    let heading = match e.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::FORBIDDEN => "Comment period closed",
        s if s.is_client_error() => "Your comment was not submitted",
        _ => "Something went wrong",
    };
    let mut res = html(
        e.status,
        MessagePage {
            heading,
            text: &e.message,
        },
    );
    if let Some(secs) = e.retry_after_secs {
        res.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    res
}

pub async fn index(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let Err(e) = state.check_reading_rate(&req) {
        return error_page(&e);
    }
    let now = state.now();
    match state.dockets.list().await {
        Ok(dockets) => html(
            StatusCode::OK,
            IndexPage {
                dockets: dockets
                    .iter()
                    .map(|d| DocketLink {
                        id: d.id.clone(),
                        title: d.title.clone(),
                        agency: d.agency.clone(),
                        status: match PeriodState::from(d.intake_at(now)) {
                            PeriodState::Open => {
                                format!("open until {}", local_text(d, d.closes_at()))
                            }
                            PeriodState::NotYetOpen => {
                                format!("opens {}", local_text(d, d.opens_at))
                            }
                            PeriodState::Late | PeriodState::Closed => {
                                format!("closed {}", local_text(d, d.closes_at()))
                            }
                        },
                    })
                    .collect(),
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "listing dockets failed");
            error_page(&ApiError::internal())
        }
    }
}

pub async fn docket(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    if let Err(e) = state.check_reading_rate(&req) {
        return error_page(&e);
    }
    match state.docket(&id).await {
        Ok(d) => html(
            StatusCode::OK,
            DocketPage::new(&d, state.now(), FormView::blank()),
        ),
        Err(e) => error_page(&e),
    }
}

/// The HTML form: multipart (it can carry files) or urlencoded. A refused
/// comment shows the form again with each error beside its field and the
/// typed values kept; an accepted one redirects to its receipt, so reloading
/// the receipt never posts again.
pub async fn submit(
    req: HttpRequest,
    payload: web::Payload,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let arrived = state.now();
    if let Err(e) = state.check_rate(&req) {
        return error_page(&e);
    }
    let docket = match state.docket(&id).await {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    let refuse = |status: StatusCode, mut form: FormView, e: ApiError| {
        // Errors about one file are shown beside the file input.
        for (field, why) in e.fields {
            let key = if field.starts_with("attachments") {
                "attachments".to_string()
            } else {
                field
            };
            form.errors.entry(key).or_insert(why);
        }
        if form.errors.is_empty() {
            form.errors.insert("comment".into(), e.message.clone());
        }
        form.message = e.message;
        html(status, DocketPage::new(&docket, arrived, form))
    };
    if let Err(e) = intake::check_period(&docket, arrived) {
        let e = intake_error(e, &docket);
        return refuse(e.status, FormView::blank(), e);
    }

    let (texts, files) = match media_type(&req).as_deref() {
        Some("multipart/form-data") => {
            match multipart::read(&req, payload, &docket, &state.blobs, state.body_timing).await {
                Ok(parts) => (parts.texts, parts.files),
                Err(refused) => {
                    let (_, form, _) = FormView::from_fields(&refused.texts);
                    return refuse(refused.error.status, form, refused.error);
                }
            }
        }
        Some("application/x-www-form-urlencoded") => {
            let parsed = read_limited(&req, payload, docket.max_json_bytes(), state.body_timing)
                .await
                .and_then(|body| {
                    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).map_err(|_| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "malformed_form",
                            "the form data could not be read",
                        )
                    })
                });
            match parsed {
                Ok(texts) => (texts, Vec::new()),
                Err(e) => return error_page(&e),
            }
        }
        _ => {
            return error_page(&crate::http::body::unsupported_media_type(
                "multipart/form-data",
            ))
        }
    };

    let (raw, form, honeypot) = FormView::from_fields(&texts);
    if honeypot {
        // A bot filled the hidden field: say thanks, keep nothing.
        tracing::info!("honeypot field filled; submission discarded");
        drop(files);
        return html(
            StatusCode::OK,
            MessagePage {
                heading: "Thank you",
                text: "Your submission has been received.",
            },
        );
    }
    let raw = match raw {
        Ok(raw) => raw,
        Err((field, why)) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                ApiError::invalid([(field, why)].into()),
            )
        }
    };
    // The form token plus the content: a double click replays the first
    // answer; going back, editing and sending again is a new comment.
    let mut hashed: Vec<&[u8]> = texts
        .iter()
        .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()])
        .collect();
    hashed.extend(files.iter().map(|f| f.blob.sha256.as_bytes()));
    let hash = intake::content_hash(&hashed);
    let token: String = form
        .token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect();
    let claim = intake::idempotency_claim(Some(&format!("form:{token}:{}", &hash[..16])), hash);
    let claim = match claim {
        Ok(c) => c,
        Err(e) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                intake_error(e, &docket),
            )
        }
    };

    // Received when the whole body has arrived (see api_comments::create).
    let received_at = state.now();
    match intake::submit(
        &state.writer,
        &state.blobs,
        &docket,
        raw,
        files,
        claim,
        intake::Arrival {
            received_at,
            client_key: Some(state.client_key(&req)),
        },
    )
    .await
    {
        Ok(Submitted::Created(a) | Submitted::Replayed(a)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/receipts/{}", a.tracking_number)))
            .finish(),
        Err(IntakeError::IdempotencyKeyReused) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            intake_error(IntakeError::IdempotencyKeyReused, &docket),
        ),
        Err(e @ IntakeError::Invalid(_)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            intake_error(e, &docket),
        ),
        Err(e) => {
            let e = intake_error(e, &docket);
            refuse(e.status, form, e)
        }
    }
}

/// The receipt: proof of receipt, nothing more. It shows no content and no
/// contact details, since anyone holding the number can open it.
pub async fn receipt(
    state: web::Data<AppState>,
    tracking: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    if let Err(e) = state.check_reading_rate(&req) {
        return error_page(&e);
    }
    let not_found = || error_page(&ApiError::not_found("tracking number"));
    let Some(tn) = TrackingNumber::parse(&tracking) else {
        return not_found();
    };
    let found = state
        .db(move |conn| {
            let Some(c) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                return Ok(None);
            };
            let status = receipt::status_for(conn, &c.tracking_number)?;
            Ok(Some((c, status)))
        })
        .await;
    let (c, status) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(e) => return error_page(&e),
    };
    let docket = match state.docket(&c.docket_id).await {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    let received = c.received_at.and_utc();
    html(
        StatusCode::OK,
        ReceiptPage {
            tracking_number: c.tracking_number,
            docket_id: docket.id.clone(),
            docket_title: docket.title.clone(),
            received_local: local_text(&docket, received),
            received_utc: received.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            late: c.late,
            receipt_status: match status {
                ReceiptStatus::NotRequested => "Not requested",
                ReceiptStatus::Sent => "Sent",
                ReceiptStatus::Failed => "Could not be delivered",
                ReceiptStatus::OnItsWay => "On its way",
            },
        },
    )
}
