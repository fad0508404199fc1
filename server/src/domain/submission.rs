//! A comment as submitted, parsed against its docket into a valid value.
//!
//! Raw input (JSON, multipart or the HTML form) becomes `RawSubmission`;
//! `Submission::parse` either returns a value every later step can trust or
//! names each failing field.

use crate::domain::docket::Docket;
use crate::domain::email::Email;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the client sent, before any checks. Unknown fields are refused so a
/// typo (`"coment"`) is an error, not silently lost text.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubmission {
    #[serde(default)]
    pub submitter: RawSubmitter,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub business_confidential: bool,
    #[serde(default)]
    pub signatories: Option<i64>,
    #[serde(default)]
    pub send_receipt: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubmitter {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub organization_type: Option<String>,
    pub category: Option<String>,
    pub country: Option<String>,
    pub state_province: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitterType {
    Individual,
    Organization,
    Anonymous,
}

impl SubmitterType {
    pub const ALL: [SubmitterType; 3] = [
        SubmitterType::Individual,
        SubmitterType::Organization,
        SubmitterType::Anonymous,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SubmitterType::Individual => "individual",
            SubmitterType::Organization => "organization",
            SubmitterType::Anonymous => "anonymous",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SubmitterType::Individual => "An individual",
            SubmitterType::Organization => "On behalf of an organization",
            SubmitterType::Anonymous => "Anonymously",
        }
    }
}

/// Kinds of organization; fixed across dockets so analysts can compare them.
pub const ORGANIZATION_TYPES: [(&str, &str); 9] = [
    ("company", "Company"),
    ("consortium", "Industry consortium"),
    ("trade_association", "Trade association"),
    ("academic", "University or research institution"),
    ("nonprofit", "Non-profit or civil-society organization"),
    (
        "government_us",
        "U.S. government (federal, state, local, tribal)",
    ),
    ("government_foreign", "Foreign government"),
    ("international_organization", "International organization"),
    ("other", "Other"),
];

const MAX_NAME_CHARS: usize = 200;
const MAX_SIGNATORIES: i64 = 100_000_000;

/// A submission every later step can trust.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub submitter_type: SubmitterType,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub organization_type: Option<String>,
    pub category: String,
    pub country: String,
    pub state_province: Option<String>,
    pub email: Option<Email>,
    /// Question id to answer text, only non-empty answers, in question order.
    pub answers: BTreeMap<String, String>,
    pub comment: Option<String>,
    pub business_confidential: bool,
    pub signatories: Option<i64>,
    pub send_receipt: bool,
}

/// Field path to the reason it was refused, e.g. `submitter.email`.
pub type FieldErrors = BTreeMap<String, String>;

impl Submission {
    /// `attachment_count` counts files that passed their own checks: a
    /// comment made only of an attachment is a comment.
    pub fn parse(
        raw: RawSubmission,
        docket: &Docket,
        attachment_count: usize,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let max_text = docket.limits().max_text_chars;
        let s = raw.submitter;

        let mut name = |field: &str, value: Option<String>, max: usize| -> Option<String> {
            let value = clean(value)?;
            if let Some(why) = text_problem(&value, max) {
                errors.insert(field.to_string(), why);
            }
            Some(value)
        };
        let first_name = name("submitter.first_name", s.first_name, MAX_NAME_CHARS);
        let last_name = name("submitter.last_name", s.last_name, MAX_NAME_CHARS);
        let organization = name("submitter.organization", s.organization, MAX_NAME_CHARS);
        let state_province = name("submitter.state_province", s.state_province, 100);
        let comment = name("comment", raw.comment, max_text);

        let submitter_type = match clean(s.kind).as_deref() {
            None => {
                errors.insert(
                    "submitter.type".into(),
                    "is required: individual, organization or anonymous".into(),
                );
                None
            }
            Some(t) => SubmitterType::parse(t).or_else(|| {
                errors.insert(
                    "submitter.type".into(),
                    "must be individual, organization or anonymous".into(),
                );
                None
            }),
        };
        match submitter_type {
            Some(SubmitterType::Individual) => {
                for (field, value) in [
                    ("submitter.first_name", &first_name),
                    ("submitter.last_name", &last_name),
                ] {
                    if value.is_none() {
                        errors.insert(field.into(), "is required for an individual".into());
                    }
                }
            }
            Some(SubmitterType::Organization) if organization.is_none() => {
                errors.insert(
                    "submitter.organization".into(),
                    "is required for an organization".into(),
                );
            }
            _ => {}
        }

        let organization_type = clean(s.organization_type);
        match (&organization_type, submitter_type) {
            (Some(t), _) if !ORGANIZATION_TYPES.iter().any(|(id, _)| id == t) => {
                let ids: Vec<_> = ORGANIZATION_TYPES.iter().map(|(id, _)| *id).collect();
                errors.insert(
                    "submitter.organization_type".into(),
                    format!("must be one of {}", ids.join(", ")),
                );
            }
            (None, Some(SubmitterType::Organization)) => {
                errors.insert(
                    "submitter.organization_type".into(),
                    "is required for an organization".into(),
                );
            }
            _ => {}
        }

        let category = clean(s.category);
        match &category {
            None => {
                errors.insert("submitter.category".into(), "is required".into());
            }
            Some(c) if docket.category(c).is_none() => {
                errors.insert(
                    "submitter.category".into(),
                    format!("{c:?} is not a category of this docket"),
                );
            }
            _ => {}
        }

        let country = clean(s.country).map(|c| c.to_ascii_uppercase());
        match &country {
            None => {
                errors.insert(
                    "submitter.country".into(),
                    "is required (ISO 3166-1 alpha-2 code, e.g. US)".into(),
                );
            }
            Some(c) if isocountry::CountryCode::for_alpha2(c).is_err() => {
                errors.insert(
                    "submitter.country".into(),
                    "must be an ISO 3166-1 alpha-2 code, e.g. US".into(),
                );
            }
            _ => {}
        }

        let email = match clean(s.email) {
            None => None,
            Some(e) => match Email::parse(&e) {
                Ok(e) => Some(e),
                Err(why) => {
                    errors.insert("submitter.email".into(), why.into());
                    None
                }
            },
        };
        // Asking for a receipt without an address cannot be honoured; leaving
        // the flag out means "yes" when an address is given.
        let send_receipt = raw.send_receipt.unwrap_or(email.is_some());
        if send_receipt && email.is_none() && !errors.contains_key("submitter.email") {
            errors.insert(
                "submitter.email".into(),
                "is required to send a receipt".into(),
            );
        }

        let mut answers = BTreeMap::new();
        for (question, text) in raw.answers {
            let field = format!("answers.{question}");
            if docket.question(&question).is_none() {
                errors.insert(field, "is not a question of this docket".into());
                continue;
            }
            let Some(text) = clean(Some(text)) else {
                continue;
            };
            if let Some(why) = text_problem(&text, max_text) {
                errors.insert(field, why);
            }
            answers.insert(question, text);
        }

        if let Some(n) = raw.signatories {
            if !(1..=MAX_SIGNATORIES).contains(&n) {
                errors.insert(
                    "signatories".into(),
                    format!("must be between 1 and {MAX_SIGNATORIES}"),
                );
            }
        }

        if answers.is_empty() && comment.is_none() && attachment_count == 0 {
            errors.insert(
                "comment".into(),
                "a comment needs at least one answer, a general comment or an attachment".into(),
            );
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Submission {
            submitter_type: submitter_type.expect("checked above"),
            first_name,
            last_name,
            organization,
            organization_type,
            category: category.expect("checked above"),
            country: country.expect("checked above"),
            state_province,
            email,
            answers,
            comment,
            business_confidential: raw.business_confidential,
            signatories: raw.signatories,
            send_receipt,
        })
    }
}

/// Blank means absent; line endings are normalised so limits count what a
/// person typed, not how their browser encoded it.
fn clean(value: Option<String>) -> Option<String> {
    let v = value?;
    let v = if v.contains('\r') {
        v.replace("\r\n", "\n")
    } else {
        v
    };
    let trimmed = v.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == v.len() {
        Some(v)
    } else {
        Some(trimmed.to_string())
    }
}

fn text_problem(text: &str, max_chars: usize) -> Option<String> {
    // PostgreSQL cannot store NUL in text, and no person types one.
    if text.contains('\0') {
        return Some("contains a NUL character".into());
    }
    // Cheap byte check first: most texts are far below the limit.
    if text.len() > max_chars && text.chars().count() > max_chars {
        return Some(format!("is longer than {max_chars} characters"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::docket::DocketFile;

    fn docket() -> Docket {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/dockets/ai-exports-rfi.toml"
        ))
        .unwrap();
        DocketFile::from_toml(&text).unwrap().into_docket().unwrap()
    }

    fn raw(json: serde_json::Value) -> RawSubmission {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_complete_organization_comment_parses() {
        let s = Submission::parse(
            raw(serde_json::json!({
                "submitter": {"type": "organization", "organization": "Example AI Inc.", "organization_type": "company",
                              "category": "ai-developer", "country": "us", "email": "ada@example.com"},
                "answers": {"regions": "  Southeast Asia.  ", "standards": "   "},
            })),
            &docket(),
            0,
        )
        .unwrap();
        assert_eq!(s.country, "US");
        assert_eq!(s.answers.len(), 1, "blank answers are dropped");
        assert_eq!(s.answers["regions"], "Southeast Asia.");
        assert!(s.send_receipt, "an address implies a receipt");
    }

    #[test]
    fn each_problem_is_named() {
        let errors = Submission::parse(
            raw(serde_json::json!({
                "submitter": {"type": "individual", "category": "nope", "country": "XX", "email": "not-an-email"},
                "answers": {"unknown": "x", "regions": "a".repeat(20_001)},
                "signatories": 0
            })),
            &docket(),
            0,
        )
        .unwrap_err();
        for field in [
            "submitter.first_name",
            "submitter.last_name",
            "submitter.category",
            "submitter.country",
            "submitter.email",
            "answers.unknown",
            "answers.regions",
            "signatories",
        ] {
            assert!(
                errors.contains_key(field),
                "{field} missing from {errors:?}"
            );
        }
    }

    #[test]
    fn an_empty_comment_is_refused_unless_it_has_an_attachment() {
        let body = serde_json::json!({"submitter": {"type": "anonymous", "category": "other", "country": "DE"}});
        let errors = Submission::parse(raw(body.clone()), &docket(), 0).unwrap_err();
        assert!(errors.contains_key("comment"));
        assert!(Submission::parse(raw(body), &docket(), 1).is_ok());
    }

    #[test]
    fn receipt_needs_an_address() {
        let body = serde_json::json!({"submitter": {"type": "anonymous", "category": "other", "country": "DE"},
                                      "comment": "hi", "send_receipt": true});
        let errors = Submission::parse(raw(body), &docket(), 0).unwrap_err();
        assert_eq!(errors["submitter.email"], "is required to send a receipt");
    }
}
