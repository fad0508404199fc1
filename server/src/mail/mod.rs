//! Receipts by email, sent from a durable outbox.

pub mod message;
pub mod transport;
pub mod worker;
