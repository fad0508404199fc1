//! The HTTP edge: reading bodies, multipart uploads, clients, errors.

pub mod body;
pub mod client;
pub mod error;
pub mod multipart;
