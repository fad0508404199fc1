//! The campaign pages' view models: the docket's campaigns with its
//! de-duplicated counts and discounted boilerplate, and one campaign with
//! its template and each member's additions highlighted.

use super::analyst::Account;
use crate::analysis::campaigns::{CampaignDetail, CampaignList};
use askama::Template;

#[derive(Template)]
#[template(path = "analyst/campaigns.html")]
pub struct CampaignsPage {
    pub account: Account,
    pub list: CampaignList,
    pub next_page: Option<i64>,
}

#[derive(Template)]
#[template(path = "analyst/campaign.html")]
pub struct CampaignPage {
    pub account: Account,
    pub c: CampaignDetail,
    pub next_page: Option<i64>,
}

/// A share as a percentage with one decimal.
pub fn percent(share: &f64) -> String {
    format!("{:.1}", share * 100.0)
}

/// A similarity as a percentage.
pub fn similarity(j: &f64) -> String {
    format!("{:.0}", j * 100.0)
}
