//! Staff's docket administration page: where posting review stands (with
//! the queue of comments to review), the comment period and its changes,
//! and the reports of false attribution to review.

use super::analyst::Account;
use crate::admin::attribution::ReportView;
use askama::Template;

#[derive(Template)]
#[template(path = "analyst/administration.html")]
pub struct AdministrationPage {
    pub account: Account,
    pub docket_id: String,
    pub docket_title: String,
    /// (status label, count, the search listing them).
    pub posting: Vec<(String, u64, String)>,
    pub closes_local: String,
    /// (closed before, closes now, notice, when), oldest first.
    pub deadline_changes: Vec<(String, String, String, String)>,
    pub reports: Vec<ReportView>,
    pub withheld_reasons: Vec<(&'static str, &'static str)>,
}
