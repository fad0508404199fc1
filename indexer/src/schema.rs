//! The tantivy schema, in one struct: every field a comment document has,
//! how it is indexed, and the names the query language knows it by.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, JsonObjectOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};

pub use crate::analyzer::TEXT_ANALYZER;

/// Handles to every field of a comment document.
#[derive(Debug, Clone)]
pub struct CommentSchema {
    pub schema: Schema,
    /// The comment's database id: the key documents are replaced by.
    pub id: Field,
    pub tracking_number: Field,
    pub docket: Field,
    /// Submitter category (a docket category id).
    pub category: Field,
    pub org_type: Field,
    /// ISO 3166-1 alpha-2.
    pub country: Field,
    /// Ids of the questions the comment answers (multi-valued).
    pub question: Field,
    /// The same ids as one value, joined by [`SET_SEPARATOR`]: a column
    /// only, which facets and filters read a block of comments at a time.
    pub question_set: Field,
    /// "true" or "false", so that facets count it like the other keywords.
    pub late: Field,
    pub has_attachments: Field,
    /// "true" when the submitter marked it business confidential.
    pub business_confidential: Field,
    pub posting: Field,
    /// Milliseconds precision; sorted and range-filtered through its fast column.
    pub received_at: Field,
    pub organization: Field,
    /// The organization as written (trimmed), a column only: summaries
    /// count organizations from it, and group its spellings themselves.
    pub org_name: Field,
    /// The submitter's name (an individual's, or the contact of an organization).
    pub name: Field,
    /// Everything the submitter wrote: every answer, the general comment,
    /// organization and name, as one field. Bare words are looked for here
    /// (and in `attachment`): one field's postings, where five fields made
    /// every word a five-way union and doubled the cost of `a AND b`. The
    /// same idea as Elasticsearch's `copy_to` or Solr's `copyField`. Its
    /// price is indexing the comment, organization and name twice (short
    /// texts); attachment text, which can be long, stays in its own field.
    pub text: Field,
    /// Answers by question id: `answer.standards:minerals`.
    pub answer: Field,
    /// The answers as stored JSON (question id to text), for snippets and display.
    pub answers_stored: Field,
    pub comment: Field,
    /// Extracted attachment text (indexed only: the database keeps the text).
    pub attachment: Field,
    /// The start of the attachment text, stored only: what distinguishing
    /// terms read of a comment's files (`attachment_text::lead`).
    pub attachment_lead: Field,
    /// Analyst tags (each path with its ancestors) and the form-letter
    /// campaign (filled by a later issue).
    pub tag: Field,
    /// A comment's tags as one value, like `question_set`: every comment
    /// of a coded docket has several, and the facet reads them a block of
    /// comments at a time.
    pub tag_set: Field,
    pub campaign: Field,
    /// Kinds of signal (of mass production or false attribution) that
    /// concern the comment (multi-valued), for filters; `signal_set` is
    /// the column facets count them from, like `tag_set`. Analysts only.
    pub signal: Field,
    pub signal_set: Field,
    /// Signatories the submission claims, only when more than one (a
    /// column only): a match without it is one signatory.
    pub signatories: Field,
    /// The single-valued keyword fields of [`COMBINED_FIELDS`] as one value, joined by [`FIELD_SEPARATOR`]: a column
    /// only. Facets read it once per comment instead of reading six columns;
    /// a docket has few distinct combinations, so counts are kept per
    /// combination and handed to each field at the end (facets.rs).
    pub facet_key: Field,
}

/// Joins the values of a set column; no keyword value contains it.
pub const SET_SEPARATOR: char = '\u{1f}';

/// Joins the fields of `facet_key`; no keyword value contains it.
pub const FIELD_SEPARATOR: char = '\u{1e}';

/// The keyword fields `facet_key` holds, in its order. Not in it:
/// `docket` (one value per index, read for free), and the sets `question`
/// and `tag`, whose combinations would make the key nearly unique per
/// comment: the search benchmark's segments of 170,000 comments hold
/// about 1,700 keys, and the question set (50 kinds) would multiply them,
/// so handing each key's count to its fields would cost what reading the
/// columns saved. Nor `campaign` (few comments have one).
pub const COMBINED_FIELDS: [&str; 7] = [
    "category",
    "org_type",
    "country",
    "late",
    "has_attachments",
    "business_confidential",
    "posting",
];

/// The set column a multi-valued keyword field is counted from, if any.
pub fn set_column(field: &str) -> Option<&'static str> {
    match field {
        "question" => Some("question_set"),
        "tag" => Some("tag_set"),
        "signal" => Some("signal_set"),
        _ => None,
    }
}

/// Keyword fields: searchable as `field:value`, filterable, and counted as facets.
pub const FACET_FIELDS: [&str; 12] = [
    "docket",
    "category",
    "org_type",
    "country",
    "question",
    "late",
    "has_attachments",
    "business_confidential",
    "posting",
    "tag",
    "campaign",
    "signal",
];

impl CommentSchema {
    pub fn new() -> Self {
        let mut b = Schema::builder();
        let keyword = STRING | STORED | FAST;
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let stored_text = text.clone().set_stored();
        // FAST: rules and bulk tags read the ids of every match (ids.rs).
        let id = b.add_text_field("id", STRING | STORED | FAST);
        let tracking_number = b.add_text_field("tracking_number", STRING | STORED);
        let docket = b.add_text_field("docket", keyword.clone());
        let category = b.add_text_field("category", keyword.clone());
        let org_type = b.add_text_field("org_type", keyword.clone());
        let country = b.add_text_field("country", keyword.clone());
        let question = b.add_text_field("question", STRING);
        let question_set = b.add_text_field("question_set", FAST);
        let late = b.add_text_field("late", STRING | FAST | STORED);
        let has_attachments = b.add_text_field("has_attachments", STRING | FAST | STORED);
        let business_confidential =
            b.add_text_field("business_confidential", STRING | FAST | STORED);
        // Review before public posting: `pending_review`, `posted`,
        // `withheld` or `redacted` (the server's `domain::posting`).
        let posting = b.add_text_field("posting", STRING | FAST | STORED);
        let received_at = b.add_date_field(
            "received_at",
            DateOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored()
                .set_precision(DateTimePrecision::Milliseconds),
        );
        let organization = b.add_text_field("organization", stored_text.clone());
        let org_name = b.add_text_field("org_name", FAST);
        let name = b.add_text_field("name", stored_text.clone());
        let text_all = b.add_text_field("text", text.clone());
        let answer = b.add_json_field(
            "answer",
            JsonObjectOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(TEXT_ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        let answers_stored = b.add_json_field("answers_stored", STORED);
        let comment = b.add_text_field("comment", stored_text);
        let attachment = b.add_text_field("attachment", text);
        let attachment_lead = b.add_text_field("attachment_lead", STORED);
        // Filters use the terms; facets the set column.
        let tag = b.add_text_field("tag", STRING | STORED);
        let tag_set = b.add_text_field("tag_set", FAST);
        let campaign = b.add_text_field("campaign", keyword);
        let signal = b.add_text_field("signal", STRING);
        let signal_set = b.add_text_field("signal_set", FAST);
        let signatories = b.add_u64_field("signatories", FAST);
        let facet_key = b.add_text_field("facet_key", FAST);
        CommentSchema {
            schema: b.build(),
            id,
            tracking_number,
            docket,
            category,
            org_type,
            country,
            question,
            question_set,
            late,
            has_attachments,
            business_confidential,
            posting,
            received_at,
            organization,
            org_name,
            name,
            text: text_all,
            answer,
            answers_stored,
            comment,
            attachment,
            attachment_lead,
            tag,
            tag_set,
            campaign,
            signal,
            signal_set,
            signatories,
            facet_key,
        }
    }

    /// Where a query's bare words are looked for.
    pub fn default_search_fields(&self) -> Vec<Field> {
        vec![self.text, self.attachment]
    }

    /// The free-text fields snippets are made for, by name.
    pub fn text_fields(&self) -> [Field; 6] {
        [
            self.text,
            self.answer,
            self.comment,
            self.attachment,
            self.organization,
            self.name,
        ]
    }

    pub fn facet_field(&self, name: &str) -> Option<Field> {
        Some(match name {
            "docket" => self.docket,
            "category" => self.category,
            "org_type" => self.org_type,
            "country" => self.country,
            "question" => self.question,
            "late" => self.late,
            "has_attachments" => self.has_attachments,
            "business_confidential" => self.business_confidential,
            "posting" => self.posting,
            "tag" => self.tag,
            "campaign" => self.campaign,
            "signal" => self.signal,
            _ => return None,
        })
    }
}

impl Default for CommentSchema {
    fn default() -> Self {
        Self::new()
    }
}
