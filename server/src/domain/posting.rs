//! A comment's review for public posting, as staff decide it: the status
//! and, for a withheld comment, the reason, parsed together at the edge so
//! that no other combination reaches the database.

use std::collections::BTreeMap;

/// Not yet reviewed: what every comment is when it arrives.
pub const PENDING_REVIEW: &str = "pending_review";
pub const POSTED: &str = "posted";
pub const WITHHELD: &str = "withheld";
/// Posted with staff's redacted text in place of the original.
pub const REDACTED: &str = "redacted";

/// Why a comment is withheld from public posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithheldReason {
    BusinessConfidential,
    PersonalInformation,
    ThreatOrAbuse,
    /// A form letter whose campaign is posted through a representative.
    DuplicateInCampaign,
    WithdrawnBySubmitter,
}

impl WithheldReason {
    pub const ALL: [WithheldReason; 5] = [
        WithheldReason::BusinessConfidential,
        WithheldReason::PersonalInformation,
        WithheldReason::ThreatOrAbuse,
        WithheldReason::DuplicateInCampaign,
        WithheldReason::WithdrawnBySubmitter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WithheldReason::BusinessConfidential => "business_confidential",
            WithheldReason::PersonalInformation => "personal_information",
            WithheldReason::ThreatOrAbuse => "threat_or_abuse",
            WithheldReason::DuplicateInCampaign => "duplicate_in_campaign",
            WithheldReason::WithdrawnBySubmitter => "withdrawn_by_submitter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            WithheldReason::BusinessConfidential => "Business-confidential information",
            WithheldReason::PersonalInformation => "Personal information",
            WithheldReason::ThreatOrAbuse => "Threat or abuse",
            WithheldReason::DuplicateInCampaign => "Duplicate; the campaign is posted",
            WithheldReason::WithdrawnBySubmitter => "Withdrawn by the submitter",
        }
    }
}

/// What staff may set through the posting API. `redacted` is not among
/// them: a comment becomes redacted by being given its redacted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingDecision {
    /// Back to review.
    PendingReview,
    Posted,
    Withheld(WithheldReason),
}

/// Longest note staff may give with a decision (kept in the audit log).
pub const MAX_NOTE_CHARS: usize = 2_000;

impl PostingDecision {
    /// Parses a request's `status` and `reason`; the problems by field.
    pub fn parse(status: &str, reason: Option<&str>) -> Result<Self, BTreeMap<String, String>> {
        let err = |field: &str, why: String| BTreeMap::from([(field.to_string(), why)]);
        let reasons = || {
            WithheldReason::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (status, reason) {
            (WITHHELD, Some(r)) => WithheldReason::parse(r)
                .map(PostingDecision::Withheld)
                .ok_or_else(|| err("reason", format!("is one of {}", reasons()))),
            (WITHHELD, None) => Err(err(
                "reason",
                format!("a withheld comment needs one of {}", reasons()),
            )),
            (PENDING_REVIEW | POSTED, Some(_)) => Err(err(
                "reason",
                "only a withheld comment has a reason".to_string(),
            )),
            (PENDING_REVIEW, None) => Ok(PostingDecision::PendingReview),
            (POSTED, None) => Ok(PostingDecision::Posted),
            (REDACTED, _) => Err(err(
                "status",
                "a comment is redacted by giving its redacted text, not by this status".to_string(),
            )),
            _ => Err(err(
                "status",
                format!("is one of {PENDING_REVIEW}, {POSTED}, {WITHHELD}"),
            )),
        }
    }

    pub fn status(self) -> &'static str {
        match self {
            PostingDecision::PendingReview => PENDING_REVIEW,
            PostingDecision::Posted => POSTED,
            PostingDecision::Withheld(_) => WITHHELD,
        }
    }

    pub fn reason(self) -> Option<WithheldReason> {
        match self {
            PostingDecision::Withheld(r) => Some(r),
            _ => None,
        }
    }
}

/// (value, label) of every reason, for staff's forms.
pub fn reason_options() -> Vec<(&'static str, &'static str)> {
    WithheldReason::ALL
        .into_iter()
        .map(|r| (r.as_str(), r.label()))
        .collect()
}

/// A status as staff read it.
pub fn label(status: &str) -> &str {
    match status {
        PENDING_REVIEW => "Not yet reviewed",
        POSTED => "Posted",
        WITHHELD => "Withheld",
        REDACTED => "Posted redacted",
        other => other,
    }
}

/// Whether a status shows a comment to the public.
pub fn is_public(status: &str) -> bool {
    status == POSTED || status == REDACTED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_and_reason_parse_only_together() {
        assert_eq!(
            PostingDecision::parse("posted", None),
            Ok(PostingDecision::Posted)
        );
        assert_eq!(
            PostingDecision::parse("withheld", Some("threat_or_abuse")),
            Ok(PostingDecision::Withheld(WithheldReason::ThreatOrAbuse))
        );
        for (status, reason, field) in [
            ("withheld", None, "reason"),
            ("withheld", Some("boring"), "reason"),
            ("posted", Some("threat_or_abuse"), "reason"),
            ("redacted", None, "status"),
            ("published", None, "status"),
            ("", None, "status"),
        ] {
            let e = PostingDecision::parse(status, reason).unwrap_err();
            assert!(e.contains_key(field), "{status} {reason:?}: {e:?}");
        }
        for r in WithheldReason::ALL {
            assert_eq!(WithheldReason::parse(r.as_str()), Some(r));
        }
    }
}
