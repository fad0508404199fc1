//! Receipts by email: the message and where it goes. Sending them is a
//! job (`crate::jobs::send_receipt`).

pub mod message;
pub mod transport;
