//! One file per table: the row struct, then its queries.

pub mod api_token;
pub mod attachment;
pub mod audit;
pub mod blob_text;
pub mod bulk;
pub mod campaign;
pub mod change_feed;
pub mod comment;
pub mod comment_signal;
pub mod comment_tag;
pub mod deadline_change;
pub mod docket;
pub mod idempotency;
pub mod index_node;
pub mod job;
pub mod organization_group;
pub mod posting_operation;
pub mod receipt;
pub mod redaction;
pub mod rule;
pub mod server_secret;
pub mod session;
pub mod tag;
pub mod user;
