//! RFI Desk's search library: tantivy schema, document building, attachment
//! text, search, facets, snippets and similar comments, and the pure
//! algorithms of the analysis (coder agreement, form-letter campaigns). No HTTP, no SQL: documents
//! in, answers out.

/// Agreement between two coders (Cohen's kappa).
pub mod agreement;
pub mod analyzer;
/// The bound on attachment text per comment.
pub mod attachment_text;
/// Form-letter campaigns: near-duplicate detection, boilerplate, member
/// additions and signals.
pub mod campaigns;
/// Distinguishing terms of groups of comments (weighted log-odds).
pub mod distinguishing;
pub mod document;
pub mod extract;
pub mod facets;
pub mod filtered;
pub mod highlight;
/// The ids of every match, from the `id` fast column.
pub mod ids;
pub mod index;
/// Organization names resolved to one key per organization.
pub mod organization_counts;
pub mod organizations;
mod pass_cache;
/// Length, nesting and word limits checked before a query is parsed.
pub mod query_limits;
pub mod schema;
pub mod search;
mod segment_fruits;
pub mod summary;
/// Words and two-word phrases for distinguishing terms.
pub mod terms_analyzer;

pub use distinguishing::{DistinguishingTerm, TermGroup, TermGroups};
pub use document::CommentDoc;
pub use facets::FacetCounts;
pub use index::{CommitPoint, IndexError, SearchIndex, Writer};
pub use organization_counts::{Corrections, OrganizationGroup};
pub use schema::{CommentSchema, FACET_FIELDS};
pub use search::{
    Filters, Hit, QueryError, SearchError, SearchRequest, SearchResults, Snippet, Sort,
};
pub use summary::{OrganizationsWanted, SummaryCounts};

/// The crate version, so the server can report which indexer it carries.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
