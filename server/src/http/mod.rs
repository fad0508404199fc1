//! The HTTP edge: reading bodies, multipart uploads, clients, accounts, errors.

pub mod auth;
pub mod body;
pub mod client;
pub mod error;
pub mod multipart;
pub mod private;
pub mod request_log;
pub mod throttle;
