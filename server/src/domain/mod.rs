//! Types that parse input at the edge; everything past a handler works with these.

pub mod account;
pub mod attachment;
pub mod clock;
pub mod codebook;
pub mod docket;
pub mod email;
pub mod posting;
pub mod redaction;
pub mod search_params;
pub mod submission;
pub mod tag_path;
pub mod tracking_number;
