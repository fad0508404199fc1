//! A multipart submission body (boundary `fuzz`), read as the API and the
//! form read it: parts, text fields, files streamed to the blob store.
#![no_main]
mod common;

use actix_web::{test::TestRequest, web, FromRequest};
use libfuzzer_sys::fuzz_target;
use rfidesk::blobs::BlobStore;
use std::sync::OnceLock;

fn store() -> &'static (tempfile::TempDir, BlobStore) {
    static STORE: OnceLock<(tempfile::TempDir, BlobStore)> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path().to_path_buf()).unwrap();
        (dir, blobs)
    })
}

fuzz_target!(|data: &[u8]| {
    let docket = common::docket();
    let (_, blobs) = store();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (req, mut payload) = TestRequest::post()
            .insert_header(("content-type", "multipart/form-data; boundary=fuzz"))
            .set_payload(data.to_vec())
            .to_http_parts();
        let payload = web::Payload::from_request(&req, &mut payload)
            .await
            .unwrap();
        if let Ok(parts) = rfidesk::http::multipart::read(
            &req,
            payload,
            docket,
            blobs,
            rfidesk::http::body::BodyTiming::default(),
        )
        .await
        {
            // Kept files are removed, as a refused request's are.
            drop(parts);
        }
    });
});
