//! The analysts' JSON API: search, whole comments, similar comments,
//! attachment downloads, and (staff) the index's state.

use crate::analysis::{self, view::Audience};
use crate::domain::attachment::FileKind;
use crate::domain::search_params::SearchParams;
use crate::http::auth::{Analyst, Staff};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub async fn search(
    Analyst(who): Analyst,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req)?;
    let params = SearchParams::parse(&pairs).map_err(|fields| ApiError {
        fields,
        ..ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_parameters",
            "some search parameters could not be read",
        )
    })?;
    let page = analysis::search::run(&state.analysis, &params, Audience::of(who.role)).await?;
    Ok(HttpResponse::Ok().json(page))
}

pub async fn comment(
    Analyst(who): Analyst,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = analysis::comment::load(&state.analysis, &path, Audience::of(who.role)).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub async fn similar(
    Analyst(who): Analyst,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let hits = analysis::comment::similar(&state.analysis, &path, Audience::of(who.role)).await?;
    Ok(HttpResponse::Ok().json(json!({ "hits": hits })))
}

pub async fn attachment(
    _who: Analyst,
    path: web::Path<(String, i32)>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (tracking_number, position) = path.into_inner();
    let (filename, kind, file) = analysis::comment::attachment_file(
        &state.analysis,
        &state.blobs,
        &tracking_number,
        position,
    )
    .await?;
    download(&req, filename, &kind, &file).await
}

/// A stored file as a download, never rendered in our origin.
pub(super) async fn download(
    req: &HttpRequest,
    filename: String,
    kind: &str,
    file: &std::path::Path,
) -> Result<HttpResponse, ApiError> {
    let file = actix_files::NamedFile::open_async(file)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "stored attachment missing");
            ApiError::not_found("attachment")
        })?;
    let mime: mime::Mime = FileKind::parse(kind)
        .map(FileKind::mime)
        .unwrap_or("application/octet-stream")
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    // Always a download: a file from the public never renders in our origin.
    let mut res = file
        .set_content_type(mime)
        .set_content_disposition(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![
                // Plain ASCII for old clients, then the exact name (RFC 6266).
                DispositionParam::Filename(ascii_fallback(&filename)),
                DispositionParam::FilenameExt(header::ExtendedValue {
                    charset: header::Charset::Ext("UTF-8".into()),
                    language_tag: None,
                    value: filename.into_bytes(),
                }),
            ],
        })
        .into_response(req);
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(res)
}

pub async fn index_status(_who: Staff, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.search.status())
}

/// `GET /api/v1/admin/jobs`: background work, and what failed.
pub async fn jobs(_who: Staff, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = state.db(crate::jobs::report).await?;
    Ok(HttpResponse::Ok().json(report))
}

fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(req.query_string()).map_err(|_| {
        ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_parameters",
            "the query string is not valid URL encoding",
        )
    })
}
