//! The public reading room: what the public may read of a docket's
//! comments, and nothing else.
//!
//! Only posted comments (as submitted) and redacted ones (with staff's
//! redacted text and files) are public. Their public form is built in one
//! place ([`public`]) and indexed into an index of its own (the public
//! index, beside the staff one in each generation): a public search can
//! only ever see public text, so a word found only in withheld, unposted
//! or redacted-away text finds nothing, and shows in no snippet, count or
//! facet. Pages and JSON read comments and files through [`public`] too.

pub mod comment;
pub mod public;
pub mod search;
