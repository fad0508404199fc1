//! The comment form's typed values and errors, for re-rendering.

use crate::domain::submission::{RawSubmission, RawSubmitter};
use std::collections::{BTreeMap, HashMap};

/// Form field name to the API field path it fills (errors use API paths).
const FIELDS: [(&str, &str); 13] = [
    ("submitter_type", "submitter.type"),
    ("first_name", "submitter.first_name"),
    ("last_name", "submitter.last_name"),
    ("organization", "submitter.organization"),
    ("organization_type", "submitter.organization_type"),
    ("category", "submitter.category"),
    ("country", "submitter.country"),
    ("state_province", "submitter.state_province"),
    ("email", "submitter.email"),
    ("send_receipt", "send_receipt"),
    ("comment", "comment"),
    ("business_confidential", "business_confidential"),
    ("signatories", "signatories"),
];

#[derive(Default)]
pub struct FormView {
    /// API field path to the typed value.
    values: HashMap<String, String>,
    pub errors: BTreeMap<String, String>,
    pub message: String,
    /// Sent back as the Idempotency-Key, so a double click stores one comment.
    pub token: String,
}

impl FormView {
    pub fn blank() -> Self {
        FormView {
            token: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        }
    }

    /// Reads posted fields. Returns the raw submission, the view (to show
    /// again if it is refused) and whether the honeypot was filled.
    pub fn from_fields(
        fields: &[(String, String)],
    ) -> (Result<RawSubmission, (String, String)>, FormView, bool) {
        let mut view = FormView::default();
        let mut raw = RawSubmission::default();
        let mut answers = BTreeMap::new();
        let mut honeypot = false;
        let mut bad = None;
        for (name, value) in fields {
            if let Some(q) = name.strip_prefix("answer_") {
                answers.insert(q.to_string(), value.clone());
                view.values.insert(format!("answers.{q}"), value.clone());
            } else if let Some((_, path)) = FIELDS.iter().find(|(f, _)| f == name) {
                view.values.insert(path.to_string(), value.clone());
            } else if name == "form_token" {
                view.token = value.clone();
            } else if name == "website" {
                honeypot |= !value.trim().is_empty();
            } else {
                bad.get_or_insert((name.clone(), "is not a field of this form".to_string()));
            }
        }
        let v = |path: &str| view.values.get(path).cloned();
        raw.submitter = RawSubmitter {
            kind: v("submitter.type"),
            first_name: v("submitter.first_name"),
            last_name: v("submitter.last_name"),
            organization: v("submitter.organization"),
            organization_type: v("submitter.organization_type"),
            category: v("submitter.category"),
            country: v("submitter.country"),
            state_province: v("submitter.state_province"),
            email: v("submitter.email"),
        };
        raw.answers = answers;
        raw.comment = v("comment");
        raw.business_confidential = v("business_confidential").as_deref() == Some("true");
        // An unticked checkbox is simply absent from the post. The box starts
        // ticked, so it means "if I give an address": no address, no receipt.
        let has_email = v("submitter.email").is_some_and(|e| !e.trim().is_empty());
        raw.send_receipt = Some(has_email && v("send_receipt").as_deref() == Some("true"));
        match v("signatories")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
        {
            None => {}
            Some(s) => match s.parse::<i64>() {
                Ok(n) => raw.signatories = Some(n),
                Err(_) => bad = Some(("signatories".into(), "must be a whole number".into())),
            },
        }
        if !view.values.contains_key("send_receipt") {
            view.values.insert("send_receipt".into(), "false".into());
        }
        if view.token.is_empty() {
            view.token = uuid::Uuid::new_v4().to_string();
        }
        let result = match bad {
            Some(b) => Err(b),
            None => Ok(raw),
        };
        (result, view, honeypot)
    }

    pub fn value(&self, path: &str) -> &str {
        self.values.get(path).map(String::as_str).unwrap_or("")
    }

    pub fn error(&self, path: &str) -> Option<&str> {
        self.errors.get(path).map(String::as_str)
    }

    pub fn answer(&self, question: &str) -> &str {
        self.value(&format!("answers.{question}"))
    }

    pub fn answer_error(&self, question: &str) -> Option<&str> {
        self.error(&format!("answers.{question}"))
    }

    /// The id of the input an error is about, for links in the summary.
    pub fn anchor(&self, path: &str) -> String {
        if let Some(q) = path.strip_prefix("answers.") {
            return format!("answer_{q}");
        }
        if path.starts_with("attachments") {
            return "attachments".into();
        }
        FIELDS
            .iter()
            .find(|(_, p)| *p == path)
            .map(|(f, _)| f.to_string())
            .unwrap_or_else(|| path.replace('.', "_"))
    }

    pub fn label(&self, path: &str) -> String {
        let field = self.anchor(path);
        let s = field
            .strip_prefix("answer_")
            .map(|q| format!("answer to {q}"))
            .unwrap_or(field);
        s.replace('_', " ")
    }
}
