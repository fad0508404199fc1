use crate::domain::docket::Docket;
use crate::domain::submission::RawSubmission;
use crate::http::body::{media_type, parse_json, read_limited, unsupported_media_type};
use crate::http::error::ApiError;
use crate::http::multipart;
use crate::intake::{self, IntakeError};
use crate::intake::{Accepted, Submitted};
use crate::pages::deadline::local_text;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

/// `POST /api/v1/dockets/{docket}/comments`: JSON, or multipart with the
/// same JSON in a part named `comment` and files in parts named `attachments`.
pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let arrived = state.now();
    state.check_rate(&req)?;
    let docket = state.docket(&id).await?;
    let key = idempotency_key(&req)?;
    // Refused before the body is read, unless it may be a retry of a comment
    // taken before the deadline (checked once the body is known).
    if key.is_none() {
        intake::check_period(&docket, arrived).map_err(|e| intake_error(e, &docket))?;
    }

    let (raw, files, claim) = match media_type(&req).as_deref() {
        Some("application/json") => {
            let body =
                read_limited(&req, payload, docket.max_json_bytes(), state.body_timing).await?;
            let raw: RawSubmission = parse_json(&body)?;
            let claim = intake::idempotency_claim(key.as_deref(), intake::content_hash(&[&body]))
                .map_err(|e| intake_error(e, &docket))?;
            (raw, Vec::new(), claim)
        }
        Some("multipart/form-data") => {
            let parts =
                multipart::read(&req, payload, &docket, &state.blobs, state.body_timing).await?;
            if let Some((name, _)) = parts.texts.iter().find(|(n, _)| n != "comment") {
                return Err(ApiError::invalid(
                    [(
                        name.clone(),
                        "unknown part; expected \"comment\" and \"attachments\"".into(),
                    )]
                    .into(),
                ));
            }
            let comment = parts.text("comment").ok_or_else(|| {
                ApiError::invalid(
                    [(
                        "comment".into(),
                        "a part named \"comment\" with the JSON submission is required".into(),
                    )]
                    .into(),
                )
            })?;
            let raw: RawSubmission = parse_json(comment.as_bytes())?;
            let mut hashed: Vec<&[u8]> = vec![comment.as_bytes()];
            hashed.extend(parts.files.iter().map(|f| f.blob.sha256.as_bytes()));
            let claim = intake::idempotency_claim(key.as_deref(), intake::content_hash(&hashed))
                .map_err(|e| intake_error(e, &docket))?;
            (raw, parts.files, claim)
        }
        _ => {
            return Err(unsupported_media_type(
                "application/json or multipart/form-data",
            ))
        }
    };

    // Received when the whole body has arrived: the deadline is judged
    // then, so an upload cannot start on time and trickle in for days.
    let received_at = state.now();
    let outcome = intake::submit(
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
    .map_err(|e| intake_error(e, &docket))?;
    Ok(match outcome {
        Submitted::Created(accepted) => created(accepted, false),
        Submitted::Replayed(accepted) => created(accepted, true),
    })
}

fn created(accepted: Accepted, replayed: bool) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/receipts/{}", accepted.tracking_number),
    ));
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(accepted)
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.to_string())).map_err(|_| {
            ApiError::invalid([("Idempotency-Key".into(), "must be visible ASCII".into())].into())
        }),
    }
}

pub fn intake_error(e: IntakeError, docket: &Docket) -> ApiError {
    match e {
        IntakeError::NotYetOpen { opens_at } => ApiError::new(
            StatusCode::FORBIDDEN,
            "comment_period_closed",
            format!(
                "this docket is not open for comments yet: it opens {} and closes {}",
                local_text(docket, opens_at),
                local_text(docket, docket.closes_at())
            ),
        ),
        IntakeError::Closed { closes_at } => ApiError::new(
            StatusCode::FORBIDDEN,
            "comment_period_closed",
            format!(
                "the comment period closed {} ({})",
                local_text(docket, closes_at),
                closes_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ),
        IntakeError::Invalid(fields) => ApiError::invalid(fields),
        IntakeError::IdempotencyKeyReused => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request",
        )
        .with_field("Idempotency-Key", "was used with a different body"),
        IntakeError::Unavailable => ApiError::unavailable(),
        IntakeError::Internal => ApiError::internal(),
    }
}
