//! RFI Desk's search library: tantivy schema, document building, attachment
//! text, search, rule tagging and campaign detection. No HTTP, no SQL:
//! documents in, answers out.
//!
//! Empty until the analyst-search issue; the server already writes the
//! change feed this crate's follower will apply.

/// The crate version, so the server can report which indexer it carries.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
