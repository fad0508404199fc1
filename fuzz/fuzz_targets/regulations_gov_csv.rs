//! A regulations.gov bulk-download CSV, as `rfidesk import regulations-gov`
//! reads it: the header, then each record (at most 1,000 a run).
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use rfidesk::import::regulations_gov::{parse, Columns};

fuzz_target!(|data: &[u8]| {
    let docket = common::docket();
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let Ok(headers) = csv.headers().cloned() else {
        return;
    };
    let Ok(columns) = Columns::from_headers(&headers) else {
        return;
    };
    for record in csv.records().take(1_000) {
        let Ok(record) = record else { break };
        let _ = parse(&columns, &record, docket);
    }
});
