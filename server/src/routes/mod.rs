//! Every route, in one place: where any request goes is read here.
//! Analyst routes take an `Analyst` or `Staff` extractor (401 without an
//! account, 403 with too small a role); the rest is public.

mod admin_pages;
mod analyst_pages;
mod api_admin;
mod api_analyst;
mod api_campaigns;
mod api_coding;
mod api_comments;
mod api_dockets;
mod api_exports;
mod api_organizations;
mod api_rules;
mod assets;
mod campaign_pages;
mod coding_pages;
mod health;
mod organization_pages;
mod pages;
mod reading_room;
mod submission_pages;
mod summary_pages;

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
        // The reading room's JSON: posted comments only.
        .route(
            "/api/v1/dockets/{docket}/posted",
            web::get().to(reading_room::posted),
        )
        .route(
            "/api/v1/dockets/{docket}/posted/{tracking_number}",
            web::get().to(reading_room::posted_comment),
        )
        // Analyst JSON API (bearer token or session).
        .route("/api/v1/search", web::get().to(api_analyst::search))
        .route(
            "/api/v1/comments/{tracking_number}",
            web::get().to(api_analyst::comment),
        )
        .route(
            "/api/v1/comments/{tracking_number}/similar",
            web::get().to(api_analyst::similar),
        )
        .route(
            "/api/v1/comments/{tracking_number}/attachments/{position}",
            web::get().to(api_analyst::attachment),
        )
        // Coding: codebook (staff change it), tags, audit log.
        .route(
            "/api/v1/dockets/{docket}/codebook",
            web::get().to(api_coding::codebook),
        )
        .route(
            "/api/v1/dockets/{docket}/codebook",
            web::post().to(api_coding::add_tag_to_codebook),
        )
        .route(
            "/api/v1/dockets/{docket}/codebook/{tag:.+}",
            web::patch().to(api_coding::change_codebook_tag),
        )
        .route(
            "/api/v1/comments/{tracking_number}/posting",
            web::put().to(api_admin::set_posting),
        )
        .route(
            "/api/v1/comments/{tracking_number}/redaction",
            web::put().to(api_admin::put_redaction),
        )
        .route(
            "/api/v1/comments/{tracking_number}/redaction",
            web::delete().to(api_admin::delete_redaction),
        )
        .route(
            "/api/v1/comments/{tracking_number}/attachments/{position}/redaction",
            web::put().to(api_admin::put_redacted_file),
        )
        .route(
            "/api/v1/dockets/{docket}/attribution-reports",
            web::get().to(api_admin::attribution_reports),
        )
        .route(
            "/api/v1/attribution-reports/{id}",
            web::put().to(api_admin::resolve_attribution_report),
        )
        .route(
            "/api/v1/dockets/{docket}/deadline",
            web::post().to(api_admin::change_deadline),
        )
        .route(
            "/api/v1/dockets/{docket}/posting",
            web::post().to(api_admin::bulk_posting),
        )
        .route(
            "/api/v1/dockets/{docket}/posting/{id}",
            web::get().to(api_admin::bulk_posting_status),
        )
        .route(
            "/api/v1/comments/{tracking_number}/tags",
            web::post().to(api_coding::tag_comment),
        )
        .route(
            "/api/v1/comments/{tracking_number}/tags",
            web::delete().to(api_coding::untag_comment),
        )
        .route(
            "/api/v1/dockets/{docket}/audit",
            web::get().to(api_coding::audit),
        )
        .route(
            "/api/v1/dockets/{docket}/tags/bulk",
            web::post().to(api_coding::bulk_tag),
        )
        .route(
            "/api/v1/dockets/{docket}/tags/bulk/{id}",
            web::get().to(api_coding::bulk_status),
        )
        .route(
            "/api/v1/dockets/{docket}/tags/bulk/{id}/undo",
            web::post().to(api_coding::bulk_undo),
        )
        .route(
            "/api/v1/dockets/{docket}/rules/preview",
            web::post().to(api_rules::preview),
        )
        .route(
            "/api/v1/dockets/{docket}/rules",
            web::post().to(api_rules::create),
        )
        .route(
            "/api/v1/dockets/{docket}/rules",
            web::get().to(api_rules::list),
        )
        .route(
            "/api/v1/dockets/{docket}/rules/{id}",
            web::get().to(api_rules::get),
        )
        .route(
            "/api/v1/dockets/{docket}/rules/{id}",
            web::put().to(api_rules::edit),
        )
        .route(
            "/api/v1/dockets/{docket}/rules/{id}",
            web::delete().to(api_rules::delete),
        )
        .route(
            "/api/v1/dockets/{docket}/rules/{id}/rejections/{tracking_number}",
            web::put().to(api_rules::reject),
        )
        .route(
            "/api/v1/dockets/{docket}/rules/{id}/rejections/{tracking_number}",
            web::delete().to(api_rules::unreject),
        )
        .route(
            "/api/v1/dockets/{docket}/agreement",
            web::get().to(api_coding::agreement),
        )
        // Staff only.
        .route(
            "/api/v1/admin/index",
            web::get().to(api_analyst::index_status),
        )
        .route(
            "/api/v1/dockets/{docket}/campaigns",
            web::get().to(api_campaigns::list),
        )
        .route(
            "/api/v1/dockets/{docket}/campaigns/rebuild",
            web::post().to(api_campaigns::rebuild),
        )
        .route("/api/v1/campaigns/{id}", web::get().to(api_campaigns::get))
        .route(
            "/api/v1/campaigns/{id}",
            web::patch().to(api_campaigns::rename),
        )
        .route(
            "/api/v1/campaigns/{id}/split",
            web::post().to(api_campaigns::split),
        )
        .route(
            "/api/v1/campaigns/{id}/merge",
            web::post().to(api_campaigns::merge),
        )
        .route(
            "/api/v1/campaigns/{id}/tags",
            web::post().to(api_campaigns::tag),
        )
        .route("/api/v1/admin/jobs", web::get().to(api_analyst::jobs))
        .route(
            "/api/v1/dockets/{docket}/organizations",
            web::get().to(api_organizations::list),
        )
        .route(
            "/api/v1/dockets/{docket}/organizations/groups",
            web::put().to(api_organizations::group),
        )
        .route(
            "/api/v1/dockets/{docket}/organizations/groups",
            web::delete().to(api_organizations::ungroup),
        )
        .route(
            "/api/v1/dockets/{docket}/summary",
            web::get().to(api_exports::summary),
        )
        .route(
            "/api/v1/dockets/{docket}/export/{name}.csv",
            web::get().to(api_exports::export),
        )
        // Public pages.
        .route("/", web::get().to(pages::index))
        .route("/dockets/{docket}", web::get().to(pages::docket))
        .route("/dockets/{docket}", web::post().to(pages::submit))
        .route("/receipts/{tracking_number}", web::get().to(pages::receipt))
        // The public reading room.
        .route(
            "/dockets/{docket}/comments",
            web::get().to(reading_room::list),
        )
        .route(
            "/dockets/{docket}/comments/{tracking_number}",
            web::get().to(reading_room::show),
        )
        .route(
            "/dockets/{docket}/comments/{tracking_number}/attachments/{position}",
            web::get().to(reading_room::attachment),
        )
        .route(
            "/dockets/{docket}/comments/{tracking_number}/report",
            web::get().to(reading_room::report_page),
        )
        .route(
            "/dockets/{docket}/comments/{tracking_number}/report",
            web::post().to(reading_room::report),
        )
        // The submitter's private page (the secret is in the address).
        .route(
            "/submissions/{tracking_number}/{secret}",
            web::get().to(submission_pages::show),
        )
        .route(
            "/submissions/{tracking_number}/{secret}/withdraw",
            web::post().to(submission_pages::withdraw),
        )
        .route("/static/{file}", web::get().to(assets::static_file))
        // Analyst pages (session cookie).
        .route("/analyst", web::get().to(analyst_pages::home))
        .route("/analyst/", web::get().to(analyst_pages::home))
        .route(
            "/analyst/sign-in",
            web::get().to(analyst_pages::sign_in_form),
        )
        .route("/analyst/sign-in", web::post().to(analyst_pages::sign_in))
        .route("/analyst/sign-out", web::post().to(analyst_pages::sign_out))
        .route("/analyst/search", web::get().to(analyst_pages::search_page))
        .route(
            "/analyst/dockets/{docket}/campaigns",
            web::get().to(campaign_pages::list_page),
        )
        .route(
            "/analyst/dockets/{docket}/summary",
            web::get().to(summary_pages::summary_page),
        )
        .route(
            "/analyst/dockets/{docket}/organizations",
            web::get().to(organization_pages::list_page),
        )
        .route(
            "/analyst/dockets/{docket}/organizations/group",
            web::post().to(organization_pages::group),
        )
        .route(
            "/analyst/dockets/{docket}/organizations/ungroup",
            web::post().to(organization_pages::ungroup),
        )
        .route(
            "/analyst/campaigns/{id}",
            web::get().to(campaign_pages::campaign_page),
        )
        .route(
            "/analyst/campaigns/{id}/name",
            web::post().to(campaign_pages::name),
        )
        .route(
            "/analyst/campaigns/{id}/merge",
            web::post().to(campaign_pages::merge),
        )
        .route(
            "/analyst/campaigns/{id}/split",
            web::post().to(campaign_pages::split),
        )
        .route(
            "/analyst/campaigns/{id}/tags",
            web::post().to(campaign_pages::tag),
        )
        .route(
            "/analyst/comments/{tracking_number}",
            web::get().to(analyst_pages::comment_page),
        )
        .route(
            "/analyst/comments/{tracking_number}/tags",
            web::post().to(coding_pages::tag_comment),
        )
        .route(
            "/analyst/comments/{tracking_number}/tags/remove",
            web::post().to(coding_pages::untag_comment),
        )
        .route(
            "/analyst/dockets/{docket}/codebook",
            web::get().to(coding_pages::codebook_page),
        )
        .route(
            "/analyst/dockets/{docket}/codebook",
            web::post().to(coding_pages::add_codebook_tag),
        )
        .route(
            "/analyst/dockets/{docket}/codebook/change",
            web::post().to(coding_pages::change_codebook_tag),
        )
        .route(
            "/analyst/dockets/{docket}/rules",
            web::get().to(coding_pages::rules),
        )
        .route(
            "/analyst/dockets/{docket}/rules",
            web::post().to(coding_pages::save_rule),
        )
        .route(
            "/analyst/dockets/{docket}/rules/{id}/delete",
            web::post().to(coding_pages::delete_rule),
        )
        .route(
            "/analyst/dockets/{docket}/rules/{id}/reject",
            web::post().to(coding_pages::reject_rule_tag),
        )
        .route(
            "/analyst/dockets/{docket}/tags/bulk",
            web::post().to(coding_pages::bulk_tag),
        )
        // Docket administration pages (staff).
        .route(
            "/analyst/dockets/{docket}/administration",
            web::get().to(admin_pages::page),
        )
        .route(
            "/analyst/dockets/{docket}/deadline",
            web::post().to(admin_pages::deadline),
        )
        .route(
            "/analyst/dockets/{docket}/posting",
            web::post().to(admin_pages::bulk),
        )
        .route(
            "/analyst/comments/{tracking_number}/posting",
            web::post().to(admin_pages::decide),
        )
        .route(
            "/analyst/comments/{tracking_number}/redaction",
            web::post().to(admin_pages::redact),
        )
        .route(
            "/analyst/comments/{tracking_number}/redaction/remove",
            web::post().to(admin_pages::unredact),
        )
        .route(
            "/analyst/comments/{tracking_number}/attachments/{position}/redaction",
            web::post().to(admin_pages::redacted_file),
        )
        .route(
            "/analyst/attribution-reports/{id}",
            web::post().to(admin_pages::resolve_report),
        );
}
