//! One integration-test binary: the real server over HTTP.

mod helpers;

mod attachments;
mod bad_input;
mod dockets;
mod form;
mod intake;
mod operations;
mod receipts;
