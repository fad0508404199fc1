use actix_web::http::header;
use actix_web::{web, HttpResponse};

const OPENAPI: &str = include_str!("../../../docs/openapi.json");

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

/// The few static files, built into the binary.
pub async fn static_file(file: web::Path<String>) -> HttpResponse {
    let (body, mime) = match file.as_str() {
        "site.css" => (
            include_str!("../../static/site.css"),
            "text/css; charset=utf-8",
        ),
        "local-time.js" => (
            include_str!("../../static/local-time.js"),
            "text/javascript; charset=utf-8",
        ),
        "tagging.js" => (
            include_str!("../../static/tagging.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
