//! A JSON submission, as `POST /api/v1/dockets/{docket}/comments` reads it.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use rfidesk::domain::submission::{RawSubmission, Submission};

fuzz_target!(|data: &[u8]| {
    let docket = common::docket();
    if let Ok(raw) = rfidesk::http::body::parse_json::<RawSubmission>(data) {
        let _ = Submission::parse(raw, docket, 0);
    }
});
