//! A comment as the index sees it: plain data in, a tantivy document out.

use crate::schema::{CommentSchema, FIELD_SEPARATOR, SET_SEPARATOR};
use std::collections::BTreeMap;
use tantivy::schema::OwnedValue;
use tantivy::{DateTime, TantivyDocument};

/// Everything about a comment that search needs. The server fills it from
/// the database; contact details (email, address) are never part of it.
#[derive(Debug, Clone, Default)]
pub struct CommentDoc {
    pub id: String,
    pub tracking_number: String,
    pub docket: String,
    pub category: String,
    pub org_type: Option<String>,
    pub country: String,
    pub late: bool,
    pub business_confidential: bool,
    /// Where its review for public posting stands (`pending_review`,
    /// `posted`, `withheld`, `redacted`).
    pub posting: String,
    /// Milliseconds since the Unix epoch, UTC.
    pub received_at_ms: i64,
    pub organization: Option<String>,
    pub name: Option<String>,
    /// Question id to answer text, in the docket's order.
    pub answers: Vec<(String, String)>,
    pub comment: Option<String>,
    pub attachment_count: usize,
    /// Text extracted from the attachments so far.
    pub attachment_texts: Vec<String>,
    pub tags: Vec<String>,
    pub campaign: Option<String>,
    /// Kinds of signal that concern the comment (analysts only).
    pub signals: Vec<String>,
    /// Signatories the submission claims (none: one).
    pub signatories: Option<i64>,
}

impl CommentDoc {
    pub fn to_document(&self, s: &CommentSchema) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(s.id, &self.id);
        doc.add_text(s.tracking_number, &self.tracking_number);
        doc.add_text(s.docket, &self.docket);
        doc.add_text(s.category, &self.category);
        if let Some(t) = &self.org_type {
            doc.add_text(s.org_type, t);
        }
        doc.add_text(s.country, &self.country);
        doc.add_text(s.late, bool_text(self.late));
        doc.add_text(s.has_attachments, bool_text(self.attachment_count > 0));
        doc.add_text(
            s.business_confidential,
            bool_text(self.business_confidential),
        );
        doc.add_text(s.posting, &self.posting);
        doc.add_date(
            s.received_at,
            DateTime::from_timestamp_millis(self.received_at_ms),
        );
        if let Some(o) = non_blank(&self.organization) {
            doc.add_text(s.organization, o);
            doc.add_text(s.org_name, o.trim());
            doc.add_text(s.text, o);
        }
        if let Some(n) = non_blank(&self.name) {
            doc.add_text(s.name, n);
            doc.add_text(s.text, n);
        }
        let mut by_question = BTreeMap::new();
        for (question, text) in &self.answers {
            if text.trim().is_empty() {
                continue;
            }
            doc.add_text(s.question, question);
            doc.add_text(s.text, text);
            by_question.insert(question.clone(), OwnedValue::Str(text.clone()));
        }
        if !by_question.is_empty() {
            let ids: Vec<&str> = by_question.keys().map(String::as_str).collect();
            doc.add_text(s.question_set, ids.join(&SET_SEPARATOR.to_string()));
            doc.add_object(s.answer, by_question.clone());
            doc.add_object(s.answers_stored, by_question);
        }
        if let Some(c) = non_blank(&self.comment) {
            doc.add_text(s.comment, c);
            doc.add_text(s.text, c);
        }
        for text in &self.attachment_texts {
            doc.add_text(s.attachment, text);
        }
        let lead = crate::attachment_text::lead(
            &self.attachment_texts,
            crate::attachment_text::TERMS_LEAD_BYTES,
        );
        if !lead.is_empty() {
            doc.add_text(s.attachment_lead, lead);
        }
        if !self.tags.is_empty() {
            doc.add_text(s.tag_set, self.tags.join(&SET_SEPARATOR.to_string()));
        }
        for tag in &self.tags {
            doc.add_text(s.tag, tag);
        }
        if let Some(c) = &self.campaign {
            doc.add_text(s.campaign, c);
        }
        if !self.signals.is_empty() {
            doc.add_text(s.signal_set, self.signals.join(&SET_SEPARATOR.to_string()));
        }
        for kind in &self.signals {
            doc.add_text(s.signal, kind);
        }
        if let Some(n) = self.signatories.filter(|n| *n > 1) {
            doc.add_u64(s.signatories, n as u64);
        }
        // In the order of COMBINED_FIELDS; an empty part is no value.
        let key = [
            self.category.as_str(),
            self.org_type.as_deref().unwrap_or(""),
            self.country.as_str(),
            bool_text(self.late),
            bool_text(self.attachment_count > 0),
            bool_text(self.business_confidential),
            self.posting.as_str(),
        ]
        .join(&FIELD_SEPARATOR.to_string());
        doc.add_text(s.facet_key, key);
        doc
    }
}

pub(crate) fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}
