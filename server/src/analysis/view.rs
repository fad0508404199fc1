//! What each audience sees of a comment, decided here and nowhere else:
//! the whole comment (API, page), a search hit, and the CSV exports are
//! all built through these functions.
//!
//! - Analysts see who commented (names, organization, category, country)
//!   and what they said, never contact details.
//! - Staff see contact details (email, state or province) as well.
//! - The public reading room (posted comments only) comes with docket
//!   administration; it will see no contact details either.

use crate::db::models::comment::CommentRow;
use crate::domain::account::Role;
use chrono::{DateTime, Utc};
use rfidesk_indexer::Hit;
use serde::Serialize;

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Analyst,
    Staff,
}

impl Audience {
    pub fn of(role: Role) -> Self {
        if role.allows(Role::Staff) {
            Audience::Staff
        } else {
            Audience::Analyst
        }
    }

    /// Email and postal details.
    pub fn sees_contact(self) -> bool {
        self == Audience::Staff
    }
}

/// Who commented, in full (the comment view).
#[derive(Debug, Serialize)]
pub struct SubmitterDetail {
    #[serde(rename = "type")]
    pub kind: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub organization_type: Option<String>,
    pub category: String,
    pub country: String,
}

#[derive(Debug, Serialize)]
pub struct Contact {
    pub email: Option<String>,
    pub state_province: Option<String>,
}

/// Who commented, as a search hit shows it.
#[derive(Debug, Serialize)]
pub struct SubmitterView {
    pub name: Option<String>,
    pub organization: Option<String>,
    pub organization_type: Option<String>,
    pub category: String,
    pub country: String,
}

pub fn submitter(row: &CommentRow, _audience: Audience) -> SubmitterDetail {
    SubmitterDetail {
        kind: row.submitter_type.clone(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        organization: row.organization.clone(),
        organization_type: row.organization_type.clone(),
        category: row.category.clone(),
        country: row.country.clone(),
    }
}

/// Contact details, to the audiences that may see them.
pub fn contact(row: &CommentRow, audience: Audience) -> Option<Contact> {
    audience.sees_contact().then(|| Contact {
        email: row.email.clone(),
        state_province: row.state_province.clone(),
    })
}

/// A hit's submitter: the index holds no contact details at all.
pub fn hit_submitter(h: &Hit, _audience: Audience) -> SubmitterView {
    SubmitterView {
        name: h.name.clone(),
        organization: h.organization.clone(),
        organization_type: h.org_type.clone(),
        category: h.category.clone(),
        country: h.country.clone(),
    }
}

/// When a hit was received.
pub fn hit_received(h: &Hit) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(h.received_at_ms).unwrap_or_default()
}
