//! A search's query string, as `GET /api/v1/search` and the pages read it:
//! the parameters, then the query language.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use rfidesk::domain::search_params::SearchParams;
use rfidesk_indexer::index::SearchIndex;
use std::sync::OnceLock;

fn index() -> &'static (tempfile::TempDir, SearchIndex) {
    static INDEX: OnceLock<(tempfile::TempDir, SearchIndex)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open_or_create(dir.path()).unwrap();
        (dir, index)
    })
}

fuzz_target!(|data: &[u8]| {
    common::docket();
    let (_, index) = index();
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) {
        if let Ok(params) = SearchParams::parse(&pairs) {
            let _ = index.parse(&params.q);
        }
    }
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = index.parse(q);
    }
});
