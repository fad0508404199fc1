//! RFI Desk server: public-comment intake for federal Requests for Information.

/// Attachment bytes, stored by content hash.
pub mod blobs;
/// Command-line interface: serve, migrate, docket load/extend.
pub mod cli;
/// Diesel: schema, one model file per table, the group-commit writer.
pub mod db;
/// Docket files (TOML) into the database.
pub mod docket_files;
/// Dockets for handlers, through a short cache.
pub mod dockets;
/// Types that parse input at the edge.
pub mod domain;
/// Reading requests: bodies, multipart, clients, the error shape.
pub mod http;
/// The steps of taking a comment, shared by the API and the form.
pub mod intake;
/// Receipts by email from a durable outbox.
pub mod mail;
/// HTML pages and their view models.
pub mod pages;
/// Every route in one table, and the thin handlers.
pub mod routes;
/// Environment variables and flags.
pub mod settings;
/// Building and running the application.
pub mod startup;
/// What handlers share.
pub mod state;
