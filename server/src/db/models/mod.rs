//! One file per table: the row struct, then its queries.

pub mod attachment;
pub mod change_feed;
pub mod comment;
pub mod docket;
pub mod idempotency;
pub mod receipt;
