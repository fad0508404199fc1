//! Staff's summaries and CSV exports: `GET /api/v1/dockets/{docket}/summary`
//! (a docket's, or a search's with the search API's parameters) and
//! `GET /api/v1/dockets/{docket}/export/{name}.csv`, streamed as written.

use crate::analysis::export::{self, ExportKind, Request};
use crate::analysis::summary;
use crate::domain::search_params::SearchParams;
use crate::http::auth::Staff;
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn export(
    Staff(who): Staff,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (docket, name) = path.into_inner();
    let kind = ExportKind::parse(&name).ok_or_else(|| ApiError::not_found("export"))?;
    let pairs = super::api_analyst::query_pairs(&req)?;
    let request = Request::parse(kind, &pairs).map_err(|fields| ApiError {
        fields,
        ..ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_parameters",
            "some export parameters could not be read",
        )
    })?;
    let (docket, chunks) = export::stream(&state.coding, &docket, request, &who.name).await?;
    let body = futures_util::stream::unfold(chunks, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map(web::Bytes::from), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-{}.csv\"", docket.id, kind.name()),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

pub async fn summary(
    Staff(_who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let pairs = super::api_analyst::query_pairs(&req)?;
    let params = SearchParams::parse(&pairs).map_err(|fields| ApiError {
        fields,
        ..ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_parameters",
            "some summary parameters could not be read",
        )
    })?;
    let summary = summary::summarize(&state.analysis, &docket, &params).await?;
    Ok(HttpResponse::Ok().json(summary))
}
