//! One integration-test binary: the real server over HTTP.

mod helpers;

mod accounts;
mod admin_pages;
mod attachments;
mod backup;
mod bad_input;
mod browser;
mod campaigns;
mod coding;
mod coding_pages;
mod crash_safety;
mod deadlines;
mod distinguishing;
mod dockets;
mod exports;
mod extraction;
mod form;
mod hostile;
mod hostile_catalogue;
mod import;
mod indexing;
mod intake;
mod jobs;
mod operations;
mod permissions;
mod posting;
mod reading_room;
mod receipts;
mod rules;
mod scale_out;
mod search;
mod self_service;
mod summary;
