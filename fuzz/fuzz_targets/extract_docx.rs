//! A docx attachment's text, as the extraction child reads it (its limits
//! on output and inflation; libFuzzer's -rss_limit_mb and -timeout stand
//! in for the child's memory and time limits).
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::docket();
    let limits = rfidesk_indexer::extract::Limits::default();
    let _ = rfidesk_indexer::extract::extract("docx", data, &limits);
});
