//! RFI Desk server: public-comment intake for federal Requests for Information.

/// Accounts: creation, passwords, sessions.
pub mod accounts;
/// Running a docket (staff): posting review, free of HTTP.
pub mod admin;
/// Search, the comment as each audience sees it, coding (codebooks, tags,
/// audit), free of HTTP.
pub mod analysis;
/// `rfidesk backup` and `restore`: the database and attachments, copied
/// while serving and put back.
pub mod backup;
/// Attachment bytes, stored by content hash.
pub mod blobs;
/// Form-letter campaigns: detection over a docket (the rebuild), one new
/// comment at a time (assignment), and what is stored of each campaign.
pub mod campaigns;
/// Command-line interface: serve, migrate, docket load/extend, codebook load,
/// users and tokens, reindex, search, campaigns rebuild.
pub mod cli;
/// Codebook files (TOML) into the database.
pub mod codebook_files;
/// Diesel: schema, one model file per table, the group-commit writer.
pub mod db;
/// Docket files (TOML) into the database.
pub mod docket_files;
/// Dockets for handlers, through a short cache.
pub mod dockets;
/// Types that parse input at the edge.
pub mod domain;
/// Attachment text, read in a resource-limited child process.
pub mod extraction;
/// Wakes change-feed readers when the writer commits.
pub mod feed_signal;
/// Reading requests: bodies, multipart, clients, the error shape.
pub mod http;
/// Loading comments from a regulations.gov bulk download.
pub mod import;
/// The steps of taking a comment, shared by the API and the form.
pub mod intake;
/// Background work as leased jobs: receipts, text extraction, purges, bulk
/// and rule tags, campaigns.
pub mod jobs;
/// Keyed hashes of client and email addresses, for campaign signals.
pub mod keyed_hash;
/// The receipt email and its transport.
pub mod mail;
/// HTML pages and their view models.
pub mod pages;
/// The public reading room: posted comments' public text and files,
/// their own index, search and pages' data.
pub mod reading_room;
/// Every route in one table, and the thin handlers.
pub mod routes;
/// The search index: follower, rebuilds, queries.
pub mod search;
/// Environment variables and flags.
pub mod settings;
/// Building and running the application.
pub mod startup;
/// What handlers share.
pub mod state;
