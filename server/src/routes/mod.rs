//! Every route, in one place: where any request goes is read here.

mod api_comments;
mod api_dockets;
mod assets;
mod health;
mod pages;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        // Public JSON API.
        .route("/api/v1/openapi.json", web::get().to(assets::openapi))
        .route("/api/v1/dockets", web::get().to(api_dockets::list))
        .route("/api/v1/dockets/{docket}", web::get().to(api_dockets::show))
        .route(
            "/api/v1/dockets/{docket}/comments",
            web::post().to(api_comments::create),
        )
        // Public pages.
        .route("/", web::get().to(pages::index))
        .route("/dockets/{docket}", web::get().to(pages::docket))
        .route("/dockets/{docket}", web::post().to(pages::submit))
        .route("/receipts/{tracking_number}", web::get().to(pages::receipt))
        .route("/static/{file}", web::get().to(assets::static_file));
}
