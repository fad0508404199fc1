use crate::domain::docket::{Category, Docket, Limits, Question};
use crate::domain::submission::ORGANIZATION_TYPES;
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
struct DocketView<'a> {
    id: &'a str,
    title: &'a str,
    agency: &'a str,
    summary: &'a str,
    document_url: Option<&'a str>,
    time_zone: &'a str,
    opens_at: String,
    closes_at: String,
    original_closes_at: String,
    extended: bool,
    is_open: bool,
    late_policy: &'a str,
    /// Each change of the closing time, oldest first, with its notice.
    deadline_changes: Vec<DeadlineChangeView<'a>>,
    questions: &'a [Question],
    categories: &'a [Category],
    organization_types: Vec<IdLabel>,
    limits: &'a Limits,
}

#[derive(Serialize)]
struct DeadlineChangeView<'a> {
    closes_before: String,
    closes_at: String,
    notice: &'a str,
    at: String,
}

#[derive(Serialize)]
struct IdLabel {
    id: &'static str,
    label: &'static str,
}

fn view(d: &Docket, now: DateTime<Utc>) -> DocketView<'_> {
    // Times in the docket's own zone: "23:59:59-05:00" says what the agency said.
    let local = |t: DateTime<Utc>| {
        d.local(t)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    DocketView {
        id: &d.id,
        title: &d.title,
        agency: &d.agency,
        summary: &d.summary,
        document_url: d.definition.document_url.as_deref(),
        time_zone: d.time_zone.name(),
        opens_at: local(d.opens_at),
        closes_at: local(d.closes_at()),
        original_closes_at: local(d.original_closes_at),
        extended: d.is_extended(),
        is_open: d.is_open_at(now),
        late_policy: d.late_policy.as_str(),
        deadline_changes: d
            .deadline_changes
            .iter()
            .map(|c| DeadlineChangeView {
                closes_before: local(c.closes_before),
                closes_at: local(c.closes_at),
                notice: &c.notice,
                at: local(c.at),
            })
            .collect(),
        questions: &d.definition.questions,
        categories: &d.definition.categories,
        organization_types: ORGANIZATION_TYPES
            .iter()
            .map(|(id, label)| IdLabel { id, label })
            .collect(),
        limits: &d.definition.limits,
    }
}

pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    state.check_reading_rate(&req)?;
    let dockets = state.dockets.list().await.map_err(|e| {
        tracing::error!(error = %e, "listing dockets failed");
        ApiError::internal()
    })?;
    let now = state.now();
    let views: Vec<_> = dockets.iter().map(|d| view(d, now)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "dockets": views })))
}

pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    state.check_reading_rate(&req)?;
    let docket = state.docket(&id).await?;
    Ok(HttpResponse::Ok().json(view(&docket, state.now())))
}
