//! The organizations page's view model: each group with its spellings,
//! which of them analysts placed, and the pages around this one.

use super::analyst::Account;
use crate::analysis::organizations::OrganizationList;
use askama::Template;

#[derive(Template)]
#[template(path = "analyst/organizations.html")]
pub struct OrganizationsPage {
    pub account: Account,
    pub list: OrganizationList,
    /// The filter as typed.
    pub filter: String,
    /// The filter as a query string part (`q=...&`), for page links.
    pub filter_query: String,
    pub previous_page: Option<usize>,
    pub next_page: Option<usize>,
}

impl OrganizationsPage {
    pub fn new(account: Account, list: OrganizationList, filter: String) -> Self {
        let filter_query = if filter.is_empty() {
            String::new()
        } else {
            format!(
                "{}&",
                serde_urlencoded::to_string([("q", filter.as_str())]).unwrap_or_default()
            )
        };
        let previous_page = (list.page > 1).then(|| list.page - 1);
        let next_page = (list.page * list.per_page < list.total).then(|| list.page + 1);
        OrganizationsPage {
            account,
            list,
            filter,
            filter_query,
            previous_page,
            next_page,
        }
    }

    /// The group an analyst put `spelling` in, if any.
    pub fn placed_in(&self, spelling: &str) -> Option<&str> {
        self.list.corrections.get(spelling).map(String::as_str)
    }
}
