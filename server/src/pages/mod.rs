//! Server-rendered HTML: askama templates (escaped by default) and the
//! view models they read.

pub mod admin;
pub mod analyst;
pub mod campaigns;
pub mod coding;
pub mod deadline;
pub mod form;
pub mod organizations;
pub mod reading_room;
pub mod summary;

use crate::domain::docket::{Docket, Intake};
use crate::domain::submission::{SubmitterType, ORGANIZATION_TYPES};
use askama::Template;
use chrono::{DateTime, Utc};
use deadline::DeadlineView;
use form::FormView;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodState {
    Open,
    Late,
    NotYetOpen,
    Closed,
}

impl From<Intake> for PeriodState {
    fn from(i: Intake) -> Self {
        match i {
            Intake::Open => PeriodState::Open,
            Intake::Late => PeriodState::Late,
            Intake::NotYetOpen => PeriodState::NotYetOpen,
            Intake::Closed => PeriodState::Closed,
        }
    }
}

/// (form field, label, hint, input type, autocomplete) for the text inputs.
type NameField = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);
const NAME_FIELDS: [NameField; 5] = [
    (
        "submitter.first_name",
        "First name",
        "Required for individuals.",
        "text",
        "given-name",
    ),
    (
        "submitter.last_name",
        "Last name",
        "Required for individuals.",
        "text",
        "family-name",
    ),
    (
        "submitter.organization",
        "Organization",
        "Required when commenting on behalf of an organization.",
        "text",
        "organization",
    ),
    (
        "submitter.state_province",
        "State or province (optional)",
        "",
        "text",
        "address-level1",
    ),
    (
        "submitter.email",
        "Email (optional)",
        "Needed for an emailed receipt. Never published.",
        "email",
        "email",
    ),
];

/// ISO 3166-1 countries by name, for the country list.
static COUNTRIES: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut all: Vec<_> = isocountry::CountryCode::iter()
        .map(|c| (c.alpha2(), c.name()))
        .collect();
    all.sort_by_key(|(_, name)| *name);
    all
});

#[derive(Template)]
#[template(path = "docket.html")]
pub struct DocketPage<'a> {
    pub docket: &'a Docket,
    pub summary: Vec<&'a str>,
    pub deadline: DeadlineView,
    pub state: PeriodState,
    pub form: FormView,
    pub submitter_types: Vec<(&'static str, &'static str)>,
    pub organization_types: &'static [(&'static str, &'static str)],
    pub name_fields: &'static [NameField],
    pub countries: &'static [(&'static str, &'static str)],
    pub max_mb: u64,
    pub allowed_types: String,
}

impl<'a> DocketPage<'a> {
    pub fn new(docket: &'a Docket, now: DateTime<Utc>, form: FormView) -> Self {
        DocketPage {
            summary: docket
                .summary
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect(),
            deadline: DeadlineView::new(docket, now),
            state: docket.intake_at(now).into(),
            form,
            submitter_types: SubmitterType::ALL
                .iter()
                .map(|t| (t.as_str(), t.label()))
                .collect(),
            organization_types: &ORGANIZATION_TYPES,
            name_fields: &NAME_FIELDS,
            countries: &COUNTRIES,
            max_mb: docket.limits().max_attachment_bytes / (1024 * 1024),
            allowed_types: docket.limits().allowed_types.join(", ").to_uppercase(),
            docket,
        }
    }
}

pub struct DocketLink {
    pub id: String,
    pub title: String,
    pub agency: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub dockets: Vec<DocketLink>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub tracking_number: String,
    pub docket_id: String,
    pub docket_title: String,
    pub received_local: String,
    pub received_utc: String,
    pub late: bool,
    pub receipt_status: &'static str,
}

/// A submitter's own comment, from the receipt's private link.
#[derive(Template)]
#[template(path = "submission.html")]
pub struct SubmissionPage {
    pub tracking_number: String,
    pub docket_id: String,
    pub docket_title: String,
    pub received_local: String,
    pub status: String,
    /// (question title, answer), in the docket's order.
    pub answers: Vec<(String, String)>,
    pub comment: Option<String>,
    pub files: Vec<String>,
    pub withdrawn: bool,
    pub can_withdraw: bool,
    pub closes_local: String,
    pub withdraw_action: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub heading: &'a str,
    pub text: &'a str,
}

/// A rendered page, or a 500 (logged) if the template failed.
pub fn html_response(
    status: actix_web::http::StatusCode,
    body: askama::Result<String>,
) -> actix_web::HttpResponse {
    match body {
        Ok(body) => actix_web::HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            actix_web::HttpResponse::InternalServerError().finish()
        }
    }
}
